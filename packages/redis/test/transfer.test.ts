/**
 * Scan and restore on Redis where its keys are tricky: ids holding the characters its hash tags
 * escape, datasets whose names end like the keys scan looks for, a prefix holding glob
 * characters, and keys of other prefixes in the same Redis.
 */
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { Services } from "@syncalite/testing"
import { cleanUp, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")

const head = (name: string): SyncStore.DatasetHead => ({
  name,
  exists: true,
  syncCount: 3,
  lastDeletionCount: 1,
  creationDate: 1000,
  lastModifiedDate: 2000,
  lastModifiedBy: "tab\there, newline\nthere",
  numRecords: 1,
  dataStorage: 2,
  entries: 2,
  entryBytes: 3,
  consumedSessions: { floor: 500, sessions: [{ id: "s\t1", expiresAt: 9000 }, { id: "s2", expiresAt: 8000 }] }
})

const item: SyncStore.IdentityItem = {
  _tag: "Identity",
  identityPoolId: "pool{with}|tags%#",
  identityId: "id|{x}%7C#",
  datasets: [
    {
      head: head("a:heads"),
      records: [
        { key: "k", value: "v", syncCount: 3, lastModifiedDate: 2000, lastModifiedBy: "x", deviceLastModifiedDate: 1999 },
        { key: "t", value: null, syncCount: 2, lastModifiedDate: 1500, lastModifiedBy: "y" }
      ]
    },
    { head: { ...head("merged.us-east-1:0000"), exists: false, numRecords: 0, dataStorage: 0, entries: 0, entryBytes: 0 }, records: [] }
  ],
  devices: [{ deviceId: "d", platform: "APNS", token: "tok" }],
  subscriptions: [{ datasetName: "a:heads", deviceIds: ["d"] }]
}

describe.skipIf(!redis.available)("scan and restore on Redis", () => {
  const prefixes = [testPrefix("scan*[glob]?"), testPrefix("other")]
  afterAll(async () => {
    for (const prefix of prefixes) await cleanUp(redis.url, prefix.replace(/[*?[\]]/g, "\\$&"))
  })

  it("finds what it restored, under its own prefix only, whatever the ids and names hold", async () => {
    const [mine, other] = prefixes as [string, string]
    const everything = (prefix: string) =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* RedisSyncStore.make({ redis: redis.url, prefix })
        const items: Array<SyncStore.StoreItem> = []
        let position: string | undefined
        do {
          const page = yield* store.scan(position, 1)
          items.push(...page.items)
          position = page.next
        } while (position !== undefined)
        return { store, items }
      }))
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const store = yield* RedisSyncStore.make({ redis: redis.url, prefix: mine })
      yield* store.restore([item])
      const neighbour = yield* RedisSyncStore.make({ redis: redis.url, prefix: other })
      yield* neighbour.restore([{ ...item, identityId: "someone else" }])
      const view = yield* store.readDataset({ identityPoolId: item.identityPoolId, identityId: item.identityId, datasetName: "a:heads" }, { since: 0 })
      expect(view.records).toEqual(item.datasets[0]!.records)
      expect(view.head?.consumedSessions).toEqual({ floor: 500, sessions: [{ id: "s2", expiresAt: 8000 }, { id: "s\t1", expiresAt: 9000 }] })
    })))
    const { items } = await Effect.runPromise(everything(mine))
    expect(items).toEqual([
      { _tag: "Pool", identityPoolId: item.identityPoolId, configuration: SyncStore.emptyPool, syncSessionsCount: 0 },
      {
        ...item,
        datasets: item.datasets.map((dataset) => ({
          ...dataset,
          head: { ...dataset.head, consumedSessions: { floor: 500, sessions: [{ id: "s2", expiresAt: 8000 }, { id: "s\t1", expiresAt: 9000 }] } }
        }))
      }
    ])
  })
})
