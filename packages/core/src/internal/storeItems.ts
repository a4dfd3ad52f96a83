import { Effect, Schema } from "effect"
import type { IdentityItem, PoolItem, ScanPage, StoreItem } from "./storeModel.js"
import { PoolStateSchema, StorageError } from "./storeModel.js"
import { DeviceDoc, HeadDoc, StoredRecordDoc } from "./documents.js"
import { compareKeys } from "./records.js"

const Pool = Schema.TaggedStruct("Pool", {
  identityPoolId: Schema.String,
  // lazily: this module is loaded while SyncStore.ts, which defines the schema, is
  configuration: Schema.suspend(() => PoolStateSchema),
  syncSessionsCount: Schema.NonNegativeInt
})

const Identity = Schema.TaggedStruct("Identity", {
  identityPoolId: Schema.String,
  identityId: Schema.String,
  datasets: Schema.Array(Schema.Struct({ head: HeadDoc.omit("records"), records: Schema.Array(StoredRecordDoc) })),
  devices: Schema.Array(Schema.Struct({ deviceId: Schema.String, ...DeviceDoc.fields })),
  subscriptions: Schema.Array(Schema.Struct({ datasetName: Schema.String, deviceIds: Schema.Array(Schema.String) }))
})

export const StoreItemSchema: Schema.Schema<StoreItem> = Schema.Union(Pool, Identity)

/** Where a two-phase scan stands: after a pool, or after an identity of a pool. */
type Position =
  | { readonly pools: string }
  | { readonly identities: readonly [pool: string, identity: string] }

const PositionJson = Schema.parseJson(
  Schema.Union(
    Schema.Struct({ pools: Schema.String }),
    Schema.Struct({ identities: Schema.Tuple(Schema.String, Schema.String) })
  )
)
const decodePosition = Schema.decodeUnknownEither(PositionJson)

/**
 * What a store lists and reads for `scanInPhases`: ids in the store's own order (any order, the
 * same at every call), starting after the one given.
 */
export interface Phases {
  readonly pools: (after: string | undefined, limit: number) => Effect.Effect<ReadonlyArray<string>, StorageError>
  readonly identities: (
    after: readonly [pool: string, identity: string] | undefined,
    limit: number
  ) => Effect.Effect<ReadonlyArray<readonly [pool: string, identity: string]>, StorageError>
  readonly pool: (identityPoolId: string) => Effect.Effect<PoolItem, StorageError>
  readonly identity: (identityPoolId: string, identityId: string) => Effect.Effect<IdentityItem, StorageError>
}

/** A scan over a store that lists its pools and identities in a stable order: pools first, then identities. */
export const scanInPhases = (phases: Phases) => (position: string | undefined, limit: number): Effect.Effect<ScanPage, StorageError> =>
  Effect.gen(function*() {
    let at: Position = { pools: "" }
    let first = true
    if (position !== undefined) {
      const decoded = decodePosition(position)
      if (decoded._tag === "Left") {
        return yield* Effect.fail(new StorageError({ message: `Not a scan position of this store: ${position.slice(0, 80)}` }))
      }
      at = decoded.right
      first = false
    }
    const items: Array<StoreItem> = []
    if ("pools" in at) {
      const ids = yield* phases.pools(first ? undefined : at.pools, limit)
      for (const id of ids) items.push(yield* phases.pool(id))
      if (ids.length === limit) return { items, next: JSON.stringify({ pools: ids[ids.length - 1]! }) }
    }
    const room = limit - items.length
    const pairs = yield* phases.identities("identities" in at ? at.identities : undefined, room)
    for (const [pool, identity] of pairs) items.push(yield* phases.identity(pool, identity))
    const last = pairs[pairs.length - 1]
    return { items, next: pairs.length === room && last !== undefined ? JSON.stringify({ identities: last }) : undefined }
  })

/** The parts of an identity item put in the order the item promises. */
export const identityItem = (
  identityPoolId: string,
  identityId: string,
  parts: Pick<IdentityItem, "datasets" | "devices" | "subscriptions">
): IdentityItem => ({
  _tag: "Identity",
  identityPoolId,
  identityId,
  datasets: [...parts.datasets].sort((a, b) => compareKeys(a.head.name, b.head.name)),
  devices: [...parts.devices].sort((a, b) => compareKeys(a.deviceId, b.deviceId)),
  subscriptions: parts.subscriptions.filter((s) => s.deviceIds.length > 0).map((s) => ({
    datasetName: s.datasetName,
    deviceIds: [...s.deviceIds].sort(compareKeys)
  })).sort((a, b) => compareKeys(a.datasetName, b.datasetName))
})

/** Orders pairs of (pool, identity) as `scanInPhases` pages them in memory. */
export const comparePairs = (a: readonly [string, string], b: readonly [string, string]): number =>
  compareKeys(a[0], b[0]) || compareKeys(a[1], b[1])
