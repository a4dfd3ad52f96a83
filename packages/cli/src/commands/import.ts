/**
 * `syncalite import --to <url>`: the JSON Lines of `syncalite export` (a file, or standard input)
 * written into a store a page at a time, so that an export larger than memory imports. Each item
 * is written atomically over what the store holds of the same pool, datasets and devices, so an
 * import stopped midway can be run again from the start.
 */
import { constants, createReadStream } from "node:fs"
import { access } from "node:fs/promises"
import { createInterface } from "node:readline"
import { Command } from "commander"
import { Effect } from "effect"
import type { SyncStore } from "@syncalite/core"
import { ConfigError } from "../config.js"
import type { CommandContext } from "../context.js"
import { count, describeCounts, noCounts, openStore, pageSize, parseLine, runCommand } from "../transfer.js"

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
        const store = yield* openStore(options.to, { redisPrefix: options.redisPrefix ?? context.env["SYNCALITE_REDIS_PREFIX"] })
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
        let number = 0
        for (;;) {
          const page: Array<SyncStore.StoreItem> = []
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
          yield* store.restore(page)
          counts = count(counts, page)
          if (done) break
        }
        context.err(`syncalite import: ${describeCounts(counts)}`)
      }))
    )
