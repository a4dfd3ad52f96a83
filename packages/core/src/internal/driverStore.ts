import { Effect, Random } from "effect"
import type {
  DatasetCommit,
  DatasetHead,
  DatasetRef,
  Device,
  DeviceRegistration,
  PoolState,
  StoredRecord,
  SyncStoreDriver,
  SyncStoreShape,
  Usage
} from "./storeModel.js"
import { emptyPool, PoolStateSchema } from "./storeModel.js"
import {
  CounterDoc,
  type HeadDoc,
  IDENTITY_SHARDS,
  IdentityDoc,
  IndexDoc,
  optimistic,
  type Read,
  reader,
  RecordsDoc,
  SESSION_SHARDS
} from "./documents.js"
import { decideCommit, deletedHead, poolUsageOf, refusedDeletion, usageOfHeads } from "./commitRules.js"
import { makeDriverTransfer } from "./driverTransfer.js"
import { compareKeys, isMergedName, lookupIn, lowerBound, own } from "./records.js"

const emptyIdentity: IdentityDoc = { datasets: {}, devices: {}, subscriptions: {} }

const shardOf = (id: string, shards: number): number => {
  let hash = 0
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0
  return Math.abs(hash) % shards
}

const publicHead = ({ records: _records, ...head }: HeadDoc): DatasetHead => head

