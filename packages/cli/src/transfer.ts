/**
 * What export, import and migrate share: a store opened from its URL for a scope, a store's
 * content as JSON Lines (one item a line), and the counts that say two stores hold the same.
 */
import { Cause, Context, Effect, Exit, Layer, Schema, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { ConfigError } from "./config.js"
import { type IdentityItem, IdentityItemSchema } from "./identityTransfer.js"
import { storeLayer, type StoreOptions } from "./store.js"

/**
 * The store a URL names, open for the scope; a URL that names none, or a store that cannot be
 * opened, is a ConfigError saying which.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openStore = (
  url: string,
  options: StoreOptions
): Effect.Effect<SyncStore.SyncStoreShape, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const layer = yield* Effect.tryPromise({
      try: () => storeLayer(url, options),
      catch: (error) => (error instanceof ConfigError ? error : new ConfigError(String(error)))
    })
    const scope = yield* Effect.scope
    const context = yield* Effect.mapError(
      Layer.buildWithScope(layer, scope),
      (error) => new ConfigError(`cannot open the store ${url}: ${messageOf(error)}`)
    )
    return Context.get(context, SyncStore.SyncStore)
  })

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)

/**
 * How much a store holds, counted item by item.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counts {
  readonly pools: number
  readonly identities: number
  readonly datasets: number
  readonly records: number
  readonly tombstones: number
  readonly devices: number
  readonly subscriptions: number
}

/**
 * @since 0.1.0
 * @category constants
 */
export const noCounts: Counts = { pools: 0, identities: 0, datasets: 0, records: 0, tombstones: 0, devices: 0, subscriptions: 0 }

/**
 * The counts with `items` added.
 *
 * @since 0.1.0
 * @category utils
 */
export const count = (counts: Counts, items: ReadonlyArray<SyncStore.StoreItem>): Counts => {
  let { datasets, devices, identities, pools, records, subscriptions, tombstones } = counts
  for (const item of items) {
    if (item._tag === "Pool") {
      pools++
      continue
    }
    identities++
    datasets += item.datasets.length
    devices += item.devices.length
    for (const dataset of item.datasets) {
      for (const record of dataset.records) record.value === null ? tombstones++ : records++
    }
    for (const subscription of item.subscriptions) subscriptions += subscription.deviceIds.length
  }
  return { pools, identities, datasets, records, tombstones, devices, subscriptions }
}

/**
 * Counts as one line: `3 pools, 1000 identities, …`.
 *
 * @since 0.1.0
 * @category utils
 */
export const describeCounts = (counts: Counts): string =>
  `${counts.pools} pools, ${counts.identities} identities, ${counts.datasets} datasets, ${counts.records} records, ` +
  `${counts.tombstones} tombstones, ${counts.devices} devices, ${counts.subscriptions} subscriptions`

/**
 * Every page of a store's scan from `position`, handed to `each` in turn: one page in memory at a
 * time.
 *
 * @since 0.1.0
 * @category utils
 */
export const eachPage = <E, R>(
  store: SyncStore.SyncStoreShape,
  position: string | undefined,
  pageSize: number,
  each: (page: SyncStore.ScanPage) => Effect.Effect<void, E, R>
): Effect.Effect<void, E | SyncStore.StorageError, R> =>
  Effect.flatMap(store.scan(position, pageSize), (page) =>
    Effect.zipRight(
      each(page),
      page.next === undefined ? Effect.void : Effect.suspend(() => eachPage(store, page.next, pageSize, each))
    ))

/**
 * The counts of everything a store holds, read page by page.
 *
 * @since 0.1.0
 * @category utils
 */
export const countStore = (store: SyncStore.SyncStoreShape, pageSize: number): Effect.Effect<Counts, SyncStore.StorageError> =>
  Effect.suspend(() => {
    let counts = noCounts
    return Effect.map(
      eachPage(store, undefined, pageSize, (page) => Effect.sync(() => void (counts = count(counts, page.items)))),
      () => counts
    )
  })

/**
 * A line of an export: an item of the sync store, or of Cognito Identity's state.
 *
 * @since 0.1.0
 * @category models
 */
export type ExportLine = SyncStore.StoreItem | IdentityItem

const decodeLine = Schema.decodeUnknownEither(
  Schema.parseJson(Schema.Union(SyncStore.StoreItemSchema, IdentityItemSchema)),
  { onExcessProperty: "error" }
)

/**
 * Whether a line holds an item of the sync store.
 *
 * @since 0.1.0
 * @category utils
 */
export const isStoreItem = (line: ExportLine): line is SyncStore.StoreItem => line._tag === "Pool" || line._tag === "Identity"

/**
 * One line of an export as its item; a line that is not one is a ConfigError naming it.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseLine = (line: string, number: number, source: string): ExportLine => {
  const decoded = decodeLine(line)
  if (decoded._tag === "Right") return decoded.right
  const reason = decoded.left.message.split("\n").slice(0, 3).join(" ").replace(/\s+/g, " ")
  throw new ConfigError(`${source}, line ${number}, is not an item of a syncalite export: ${reason.slice(0, 300)}`)
}

/**
 * A page size given on the command line.
 *
 * @since 0.1.0
 * @category utils
 */
export const pageSize = (value: string): number => {
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 10_000) throw new ConfigError(`--page ${value}: give a whole number from 1 to 10000`)
  return parsed
}

/**
 * Runs a command's effect: a ConfigError as it is (program.ts prints it as one line), any other
 * failure, a storage fault, as a ConfigError saying what failed.
 *
 * @since 0.1.0
 * @category utils
 */
export const runCommand = async (effect: Effect.Effect<void, unknown, Scope.Scope>): Promise<void> => {
  const exit = await Effect.runPromiseExit(Effect.scoped(effect))
  if (Exit.isSuccess(exit)) return
  const error = Cause.squash(exit.cause)
  throw error instanceof ConfigError ? error : new ConfigError(`the store failed: ${messageOf(error)}`)
}
