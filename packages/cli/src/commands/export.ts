/**
 * `syncalite export --from <url>`: a store's whole content as JSON Lines, one item a line (a
 * pool's configuration, or an identity with its datasets, records, devices and subscriptions),
 * then Cognito Identity's state (identityTransfer.ts), read and written a page at a time, so that
 * a store larger than memory exports. To a file, it is written under `<file>.partial` and renamed
 * once complete: a file of that name is whole.
 */
import { once } from "node:events"
import { createWriteStream } from "node:fs"
import { rename } from "node:fs/promises"
import { Command } from "commander"
import { Effect } from "effect"
import type { CommandContext } from "../context.js"
import { countIdentityItems, describeIdentityCounts, eachIdentityPage, noIdentityCounts, openIdentityStore } from "../identityTransfer.js"
import { count, describeCounts, eachPage, noCounts, openStore, pageSize, runCommand } from "../transfer.js"

interface Options {
  readonly from: string
  readonly out?: string
  readonly page: number
  readonly redisPrefix?: string
}

/** Where the lines go: a file, with backpressure, or standard output (synchronous for files and pipes). */
const sink = (context: CommandContext, out: string | undefined) => {
  if (out === undefined) return { write: (text: string) => Effect.sync(() => context.out(text)), close: Effect.void }
  const partial = `${out}.partial`
  const stream = createWriteStream(partial)
  return {
    write: (text: string) =>
      Effect.promise(async () => {
        if (!stream.write(`${text}\n`)) await once(stream, "drain")
      }),
    close: Effect.promise(async () => {
      stream.end()
      await once(stream, "finish")
      await rename(partial, out)
    })
  }
}

/**
 * @since 0.1.0
 * @category commands
 */
export const exportCommand = (context: CommandContext): Command =>
  new Command("export")
    .description("write a store's whole content as JSON Lines (standard output, or --out), one pool or identity a line")
    .requiredOption("--from <url>", "the store: sqlite:<path> | redis://host:port | redis+cluster://host:port[,host:port…] | memory")
    .option("--out <file>", "the file to write; standard output by default")
    .option("--page <items>", "items read at a time", pageSize, 100)
    .option("--redis-prefix <prefix>", "the first part of every key of a Redis store (env: SYNCALITE_REDIS_PREFIX)")
    .action((options: Options) =>
      runCommand(Effect.gen(function*() {
        const storeOptions = { redisPrefix: options.redisPrefix ?? context.env["SYNCALITE_REDIS_PREFIX"] }
        const store = yield* openStore(options.from, storeOptions)
        const identities = yield* openIdentityStore(options.from, storeOptions)
        const output = sink(context, options.out)
        const lines = (items: ReadonlyArray<unknown>) => items.length === 0 ? Effect.void : output.write(items.map((item) => JSON.stringify(item)).join("\n"))
        let counts = noCounts
        yield* eachPage(store, undefined, options.page, (page) => {
          counts = count(counts, page.items)
          return lines(page.items)
        })
        let identityCounts = noIdentityCounts
        yield* eachIdentityPage(identities, options.page, (items) => {
          identityCounts = countIdentityItems(identityCounts, items)
          return lines(items)
        })
        yield* output.close
        context.err(`syncalite export: ${describeCounts(counts)}`)
        if (identityCounts.identityPools > 0) context.err(`syncalite export: ${describeIdentityCounts(identityCounts)}`)
      }))
    )
