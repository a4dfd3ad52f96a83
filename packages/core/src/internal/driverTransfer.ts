import { Effect } from "effect"
import type { DatasetRef, IdentityItem, PoolItem, PoolState, StorageError, SyncStoreDriver, SyncStoreShape } from "./storeModel.js"
import { emptyPool } from "./storeModel.js"
import {
  type CounterDoc,
  type HeadDoc,
  IDENTITY_SHARDS,
  type IdentityDoc,
  type IndexDoc,
  optimistic,
  type Read,
  type RecordsDoc,
  SESSION_SHARDS
} from "./documents.js"
import { compareKeys, own, setOwn } from "./records.js"
import { identityItem, scanInPhases } from "./storeItems.js"

interface Docs<A> {
  readonly one: (key: string) => Effect.Effect<Read<A> | undefined, StorageError>
  readonly many: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Read<A> | undefined>, StorageError>
}

/** What the driver store lends its scan and restore: its keys, typed reads and indexes. */
export interface DriverParts {
  readonly driver: SyncStoreDriver
  readonly key: {
    readonly identity: (pool: string, identity: string) => string
    readonly records: (ref: DatasetRef, version: string) => string
    readonly pool: (pool: string) => string
    readonly pools: string
    readonly poolIdentities: (pool: string, shard: number) => string
    readonly sessions: (pool: string, shard: number) => string
  }
  readonly identities: Docs<IdentityDoc>
  readonly recordDocs: Docs<RecordsDoc>
  readonly pools: Docs<PoolState>
  readonly indexes: Docs<IndexDoc>
  readonly counters: Docs<CounterDoc>
  readonly addToIndex: (indexKey: string, id: string) => Effect.Effect<boolean, StorageError>
  readonly registerIdentity: (pool: string, identity: string) => Effect.Effect<unknown, StorageError>
}

const after = (ids: ReadonlyArray<string>, id: string | undefined): ReadonlyArray<string> =>
  id === undefined ? ids : ids.filter((other) => compareKeys(other, id) > 0)

/** Overwrites one key whatever its version, retrying a lost compare-and-set. */
const overwrite = (parts: DriverParts, key: string, value: unknown) =>
  optimistic(
    key,
    Effect.flatMap(parts.driver.get(key), (read) =>
      Effect.map(parts.driver.compareAndSet(key, read?.version, value), (done) => done || undefined))
  )

