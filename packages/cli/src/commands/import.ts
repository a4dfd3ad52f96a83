/**
 * `syncalite import --to <url>`: the JSON Lines of `syncalite export` (a file, or standard input)
 * written into a store a page at a time, so that an export larger than memory imports. Each item
 * is written atomically over what the store holds of the same pool, datasets and devices, and
 * Cognito Identity's state over the same pools and identities, so an import stopped midway can be
 * run again from the start.
 */
import { constants, createReadStream } from "node:fs"
import { access } from "node:fs/promises"
import { createInterface } from "node:readline"
import { Command } from "commander"
import { Effect } from "effect"
import { ConfigError } from "../config.js"
import type { CommandContext } from "../context.js"
import {
  countIdentityItems,
  describeIdentityCounts,
  describeNotice,
  noIdentityCounts,
  openIdentityStore,
  type RestoreNotice,
  restoreIdentityItem
} from "../identityTransfer.js"
import { count, describeCounts, type ExportLine, isStoreItem, noCounts, openStore, pageSize, parseLine, runCommand } from "../transfer.js"

interface Options {
  readonly to: string
  readonly in?: string
  readonly page: number
  readonly redisPrefix?: string
}

/**
 * @since 0.1.0
 * @category commands
 */
export const importCommand = (context: CommandContext): Command =>
  new Command("import")
    .description("write the JSON Lines of syncalite export (standard input, or --in) into a store")
    .requiredOption("--to <url>", "the store: sqlite:<path> | redis://host:port | redis+cluster://host:port[,host:port…] | memory")
    .option("--in <file>", "the file to read; standard input by default")
    .option("--page <items>", "items written at a time", pageSize, 100)
    .option("--redis-prefix <prefix>", "the first part of every key of a Redis store (env: SYNCALITE_REDIS_PREFIX)")
    .action((options: Options) =>
      runCommand(Effect.gen(function*() {
        const storeOptions = { redisPrefix: options.redisPrefix ?? context.env["SYNCALITE_REDIS_PREFIX"] }
        const store = yield* openStore(options.to, storeOptions)
        const identities = yield* openIdentityStore(options.to, storeOptions)
        const source = options.in ?? "standard input"
        if (options.in !== undefined) {
          const file = options.in
          yield* Effect.tryPromise({
            try: () => access(file, constants.R_OK),
            catch: () => new ConfigError(`cannot read --in ${file}: no such file, or not readable`)
          })
        }
        const input = options.in === undefined ? process.stdin : createReadStream(options.in)
        const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]()
        let counts = noCounts
        let identityCounts = noIdentityCounts
        const notices = new Set<RestoreNotice>()
        let number = 0
        for (;;) {
          const page: Array<ExportLine> = []
          let done = false
          while (page.length < options.page) {
            const next = yield* Effect.promise(() => lines.next())
            if (next.done === true) {
              done = true
              break
            }
            number++
            if (next.value.trim() !== "") page.push(parseLine(next.value, number, source))
          }
          const items = page.filter(isStoreItem)
          yield* store.restore(items)
          counts = count(counts, items)
          // the identity lines follow the sync store's in an export: what a pending merge moves is written by now
          for (const line of page) {
            if (isStoreItem(line)) continue
            const notice = yield* restoreIdentityItem(identities, store, line)
            if (notice !== undefined) notices.add(notice)
            identityCounts = countIdentityItems(identityCounts, [line])
          }
          if (done) break
        }
        context.err(`syncalite import: ${describeCounts(counts)}`)
        if (identityCounts.identityPools > 0) context.err(`syncalite import: ${describeIdentityCounts(identityCounts)}`)
        for (const notice of notices) context.err(`syncalite import: ${describeNotice(notice)}`)
      }))
    )
