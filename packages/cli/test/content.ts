/**
 * A store filled through the port as applications fill it (commits, tombstones, deleted
 * datasets, pools configured, sessions counted, devices and subscriptions), and what the port
 * answers of it dataset by dataset, to compare two stores.
 */
import { randomUUID } from "node:crypto"
import { Effect, Either } from "effect"
import type { SyncStore } from "@syncalite/core"

export interface Content {
  readonly pools: ReadonlyArray<string>
  readonly identities: ReadonlyArray<readonly [pool: string, identity: string]>
  readonly datasets: ReadonlyArray<SyncStore.DatasetRef>
}

const limits = { datasetsPerIdentity: 64, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }

/** `identities` identities over two pools, each with `perIdentity` datasets: one in ten deleted, the others with a tombstone. */
export const fill = (store: SyncStore.SyncStoreShape, identities: number, perIdentity: number) =>
  Effect.gen(function*() {
    const pools = [`us-east-1:${randomUUID()}`, `eu-west-1:${randomUUID()}`]
    for (const [i, pool] of pools.entries()) {
      yield* store.updatePool(pool, (state) =>
        Either.right({ ...state, events: { SyncTrigger: `arn:aws:lambda:us-east-1:123456789012:function:f${i}` }, lastModifiedDate: 1_700_000_000_000 + i }))
      for (let n = 0; n <= i; n++) yield* store.countSessions(pool, 1)
    }
    const pairs = Array.from({ length: identities }, (_, i) => [pools[i % 2]!, `us-east-1:${randomUUID()}`] as const)
    const datasets: Array<SyncStore.DatasetRef> = []
    let now = 1_700_000_000_000
    yield* Effect.forEach(pairs, ([identityPoolId, identityId], i) =>
      Effect.gen(function*() {
        for (let d = 0; d < perIdentity; d++) {
          const ref = { identityPoolId, identityId, datasetName: `dataset-${d}` }
          datasets.push(ref)
          const commit = (writes: SyncStore.DatasetCommit["writes"], conditions: SyncStore.DatasetCommit["conditions"]) =>
            store.commit({
              ref,
              session: { id: randomUUID(), expiresAt: (now += 1) + 3_600_000 },
              conditions,
              writes,
              modifiedBy: `device-of-${i}`,
              now,
              limits
            })
          yield* commit(
            [{ key: "name", value: `value ${i}/${d}` }, { key: "gone", value: "soon" }, { key: "\u00e9t\u00e9", value: "\u{1F600}", deviceLastModifiedDate: now - 5 }],
            [{ key: "name", syncCount: 0 }, { key: "gone", syncCount: 0 }, { key: "\u00e9t\u00e9", syncCount: 0 }]
          )
          if (d % 10 === 9) yield* store.deleteDataset(ref, (now += 1))
          else yield* commit([{ key: "gone", value: null }, { key: "more", value: "x".repeat(d) }], [{ key: "gone", syncCount: 1 }, { key: "more", syncCount: 0 }])
        }
        if (i % 3 === 0) {
          yield* store.registerDevice(identityPoolId, identityId, { deviceId: `device-${i}`, platform: "GCM", token: `token-${i}` }, 20)
          yield* store.subscribe({ identityPoolId, identityId, datasetName: "dataset-0" }, `device-${i}`)
        }
      }), { concurrency: 16, discard: true })
    return { pools, identities: pairs, datasets } satisfies Content
  })

/** A dataset as the port answers it: head (consumed sessions included) and every record. */
export const datasetOf = (store: SyncStore.SyncStoreShape, ref: SyncStore.DatasetRef) =>
  Effect.map(store.readDataset(ref, { since: 0 }), ({ head, records }) => ({
    head: head === undefined ? undefined : { ...head, consumedSessions: head.consumedSessions },
    records
  }))

/** What the port answers of pools and identities: configuration, session count, usage, datasets listed, subscribers. */
export const rest = (store: SyncStore.SyncStoreShape, content: Content) =>
  Effect.all([
    Effect.forEach(content.pools, (pool) =>
      Effect.all([store.readPool(pool), Effect.map(store.poolUsage(pool), (usage) => usage?.syncSessionsCount)])),
    Effect.forEach(content.identities, ([pool, identity]) =>
      Effect.all([
        store.identityUsage(pool, identity),
        Effect.map(store.listDatasets(pool, identity), (heads) => heads.map((head) => head.name)),
        store.subscribers({ identityPoolId: pool, identityId: identity, datasetName: "dataset-0" })
      ]), { concurrency: 16 })
  ])