export const makeDriverStore = (driver: SyncStoreDriver): SyncStoreShape => {
  const docs = reader(driver)
  const identities = docs(IdentityDoc)
  const recordDocs = docs(RecordsDoc)
  const pools = docs(PoolStateSchema)
  const indexes = docs(IndexDoc)
  const counters = docs(CounterDoc)

  const key = {
    identity: (pool: string, identity: string) => `i/${pool}/${identity}`,
    records: (ref: DatasetRef, version: string) => `r/${ref.identityPoolId}/${ref.identityId}/${ref.datasetName}/${version}`,
    pool: (pool: string) => `p/${pool}`,
    pools: "x/pools",
    poolIdentities: (pool: string, shard: number) => `x/${pool}/${shard}`,
    sessions: (pool: string, shard: number) => `c/${pool}/${shard}`
  }

  const addToIndex = (indexKey: string, id: string) =>
    optimistic(
      indexKey,
      Effect.flatMap(indexes.one(indexKey), (index) => {
        const ids = index?.value.ids ?? []
        const at = lowerBound(ids, id)
        if (ids[at] === id) return Effect.succeed(true)
        const next = [...ids.slice(0, at), id, ...ids.slice(at)]
        return Effect.map(driver.compareAndSet(indexKey, index?.version, { ids: next }), (done) => done || undefined)
      })
    )

  const registerIdentity = (pool: string, identity: string) =>
    Effect.zipRight(
      addToIndex(key.pools, pool),
      addToIndex(key.poolIdentities(pool, shardOf(identity, IDENTITY_SHARDS)), identity)
    )

  /** Read-modify-write of an identity document; `change` answers [result, next document or undefined to leave it]. */
  const modifyIdentity = <A>(
    pool: string,
    identity: string,
    change: (doc: IdentityDoc) => readonly [A, IdentityDoc | undefined]
  ) =>
    optimistic(
      key.identity(pool, identity),
      Effect.gen(function*() {
        const read = yield* identities.one(key.identity(pool, identity))
        const [result, next] = change(read?.value ?? emptyIdentity)
        if (next === undefined) return { result }
        if (read === undefined) yield* registerIdentity(pool, identity)
        const done = yield* driver.compareAndSet(key.identity(pool, identity), read?.version, next)
        return done ? { result } : undefined
      })
    ).pipe(Effect.map(({ result }) => result))

  /** The identity document with the records of one dataset, consistent with each other. */
  const readWithRecords = (ref: DatasetRef) =>
    optimistic(
      `dataset ${ref.datasetName}`,
      Effect.gen(function*() {
        const read = yield* identities.one(key.identity(ref.identityPoolId, ref.identityId))
        const head = own(read?.value.datasets, ref.datasetName)
        if (head === undefined || head.records === null) {
          return { read, head, records: [] as ReadonlyArray<StoredRecord> }
        }
        const records = yield* recordDocs.one(head.records)
        // a writer replaced this version between our two reads: read again
        if (records === undefined) return undefined
        return { read, head, records: records.value.records }
      })
    )

  const mergedNames = (doc: IdentityDoc | undefined, datasetName: string): ReadonlyArray<string> =>
    doc === undefined
      ? []
      : Object.values(doc.datasets).filter((head) => head.exists && isMergedName(datasetName, head.name)).map((head) =>
        head.name
      ).sort(compareKeys)

  const readDataset: SyncStoreShape["readDataset"] = (ref, query) =>
    Effect.map(readWithRecords(ref), ({ head, read, records }) => {
      const page: Array<StoredRecord> = []
      let more = false
      const limit = query.limit ?? Infinity
      for (let i = query.after === undefined ? 0 : lowerBound(records, query.after, true); i < records.length; i++) {
        const record = records[i]!
        if (record.syncCount <= query.since) continue
        if (page.length >= limit) {
          more = true
          break
        }
        page.push(record)
      }
      return {
        head: head === undefined ? undefined : publicHead(head),
        records: page,
        more,
        mergedDatasetNames: mergedNames(read?.value, ref.datasetName)
      }
    })

  /** the devices subscribed to a dataset in an identity's document, unregistered ones left out */
  const subscribersOf = (doc: IdentityDoc | undefined, datasetName: string): Array<Device> =>
    doc === undefined
      ? []
      : (own(doc.subscriptions, datasetName) ?? []).flatMap((deviceId) => {
        const device = own(doc.devices, deviceId)
        return device === undefined ? [] : [{ deviceId, ...device }]
      })

  const commitOnce = (c: DatasetCommit) =>
    Effect.gen(function*() {
      const { head, read, records } = yield* readWithRecords(c.ref)
      const doc = read?.value ?? emptyIdentity
      const decision = decideCommit(
        head,
        lookupIn(records),
        Object.values(doc.datasets).filter((other) => other.exists && other.name !== c.ref.datasetName).length,
        c
      )
      if (decision._tag !== "Committed") return decision
      const next = records.slice()
      for (const record of decision.records) {
        const at = lowerBound(next, record.key)
        if (next[at]?.key === record.key) next[at] = record
        else next.splice(at, 0, record)
      }
      // unique: a session commits at most once, and a dataset's sync counts never repeat
      const version = key.records(c.ref, `${decision.head.syncCount}.${c.session.id}`)
      const nextHead: HeadDoc = { ...decision.head, records: version }
      if (!(yield* driver.compareAndSet(version, undefined, { records: next }))) return undefined
      if (read === undefined) yield* registerIdentity(c.ref.identityPoolId, c.ref.identityId)
      const committed = yield* driver.compareAndSet(
        key.identity(c.ref.identityPoolId, c.ref.identityId),
        read?.version,
        { ...doc, datasets: { ...doc.datasets, [c.ref.datasetName]: nextHead } }
      )
      if (!committed) {
        yield* Effect.ignore(driver.delete(version))
        return undefined
      }
      if (head?.records) yield* Effect.ignore(driver.delete(head.records))
      return c.subscribers === true ? { ...decision, subscribers: subscribersOf(doc, c.ref.datasetName) } : decision
    })

  const commit: SyncStoreShape["commit"] = (c) => optimistic(`dataset ${c.ref.datasetName}`, commitOnce(c))

  /** a deletion, conditional on the dataset's sync count when `syncCount` is given */
  const remove = (ref: DatasetRef, now: number, syncCount?: number) =>
    optimistic(
      `dataset ${ref.datasetName}`,
      Effect.gen(function*() {
        const identityKey = key.identity(ref.identityPoolId, ref.identityId)
        const read = yield* identities.one(identityKey)
        const head = own(read?.value.datasets, ref.datasetName)
        const refused = refusedDeletion(head && publicHead(head), syncCount)
        if (refused !== undefined || read === undefined || head === undefined) return refused ?? { _tag: "Absent" as const }
        const tombstone: HeadDoc = { ...deletedHead(publicHead(head), now), records: null }
        const { [ref.datasetName]: _subscribed, ...subscriptions } = read.value.subscriptions
        const done = yield* driver.compareAndSet(identityKey, read.version, {
          ...read.value,
          datasets: { ...read.value.datasets, [ref.datasetName]: tombstone },
          subscriptions
        })
        if (!done) return undefined
        if (head.records !== null) yield* Effect.ignore(driver.delete(head.records))
        return { _tag: "Deleted" as const, head: publicHead(head) }
      })
    )

  const deleteDataset: SyncStoreShape["deleteDataset"] = (ref, now) =>
    Effect.map(remove(ref, now), (done) => done._tag === "Deleted" ? done.head : undefined)

  const deleteDatasetAt: SyncStoreShape["deleteDatasetAt"] = (ref, syncCount, now) => remove(ref, now, syncCount)

  const listDatasets: SyncStoreShape["listDatasets"] = (pool, identity) =>
    Effect.map(identities.one(key.identity(pool, identity)), (read) =>
      read === undefined
        ? []
        : Object.values(read.value.datasets).filter((head) => head.exists).map(publicHead).sort((a, b) =>
          compareKeys(a.name, b.name)
        ))

  const poolIdentityDocs = (pool: string) =>
    Effect.gen(function*() {
      const shards = yield* indexes.many(
        Array.from({ length: IDENTITY_SHARDS }, (_, shard) => key.poolIdentities(pool, shard))
      )
      const ids = shards.flatMap((shard) => shard?.value.ids ?? [])
      const read = yield* identities.many(ids.map((identity) => key.identity(pool, identity)))
      return ids.flatMap((identityId, i) => {
        const doc = read[i]
        return doc === undefined ? [] : [{ identityId, doc: doc.value }]
      })
    })

  const poolDatasets: SyncStoreShape["poolDatasets"] = (pool) =>
    Effect.map(poolIdentityDocs(pool), (docs) =>
      docs.flatMap(({ doc, identityId }) =>
        Object.values(doc.datasets).filter((head) => head.exists).map((head) => ({
          identityPoolId: pool,
          identityId,
          datasetName: head.name
        }))
      ))

  const readPool: SyncStoreShape["readPool"] = (pool) =>
    Effect.map(pools.one(key.pool(pool)), (read) => read?.value ?? emptyPool)

  const updatePool: SyncStoreShape["updatePool"] = (pool, update) =>
    optimistic(
      `pool ${pool}`,
      Effect.gen(function*() {
        const read: Read<PoolState> | undefined = yield* pools.one(key.pool(pool))
        const next = update(read?.value ?? emptyPool)
        if (next._tag === "Left") return yield* Effect.fail(next.left)
        if (read === undefined) yield* addToIndex(key.pools, pool)
        const done = yield* driver.compareAndSet(key.pool(pool), read?.version, next.right)
        return done ? next.right : undefined
      })
    )

  const registerDevice: SyncStoreShape["registerDevice"] = (pool, identity, device, maxDevices) =>
    modifyIdentity(pool, identity, (doc): readonly [DeviceRegistration, IdentityDoc | undefined] => {
      const known = Object.entries(doc.devices)
      const same = known.find(([, other]) => other.token === device.token && other.platform === device.platform)
      if (same !== undefined) return [{ _tag: "Registered", deviceId: same[0] }, undefined]
      if (known.length >= maxDevices) return [{ _tag: "LimitExceeded", devices: known.length }, undefined]
      return [{ _tag: "Registered", deviceId: device.deviceId }, {
        ...doc,
        devices: { ...doc.devices, [device.deviceId]: { platform: device.platform, token: device.token } }
      }]
    })

  const subscribe: SyncStoreShape["subscribe"] = (ref, deviceId) =>
    modifyIdentity(ref.identityPoolId, ref.identityId, (doc) => {
      if (own(doc.devices, deviceId) === undefined) return [false, undefined]
      const subscribed = own(doc.subscriptions, ref.datasetName) ?? []
      if (subscribed.includes(deviceId)) return [true, undefined]
      return [true, { ...doc, subscriptions: { ...doc.subscriptions, [ref.datasetName]: [...subscribed, deviceId] } }]
    })

  const unsubscribe: SyncStoreShape["unsubscribe"] = (ref, deviceId) =>
    modifyIdentity(ref.identityPoolId, ref.identityId, (doc) => {
      if (own(doc.devices, deviceId) === undefined) return ["UnknownDevice" as const, undefined]
      const subscribed = own(doc.subscriptions, ref.datasetName) ?? []
      if (!subscribed.includes(deviceId)) return ["NotSubscribed" as const, undefined]
      const rest = subscribed.filter((id) => id !== deviceId)
      const { [ref.datasetName]: _removed, ...others } = doc.subscriptions
      return ["Unsubscribed" as const, {
        ...doc,
        subscriptions: rest.length === 0 ? others : { ...others, [ref.datasetName]: rest }
      }]
    })

  const subscribers: SyncStoreShape["subscribers"] = (ref) =>
    Effect.map(identities.one(key.identity(ref.identityPoolId, ref.identityId)), (read) =>
      subscribersOf(read?.value, ref.datasetName))

  const device: SyncStoreShape["device"] = (pool, identity, deviceId) =>
    Effect.map(identities.one(key.identity(pool, identity)), (read) => {
      const found = read === undefined ? undefined : own(read.value.devices, deviceId)
      return found === undefined ? undefined : { deviceId, ...found }
    })

  const countSessions: SyncStoreShape["countSessions"] = (pool, sessions) =>
    optimistic(
      `session count of ${pool}`,
      // a shard drawn afresh for every attempt: a writer that lost a shard to another tries elsewhere
      Effect.flatMap(Random.nextIntBetween(0, SESSION_SHARDS), (shard) =>
        Effect.flatMap(counters.one(key.sessions(pool, shard)), (counter) => {
          const counted = Effect.map(
            driver.compareAndSet(key.sessions(pool, shard), counter?.version, { count: (counter?.value.count ?? 0) + sessions }),
            (done) => done || undefined
          )
          // a new shard is rare (a few per pool): the moment to make sure the pool is listed
          return counter === undefined ? Effect.zipRight(addToIndex(key.pools, pool), counted) : counted
        }))
    )

  const usageOf = (doc: IdentityDoc): Usage => usageOfHeads(Object.values(doc.datasets))

  const identityUsage: SyncStoreShape["identityUsage"] = (pool, identity) =>
    Effect.map(identities.one(key.identity(pool, identity)), (read) =>
      read === undefined ? undefined : usageOf(read.value))

  const usageOfKnownPool = (pool: string) =>
    Effect.gen(function*() {
      const [docs, sessions, config] = yield* Effect.all([
        poolIdentityDocs(pool),
        counters.many(Array.from({ length: SESSION_SHARDS }, (_, shard) => key.sessions(pool, shard))),
        pools.one(key.pool(pool))
      ])
      return poolUsageOf(
        pool,
        docs.map(({ doc }) => usageOf(doc)),
        sessions.reduce((sum, shard) => sum + (shard?.value.count ?? 0), 0),
        config?.value.lastModifiedDate
      )
    })

  const knownPools = Effect.map(indexes.one(key.pools), (index) => index?.value.ids ?? [])

  const poolUsage: SyncStoreShape["poolUsage"] = (pool) =>
    Effect.flatMap(knownPools, (known) =>
      known[lowerBound(known, pool)] === pool ? usageOfKnownPool(pool) : Effect.succeed(undefined))

  const listPoolUsage: SyncStoreShape["listPoolUsage"] = (after, limit) =>
    Effect.flatMap(knownPools, (known) => {
      const start = after === undefined ? 0 : lowerBound(known, after, true)
      const page = known.slice(start, start + limit)
      return Effect.map(
        Effect.forEach(page, usageOfKnownPool),
        (usages) => ({ pools: usages, more: start + limit < known.length })
      )
    })

  return {
    readDataset,
    listDatasets,
    commit,
    deleteDataset,
    deleteDatasetAt,
    poolDatasets,
    readPool,
    updatePool,
    registerDevice,
    subscribe,
    unsubscribe,
    subscribers,
    device,
    countSessions,
    identityUsage,
    poolUsage,
    listPoolUsage,
    ...makeDriverTransfer({ driver, key, identities, recordDocs, pools, indexes, counters, addToIndex, registerIdentity })
  }
}
