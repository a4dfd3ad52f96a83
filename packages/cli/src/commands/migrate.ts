/**
 * `syncalite migrate --from <url> --to <url>`: copies a store into another, empty one, a page at
 * a time. After every page a checkpoint file records where the copy stands and what it copied,
 * so that a migration stopped in any way (`kill -9` included) goes on from its last page when run
 * again with the same stores; a page copied again is written again to the same (each item is
 * restored atomically and idempotently). At the end the target is counted and must hold what was
 * copied. Cognito Identity's state follows (identityTransfer.ts): written over what the target
 * holds of it, so it is copied whole on every run, and verified by counts too; the checkpoint is
 * then removed.
 *
 * Progress: a bar on a terminal, plain lines (at most one a second) otherwise. Stop the
 * applications writing to the source first: what is written to it during a migration may or may
 * not be copied.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { Command, Option } from "commander"
import { Effect, Schema } from "effect"
import type { SyncStore } from "@syncalite/core"
import type { IdentityStore } from "@syncalite/identity"
import { ConfigError } from "../config.js"
import type { CommandContext } from "../context.js"
import {
  countIdentityItems,
  describeIdentityCounts,
  describeNotice,
  eachIdentityPage,
  type IdentityCounts,
  type IdentityItem,
  noIdentityCounts,
  openIdentityStore,
  type RestoreNotice,
  restoreIdentityItem
} from "../identityTransfer.js"
import { type Counts, count, countStore, describeCounts, noCounts, openStore, pageSize, runCommand } from "../transfer.js"
import { progressReporter } from "../progress.js"

interface Options {
  readonly from: string
  readonly to: string
  readonly checkpoint: string
  readonly page: number
  readonly progress: "auto" | "bar" | "lines" | "none"
  readonly fromRedisPrefix?: string
  readonly toRedisPrefix?: string
}

const Checkpoint = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  /** where the next page starts; null once every page is copied */
  position: Schema.NullOr(Schema.String),
  copied: Schema.Struct({
    pools: Schema.Number,
    identities: Schema.Number,
    datasets: Schema.Number,
    records: Schema.Number,
    tombstones: Schema.Number,
    devices: Schema.Number,
    subscriptions: Schema.Number
  }),
  pages: Schema.Number
})
type Checkpoint = typeof Checkpoint.Type
const decodeCheckpoint = Schema.decodeUnknownEither(Schema.parseJson(Checkpoint))

/** The checkpoint of an earlier run of the same migration, if any. */
const readCheckpoint = (file: string, options: Options): Checkpoint | undefined => {
  if (!existsSync(file)) return undefined
  const decoded = decodeCheckpoint(readFileSync(file, "utf8"))
  if (decoded._tag === "Left") throw new ConfigError(`${file} is not a checkpoint of syncalite migrate; remove it, or give another --checkpoint`)
  const { from, to } = decoded.right
  if (from !== options.from || to !== options.to) {
    throw new ConfigError(
      `${file} is the checkpoint of a migration from ${from} to ${to}; finish that one, or remove the file, or give another --checkpoint`
    )
  }
  return decoded.right
}

/** Replaces the checkpoint in one step: a process killed while writing leaves the previous one. */
const writeCheckpoint = (file: string, checkpoint: Checkpoint) => {
  writeFileSync(`${file}.next`, JSON.stringify(checkpoint))
  renameSync(`${file}.next`, file)
}

/** Whether a store holds nothing at all. */
const isEmpty = (store: SyncStore.SyncStoreShape): Effect.Effect<boolean, SyncStore.StorageError> => {
  const from = (position: string | undefined): Effect.Effect<boolean, SyncStore.StorageError> =>
    Effect.flatMap(store.scan(position, 1), (page) =>
      page.items.length > 0 ? Effect.succeed(false) : page.next === undefined ? Effect.succeed(true) : from(page.next))
  return from(undefined)
}

const differences = <C extends Counts | IdentityCounts>(copied: C, found: C): string =>
  (Object.keys(copied) as Array<keyof C>).filter((what) => copied[what] !== found[what]).map((what) =>
    `${String(what)}: copied ${copied[what]}, found ${found[what]}`
  ).join("; ")

/**
 * What the target holds of the identity state items as the source has them: each pool, and each
 * identity with all its logins (a pending merge is moved, not kept: counted as found). Other pools
 * the target may hold (a local pool of a server started on it) are not counted.
 */
const foundIn = (target: IdentityStore.IdentityStoreShape, items: ReadonlyArray<IdentityItem>, counts: IdentityCounts) =>
  Effect.reduce(items, counts, (found, item): Effect.Effect<IdentityCounts, SyncStore.StorageError> => {
    switch (item._tag) {
      case "SigningKey":
        return Effect.succeed(found)
      case "PendingMerge":
        return Effect.succeed({ ...found, pendingMerges: found.pendingMerges + 1 })
      case "IdentityPool":
        return Effect.map(target.readPool(item.pool.IdentityPoolId), (pool) => pool === undefined ? found : { ...found, identityPools: found.identityPools + 1 })
      case "CognitoIdentity":
        return Effect.map(target.readIdentity(item.identity.identityId), (identity) =>
          identity === undefined ? found : {
            ...found,
            identities: found.identities + 1,
            logins: found.logins + item.identity.logins.filter((login) => identity.logins.some((held) => held.provider === login.provider && held.subject === login.subject)).length
          })
    }
  })