/** Scan and restore over a driver: an identity is one document naming its datasets' record documents. */
export const makeDriverTransfer = (parts: DriverParts): Pick<SyncStoreShape, "scan" | "restore"> => {
  const { driver, key } = parts
  const knownPools = Effect.map(parts.indexes.one(key.pools), (index) => index?.value.ids ?? [])

  const identitiesOf = (pool: string) =>
    Effect.map(
      parts.indexes.many(Array.from({ length: IDENTITY_SHARDS }, (_, shard) => key.poolIdentities(pool, shard))),
      (shards) => shards.flatMap((shard) => shard?.value.ids ?? []).sort(compareKeys)
    )

  const identities = (from: readonly [string, string] | undefined, limit: number) =>
    Effect.gen(function*() {
      const pairs: Array<readonly [string, string]> = []
      const pools = from === undefined ? yield* knownPools : [from[0], ...after(yield* knownPools, from[0])]
      for (const pool of pools) {
        if (pairs.length >= limit) break
        const ids = yield* identitiesOf(pool)
        for (const id of after(ids, pool === from?.[0] ? from[1] : undefined)) {
          if (pairs.length >= limit) break
          pairs.push([pool, id])
        }
      }
      return pairs
    })

  const pool = (identityPoolId: string): Effect.Effect<PoolItem, StorageError> =>
    Effect.map(
      Effect.all([
        parts.pools.one(key.pool(identityPoolId)),
        parts.counters.many(Array.from({ length: SESSION_SHARDS }, (_, shard) => key.sessions(identityPoolId, shard)))
      ]),
      ([config, sessions]) => ({
        _tag: "Pool",
        identityPoolId,
        configuration: config?.value ?? emptyPool,
        syncSessionsCount: sessions.reduce((sum, shard) => sum + (shard?.value.count ?? 0), 0)
      })
    )

  /** The identity's document and the records of each of its datasets, read again if a writer replaced one in between. */
  const identity = (identityPoolId: string, identityId: string): Effect.Effect<IdentityItem, StorageError> =>
    optimistic(
      `identity ${identityId}`,
      Effect.gen(function*() {
        const doc = (yield* parts.identities.one(key.identity(identityPoolId, identityId)))?.value
        const heads = Object.values(doc?.datasets ?? {})
        const versions = heads.flatMap((head) => (head.records === null ? [] : [head.records]))
        const read = yield* parts.recordDocs.many(versions)
        if (read.some((records) => records === undefined)) return undefined
        const byVersion = new Map(versions.map((version, i) => [version, read[i]!.value.records]))
        return identityItem(identityPoolId, identityId, {
          datasets: heads.map(({ records, ...head }) => ({ head, records: records === null ? [] : byVersion.get(records)! })),
          devices: Object.entries(doc?.devices ?? {}).map(([deviceId, device]) => ({ deviceId, ...device })),
          subscriptions: Object.entries(doc?.subscriptions ?? {}).map(([datasetName, deviceIds]) => ({ datasetName, deviceIds }))
        })
      })
    )

  const restorePool = (item: PoolItem) =>
    Effect.gen(function*() {
      yield* parts.addToIndex(key.pools, item.identityPoolId)
      yield* overwrite(parts, key.pool(item.identityPoolId), item.configuration)
      // the whole count in the first counter, none in the others: what a second restore writes again
      yield* overwrite(parts, key.sessions(item.identityPoolId, 0), { count: item.syncSessionsCount })
      for (let shard = 1; shard < SESSION_SHARDS; shard++) yield* driver.delete(key.sessions(item.identityPoolId, shard))
    })

  const restoreIdentity = (item: IdentityItem) => {
    const identityKey = key.identity(item.identityPoolId, item.identityId)
    return optimistic(
      identityKey,
      Effect.gen(function*() {
        const read = yield* parts.identities.one(identityKey)
        const doc = read?.value ?? { datasets: {}, devices: {}, subscriptions: {} }
        const datasets: { [name: string]: HeadDoc } = { ...doc.datasets }
        const replaced: Array<string> = []
        for (const { head, records } of item.datasets) {
          const ref = { identityPoolId: item.identityPoolId, identityId: item.identityId, datasetName: head.name }
          // named by the sync count: restoring the same dataset again writes the same document
          const version = head.exists ? key.records(ref, `${head.syncCount}.restored`) : null
          if (version !== null) {
            yield* overwrite(parts, version, { records: [...records].sort((a, b) => compareKeys(a.key, b.key)) })
          }
          const before = own(datasets, head.name)?.records ?? null
          if (before !== null && before !== version) replaced.push(before)
          setOwn(datasets, head.name, { ...head, records: version })
        }
        const devices = { ...doc.devices }
        for (const { deviceId, platform, token } of item.devices) setOwn(devices, deviceId, { platform, token })
        const subscriptions = { ...doc.subscriptions }
        for (const { datasetName, deviceIds } of item.subscriptions) setOwn(subscriptions, datasetName, deviceIds)
        if (read === undefined) yield* parts.registerIdentity(item.identityPoolId, item.identityId)
        const done = yield* driver.compareAndSet(identityKey, read?.version, { datasets, devices, subscriptions })
        if (!done) return undefined
        for (const version of replaced) yield* Effect.ignore(driver.delete(version))
        return true
      })
    )
  }

  return {
    scan: scanInPhases({
      pools: (from, limit) => Effect.map(knownPools, (ids) => after(ids, from).slice(0, limit)),
      identities,
      pool,
      identity
    }),
    restore: (items) =>
      Effect.forEach(items, (item) => (item._tag === "Pool" ? restorePool(item) : restoreIdentity(item)), { discard: true })
  }
}
