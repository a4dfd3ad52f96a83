import { Effect } from "effect"
import type { SyncStoreShape } from "./storeModel.js"
import type { IdentityState, PoolEntry } from "./memoryState.js"
import { compareKeys } from "./records.js"
import { comparePairs, identityItem, scanInPhases } from "./storeItems.js"

/** Scan and restore of the store in memory, each step synchronous and so atomic. */
export const makeMemoryTransfer = (
  pools: Map<string, PoolEntry>,
  poolEntry: (pool: string) => PoolEntry,
  identityEntry: (pool: string, identity: string) => IdentityState
): Pick<SyncStoreShape, "scan" | "restore"> => {
  const scan = scanInPhases({
    pools: (after, limit) =>
      Effect.sync(() =>
        [...pools.keys()].filter((id) => after === undefined || compareKeys(id, after) > 0).sort(compareKeys).slice(0, limit)
      ),
    identities: (after, limit) =>
      Effect.sync(() => {
        const pairs: Array<readonly [string, string]> = []
        for (const [pool, entry] of pools) {
          for (const identity of entry.identities.keys()) {
            const pair = [pool, identity] as const
            if (after === undefined || comparePairs(pair, after) > 0) pairs.push(pair)
          }
        }
        return pairs.sort(comparePairs).slice(0, limit)
      }),
    pool: (identityPoolId) =>
      Effect.sync(() => {
        const entry = poolEntry(identityPoolId)
        return { _tag: "Pool", identityPoolId, configuration: entry.state, syncSessionsCount: entry.sessions }
      }),
    identity: (identityPoolId, identityId) =>
      Effect.sync(() => {
        const identity = identityEntry(identityPoolId, identityId)
        return identityItem(identityPoolId, identityId, {
          datasets: [...identity.datasets.values()].map((dataset) => ({ head: dataset.head, records: dataset.sorted.slice() })),
          devices: [...identity.devices].map(([deviceId, device]) => ({ deviceId, ...device })),
          subscriptions: [...identity.subscriptions].map(([datasetName, deviceIds]) => ({ datasetName, deviceIds }))
        })
      })
  })

  const restore: SyncStoreShape["restore"] = (items) =>
    Effect.sync(() => {
      for (const item of items) {
        if (item._tag === "Pool") {
          const entry = poolEntry(item.identityPoolId)
          entry.state = item.configuration
          entry.sessions = item.syncSessionsCount
          continue
        }
        const identity = identityEntry(item.identityPoolId, item.identityId)
        for (const { head, records } of item.datasets) {
          const sorted = [...records].sort((a, b) => compareKeys(a.key, b.key))
          identity.datasets.set(head.name, { head, records: new Map(sorted.map((record) => [record.key, record])), sorted })
        }
        for (const { deviceId, platform, token } of item.devices) identity.devices.set(deviceId, { platform, token })
        for (const { datasetName, deviceIds } of item.subscriptions) identity.subscriptions.set(datasetName, [...deviceIds])
      }
    })

  return { scan, restore }
}