/**
 * @since 0.1.0
 * @category commands
 */
export const migrateCommand = (context: CommandContext): Command =>
  new Command("migrate")
    .description("copy a store into another, empty one: resumable from a checkpoint, verified by counts at the end")
    .requiredOption("--from <url>", "the store to copy: sqlite:<path> | redis://host:port | redis+cluster://host:port[,host:port…]")
    .requiredOption("--to <url>", "the empty store to copy into, a URL of the same forms")
    .option("--checkpoint <file>", "where the copy records how far it went, to go on from there when run again", "syncalite-migrate.checkpoint.json")
    .option("--page <items>", "items copied at a time", pageSize, 100)
    .addOption(new Option("--progress <how>", "a bar, plain lines, or none; a bar on a terminal").choices(["auto", "bar", "lines", "none"]).default("auto"))
    .option("--from-redis-prefix <prefix>", "the first part of every key of a Redis source (env: SYNCALITE_REDIS_PREFIX)")
    .option("--to-redis-prefix <prefix>", "the first part of every key of a Redis target (env: SYNCALITE_REDIS_PREFIX)")
    .action((options: Options) =>
      runCommand(Effect.gen(function*() {
        const prefix = context.env["SYNCALITE_REDIS_PREFIX"]
        const earlier = readCheckpoint(options.checkpoint, options)
        const fromOptions = { redisPrefix: options.fromRedisPrefix ?? prefix }
        const toOptions = { redisPrefix: options.toRedisPrefix ?? prefix }
        const source = yield* openStore(options.from, fromOptions)
        const target = yield* openStore(options.to, toOptions)
        if (earlier === undefined && !(yield* isEmpty(target))) {
          return yield* Effect.fail(
            new ConfigError(`the target ${options.to} already holds data; migrate copies into an empty store (or give the --checkpoint of the migration to go on with)`)
          )
        }
        let checkpoint: Checkpoint = earlier ?? { from: options.from, to: options.to, position: null, copied: noCounts, pages: 0 }
        const progress = yield* progressReporter(context, options.progress, "migrate", countStore(source, options.page))
        if (earlier !== undefined) context.err(`syncalite migrate: going on from ${options.checkpoint}: ${describeCounts(earlier.copied)} copied`)
        let position = checkpoint.position ?? undefined
        const finished = earlier !== undefined && earlier.position === null
        while (!finished) {
          const page = yield* source.scan(position, options.page)
          yield* target.restore(page.items)
          checkpoint = { ...checkpoint, position: page.next ?? null, copied: count(checkpoint.copied, page.items), pages: checkpoint.pages + 1 }
          writeCheckpoint(options.checkpoint, checkpoint)
          progress.update(checkpoint.copied)
          if (page.next === undefined) break
          position = page.next
        }
        progress.stop(checkpoint.copied)
        const found = yield* countStore(target, options.page)
        const wrong = differences(checkpoint.copied, found)
        if (wrong !== "") {
          return yield* Effect.fail(new ConfigError(`the target does not hold what was copied (${wrong}); the checkpoint ${options.checkpoint} is kept`))
        }
        const [sourceIdentities, targetIdentities] = [yield* openIdentityStore(options.from, fromOptions), yield* openIdentityStore(options.to, toOptions)]
        let identitiesCopied = noIdentityCounts
        const notices = new Set<RestoreNotice>()
        yield* eachIdentityPage(sourceIdentities, options.page, (items) =>
          Effect.forEach(items, (item) =>
            Effect.map(restoreIdentityItem(targetIdentities, target, item), (notice) => {
              if (notice !== undefined) notices.add(notice)
              identitiesCopied = countIdentityItems(identitiesCopied, [item])
            }), { discard: true }))
        let identitiesFound = noIdentityCounts
        yield* eachIdentityPage(sourceIdentities, options.page, (items) =>
          Effect.map(foundIn(targetIdentities, items, identitiesFound), (found) => {
            identitiesFound = found
          }))
        const wrongIdentities = differences(identitiesCopied, identitiesFound)
        if (wrongIdentities !== "") {
          return yield* Effect.fail(new ConfigError(`the target does not hold the identity state copied (${wrongIdentities}); the checkpoint ${options.checkpoint} is kept`))
        }
        rmSync(options.checkpoint, { force: true })
        context.out(`syncalite migrate: copied and verified ${describeCounts(found)}`)
        if (identitiesCopied.identityPools > 0) context.out(`syncalite migrate: copied and verified ${describeIdentityCounts(identitiesCopied)}`)
        for (const notice of notices) context.err(`syncalite migrate: ${describeNotice(notice)}`)
      }))
    )
