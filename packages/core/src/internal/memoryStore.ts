import { Effect, Either } from "effect"
import type {
  DatasetHead,
  DatasetRef,
  DeletionAt,
  Device,
  DeviceRegistration,
  PoolUsage,
  StoredRecord,
  SyncStoreShape
} from "./storeModel.js"
import { emptyPool } from "./storeModel.js"
import { decideCommit, deletedHead, poolUsageOf, refusedDeletion, usageOfHeads } from "./commitRules.js"
import type { IdentityState, PoolEntry } from "./memoryState.js"
import { makeMemoryTransfer } from "./memoryTransfer.js"
import { compareKeys, isMergedName, lowerBound } from "./records.js"

/**
 * The port held in this process's memory. Every method runs as one synchronous step, so each is
 * atomic without locks; values handed out are never mutated afterwards.
 */
export const makeMemoryStore = (): SyncStoreShape => {
  const pools = new Map<string, PoolEntry>()

  const poolEntry = (pool: string): PoolEntry => {
    let entry = pools.get(pool)
    if (entry === undefined) {
      entry = { state: emptyPool, sessions: 0, identities: new Map() }
      pools.set(pool, entry)
    }
    return entry
  }
  const identityOf = (pool: string, identity: string): IdentityState | undefined => pools.get(pool)?.identities.get(identity)
  const identityEntry = (pool: string, identity: string): IdentityState => {
    const identities = poolEntry(pool).identities
    let entry = identities.get(identity)
    if (entry === undefined) {
      entry = { datasets: new Map(), devices: new Map(), subscriptions: new Map() }
      identities.set(identity, entry)
    }
    return entry
  }
  const subscribersOf = (identity: IdentityState | undefined, datasetName: string): Array<Device> =>
    (identity?.subscriptions.get(datasetName) ?? []).flatMap((deviceId): Array<Device> => {
      const device = identity?.devices.get(deviceId)
      return device === undefined ? [] : [{ deviceId, ...device }]
    })
  const otherDatasets = (identity: IdentityState | undefined, datasetName: string): number => {
    let others = 0
    for (const [name, other] of identity?.datasets ?? []) if (other.head.exists && name !== datasetName) others++
    return others
  }
  const existing = (identity: IdentityState | undefined): Array<DatasetHead> =>
    identity === undefined ? [] : [...identity.datasets.values()].filter((d) => d.head.exists).map((d) => d.head)

  const readDataset: SyncStoreShape["readDataset"] = (ref, query) =>
    Effect.sync(() => {
      const identity = identityOf(ref.identityPoolId, ref.identityId)
      const dataset = identity?.datasets.get(ref.datasetName)
      const mergedDatasetNames: Array<string> = []
      for (const [name, other] of identity?.datasets ?? []) {
        if (other.head.exists && isMergedName(ref.datasetName, name)) mergedDatasetNames.push(name)
      }
      mergedDatasetNames.sort(compareKeys)
      const page: Array<StoredRecord> = []
      let more = false
      if (dataset !== undefined) {
        const limit = query.limit ?? Infinity
        const sorted = dataset.sorted
        for (let i = query.after === undefined ? 0 : lowerBound(sorted, query.after, true); i < sorted.length; i++) {
          const record = sorted[i]!
          if (record.syncCount <= query.since) continue
          if (page.length >= limit) {
            more = true
            break
          }
          page.push(record)
        }
      }
      return { head: dataset?.head, records: page, more, mergedDatasetNames }
    })

  const commit: SyncStoreShape["commit"] = (c) =>
    Effect.sync(() => {
      const identity = identityOf(c.ref.identityPoolId, c.ref.identityId)
      const dataset = identity?.datasets.get(c.ref.datasetName)
      // decideCommit reads the count only for a write that creates the dataset: a write to a live
      // one, nearly every write, skips a walk of all the identity's datasets
      const others = dataset?.head.exists === true ? 0 : otherDatasets(identity, c.ref.datasetName)
      const decision = decideCommit(dataset?.head, (key) => dataset?.records.get(key), others, c)
      if (decision._tag !== "Committed") return decision
      const target = identity ?? identityEntry(c.ref.identityPoolId, c.ref.identityId)
      let state = dataset
      if (state === undefined) {
        state = { head: decision.head, records: new Map(), sorted: [] }
        target.datasets.set(c.ref.datasetName, state)
      }
      state.head = decision.head
      for (const record of decision.records) {
        const at = lowerBound(state.sorted, record.key)
        if (state.records.has(record.key)) state.sorted[at] = record
        else state.sorted.splice(at, 0, record)
        state.records.set(record.key, record)
      }
      return c.subscribers === true ? { ...decision, subscribers: subscribersOf(target, c.ref.datasetName) } : decision
    })

  /** a deletion, conditional on the dataset's sync count when `syncCount` is given */
  const remove = (ref: DatasetRef, now: number, syncCount?: number): DeletionAt => {
    const identity = identityOf(ref.identityPoolId, ref.identityId)
    const dataset = identity?.datasets.get(ref.datasetName)
    const refused = refusedDeletion(dataset?.head, syncCount)
    if (refused !== undefined || identity === undefined || dataset === undefined) return refused ?? { _tag: "Absent" }
    identity.datasets.set(ref.datasetName, { head: deletedHead(dataset.head, now), records: new Map(), sorted: [] })
    identity.subscriptions.delete(ref.datasetName)
    return { _tag: "Deleted", head: dataset.head }
  }

  const deleteDataset: SyncStoreShape["deleteDataset"] = (ref, now) =>
    Effect.sync(() => {
      const done = remove(ref, now)
      return done._tag === "Deleted" ? done.head : undefined
    })

  const deleteDatasetAt: SyncStoreShape["deleteDatasetAt"] = (ref, syncCount, now) => Effect.sync(() => remove(ref, now, syncCount))

  const listDatasets: SyncStoreShape["listDatasets"] = (pool, identity) =>
    Effect.sync(() => existing(identityOf(pool, identity)).sort((a, b) => compareKeys(a.name, b.name)))

  const poolDatasets: SyncStoreShape["poolDatasets"] = (pool) =>
    Effect.sync(() =>
      [...(pools.get(pool)?.identities ?? new Map<string, IdentityState>())].flatMap(([identityId, identity]) =>
        existing(identity).map((head) => ({ identityPoolId: pool, identityId, datasetName: head.name }))
      )
    )

  const readPool: SyncStoreShape["readPool"] = (pool) => Effect.sync(() => pools.get(pool)?.state ?? emptyPool)

  const updatePool: SyncStoreShape["updatePool"] = (pool, update) =>
    Effect.suspend(() => {
      const next = update(pools.get(pool)?.state ?? emptyPool)
      if (Either.isLeft(next)) return Effect.fail(next.left)
      poolEntry(pool).state = next.right
      return Effect.succeed(next.right)
    })

  const registerDevice: SyncStoreShape["registerDevice"] = (pool, identityId, device, maxDevices) =>
    Effect.sync((): DeviceRegistration => {
      const identity = identityEntry(pool, identityId)
      for (const [deviceId, known] of identity.devices) {
        if (known.token === device.token && known.platform === device.platform) return { _tag: "Registered", deviceId }
      }
      if (identity.devices.size >= maxDevices) return { _tag: "LimitExceeded", devices: identity.devices.size }
      identity.devices.set(device.deviceId, { platform: device.platform, token: device.token })
      return { _tag: "Registered", deviceId: device.deviceId }
    })

  const subscribe: SyncStoreShape["subscribe"] = (ref, deviceId) =>
    Effect.sync(() => {
      const identity = identityOf(ref.identityPoolId, ref.identityId)
      if (identity === undefined || !identity.devices.has(deviceId)) return false
      const subscribed = identity.subscriptions.get(ref.datasetName) ?? []
      if (!subscribed.includes(deviceId)) identity.subscriptions.set(ref.datasetName, [...subscribed, deviceId])
      return true
    })

  const unsubscribe: SyncStoreShape["unsubscribe"] = (ref, deviceId) =>
    Effect.sync(() => {
      const identity = identityOf(ref.identityPoolId, ref.identityId)
      if (identity === undefined || !identity.devices.has(deviceId)) return "UnknownDevice" as const
      const subscribed = identity.subscriptions.get(ref.datasetName) ?? []
      if (!subscribed.includes(deviceId)) return "NotSubscribed" as const
      const rest = subscribed.filter((id) => id !== deviceId)
      if (rest.length === 0) identity.subscriptions.delete(ref.datasetName)
      else identity.subscriptions.set(ref.datasetName, rest)
      return "Unsubscribed" as const
    })

  const subscribers: SyncStoreShape["subscribers"] = (ref) =>
    Effect.sync(() => subscribersOf(identityOf(ref.identityPoolId, ref.identityId), ref.datasetName))

  const device: SyncStoreShape["device"] = (pool, identityId, deviceId) =>
    Effect.sync(() => {
      const found = identityOf(pool, identityId)?.devices.get(deviceId)
      return found === undefined ? undefined : { deviceId, ...found }
    })

  const countSessions: SyncStoreShape["countSessions"] = (pool, sessions) =>
    Effect.sync(() => void (poolEntry(pool).sessions += sessions))

  const identityUsage: SyncStoreShape["identityUsage"] = (pool, identityId) =>
    Effect.sync(() => {
      const identity = identityOf(pool, identityId)
      return identity === undefined ? undefined : usageOfHeads([...identity.datasets.values()].map((d) => d.head))
    })

  const usageOfPool = (identityPoolId: string, entry: PoolEntry): PoolUsage =>
    poolUsageOf(
      identityPoolId,
      [...entry.identities.values()].map((identity) => usageOfHeads([...identity.datasets.values()].map((d) => d.head))),
      entry.sessions,
      entry.state.lastModifiedDate
    )

  const poolUsage: SyncStoreShape["poolUsage"] = (pool) =>
    Effect.sync(() => {
      const entry = pools.get(pool)
      return entry === undefined ? undefined : usageOfPool(pool, entry)
    })

  const listPoolUsage: SyncStoreShape["listPoolUsage"] = (after, limit) =>
    Effect.sync(() => {
      const ids = [...pools.keys()].sort(compareKeys)
      const start = after === undefined ? 0 : lowerBound(ids, after, true)
      const page = ids.slice(start, start + limit)
      return { pools: page.map((id) => usageOfPool(id, pools.get(id)!)), more: start + limit < ids.length }
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
    ...makeMemoryTransfer(pools, poolEntry, identityEntry)
  }
}
