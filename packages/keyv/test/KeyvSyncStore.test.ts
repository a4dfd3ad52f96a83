import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import KeyvPostgres from "@keyv/postgres"
import KeyvRedis from "@keyv/redis"
import KeyvSqlite from "@keyv/sqlite"
import { Effect } from "effect"
import Keyv from "keyv"
import { afterAll, describe, expect, it } from "vitest"
import { createCognitoSync, SyncStore } from "@syncalite/core"
import { KeyvSyncStore } from "@syncalite/keyv"
import { Services } from "@syncalite/testing"

const redis = await Services.check("redis")
const postgres = await Services.check("postgres")

const secret = "a keyv adapter test secret"
const namespace = `syncalite-keyv-test-${randomUUID().slice(0, 8)}`
const directory = mkdtempSync(join(tmpdir(), "syncalite-keyv-"))
const table = `syncalite_keyv_test_${randomUUID().slice(0, 8)}`

afterAll(async () => {
  rmSync(directory, { recursive: true, force: true })
  if (redis.available) {
    const keyv = new Keyv(new KeyvRedis(redis.url), { namespace })
    // every key under the namespace, which the store prefixes to its keys
    await keyv.clear()
    await keyv.disconnect()
  }
  if (postgres.available) {
    const keyv = new Keyv(new KeyvPostgres({ uri: postgres.url, table }))
    await (keyv.store as KeyvPostgres).query(`DROP TABLE IF EXISTS ${table}`)
    await keyv.disconnect()
  }
})

interface Backend {
  readonly name: string
  readonly available: boolean
  readonly open: () => Keyv
  /** ends what `open` started, once every test is done */
  readonly close: (keyv: Keyv) => Promise<void>
}

const backends: ReadonlyArray<Backend> = [
  { name: "Keyv's in-memory Map", available: true, open: () => new Keyv({ namespace }), close: async () => undefined },
  {
    name: "@keyv/sqlite",
    available: true,
    open: () => new Keyv(new KeyvSqlite({ uri: `sqlite://${join(directory, "bad.sqlite")}`, busyTimeout: 10_000 }), { namespace }),
    close: (keyv) => keyv.disconnect()
  },
  {
    name: "@keyv/redis",
    available: redis.available,
    open: () => new Keyv(new KeyvRedis(redis.url), { namespace }),
    close: (keyv) => keyv.disconnect()
  },
  {
    name: "@keyv/postgres",
    available: postgres.available,
    open: () => new Keyv(new KeyvPostgres({ uri: postgres.url, table }), { namespace }),
    // the pool is the process's, shared by every KeyvPostgres of this URL: the last afterAll ends it
    close: async () => undefined
  }
]

const hex = () => randomUUID().replace(/-/g, "").slice(0, 12)
const newRef = () => ({ IdentityPoolId: `us-east-1:${hex()}`, IdentityId: `us-east-1:${hex()}`, DatasetName: "settings" })

/** Writes one record through the facade, so that the identity's document exists. */
const seed = async (sync: ReturnType<typeof createCognitoSync>, ref: ReturnType<typeof newRef>) => {
  const { SyncSessionToken } = await sync.listRecords(ref)
  await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }] })
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`KeyvSyncStore over ${backend.name}`, () => {
    it("keeps its values under Keyv's namespace, readable with keyv.get", async () => {
      const keyv = backend.open()
      const sync = createCognitoSync({ tokenSecret: secret, store: KeyvSyncStore.layer(keyv, { disconnect: false }) })
      const ref = newRef()
      await seed(sync, ref)
      const identity = await keyv.get<{ version: number; value: string }>(`syncalite/i/${ref.IdentityPoolId}/${ref.IdentityId}`)
      expect(identity?.version).toBe(1)
      expect(JSON.parse(identity!.value)).toMatchObject({ datasets: { settings: { syncCount: 1, exists: true } } })
      await sync.close()
      await backend.close(keyv)
    })

    const foreign: ReadonlyArray<readonly [string, (keyv: Keyv, key: string) => Promise<unknown>]> = [
      ["text that is not JSON", (keyv, key) => keyv.store.set(`${namespace}:${key}`, "not JSON {")],
      ["a value some other program stored with Keyv", (keyv, key) => keyv.set(key, "hello")],
      ["JSON of another shape", (keyv, key) => keyv.store.set(`${namespace}:${key}`, JSON.stringify({ value: 42 }))],
      ["a versioned value holding no identity", (keyv, key) => keyv.set(key, { version: 3, value: JSON.stringify({ datasets: "none" }) })],
      ["a versioned value whose document is not JSON", (keyv, key) => keyv.set(key, { version: 3, value: "{ datasets" })],
      ["a versioned value whose document is not text", (keyv, key) => keyv.set(key, { version: 3, value: { datasets: {} } })]
    ]
    for (const [what, corrupt] of foreign) {
      it(`${what} under the identity's key: InternalErrorException caused by a StorageError naming the key`, async () => {
        const keyv = backend.open()
        const sync = createCognitoSync({ tokenSecret: secret, store: KeyvSyncStore.layer(keyv, { disconnect: false }) })
        const ref = newRef()
        await seed(sync, ref)
        const key = `syncalite/i/${ref.IdentityPoolId}/${ref.IdentityId}`
        await corrupt(keyv, key)
        for (const call of [() => sync.listRecords(ref), () => sync.listDatasets(ref), () => sync.describeDataset(ref)]) {
          const error = await call().then(() => undefined, (e: unknown) => e)
          expect(error).toMatchObject({ name: "InternalErrorException", status: 500 })
          const cause = (error as { cause?: unknown }).cause
          expect(cause).toBeInstanceOf(SyncStore.StorageError)
          expect((cause as SyncStore.StorageError).key).toBe(`i/${ref.IdentityPoolId}/${ref.IdentityId}`)
          expect((cause as SyncStore.StorageError).message).toContain(`i/${ref.IdentityPoolId}/${ref.IdentityId}`)
        }
        await sync.close()
        await backend.close(keyv)
      })
    }

    it("a dataset name of 128 characters fits the store's key column", async () => {
      const keyv = backend.open()
      const sync = createCognitoSync({ tokenSecret: secret, store: KeyvSyncStore.layer(keyv, { disconnect: false }) })
      const ref = { ...newRef(), IdentityPoolId: `us-east-1:${randomUUID()}-${"0".repeat(8)}`, DatasetName: "d".repeat(128) }
      for (let n = 0; n < 3; n++) {
        const { SyncSessionToken } = await sync.listRecords(ref)
        await sync.updateRecords({
          ...ref,
          SyncSessionToken,
          RecordPatches: [{ Op: "replace", Key: "k", Value: `v${n}`, SyncCount: n }]
        })
      }
      const { Records, DatasetSyncCount } = await sync.listRecords(ref)
      expect(DatasetSyncCount).toBe(3)
      expect(Records.map((record) => [record.Key, record.Value])).toEqual([["k", "v2"]])
      await sync.close()
      await backend.close(keyv)
    })
  })
}

describe.skipIf(!postgres.available)("@keyv/postgres keys", () => {
  it("longer than the key column: shortened with a hash, never rejected", async () => {
    const keyv = new Keyv(new KeyvPostgres({ uri: postgres.url, table }), { namespace })
    const store = KeyvSyncStore.make(keyv)
    const ref = { identityPoolId: `us-east-1:${randomUUID()}`, identityId: `us-east-1:${randomUUID()}`, datasetName: "x".repeat(128) }
    const result = await Effect.runPromise(store.commit({
      ref,
      session: { id: randomUUID(), expiresAt: Date.now() + 60_000 },
      conditions: [{ key: "k", syncCount: 0 }],
      writes: [{ key: "k", value: "v" }],
      modifiedBy: "test",
      now: Date.now(),
      limits: { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }
    }))
    expect(result._tag).toBe("Committed")
    const rows = await (keyv.store as KeyvPostgres).query(`SELECT max(length(key)) AS longest FROM ${table}`) as Array<{ longest: number }>
    expect(rows[0]!.longest).toBeLessThanOrEqual(255)
    expect((await Effect.runPromise(store.readDataset(ref, { since: 0 }))).records.map((record) => record.value)).toEqual(["v"])
  })
})

describe("the layer", () => {
  it("disconnects the Keyv when its scope ends (sync.close()), unless told not to", async () => {
    const open = () => new Keyv(new KeyvSqlite({ uri: `sqlite://${join(directory, "layer.sqlite")}` }))
    const kept = open()
    const closed = open()
    for (const [keyv, options] of [[kept, { disconnect: false }], [closed, {}]] as const) {
      const sync = createCognitoSync({ tokenSecret: secret, store: KeyvSyncStore.layer(keyv, options) })
      await seed(sync, newRef())
      await sync.close()
    }
    await expect((kept.store as KeyvSqlite).query("SELECT 1")).resolves.toBeDefined()
    await expect((closed.store as KeyvSqlite).query("SELECT 1")).rejects.toThrow(/closed/i)
    await kept.disconnect()
  })
})

describe("a store that fails", () => {
  it("a closed connection is a StorageError, never an absent value", async () => {
    const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${join(directory, "closed.sqlite")}` }))
    const store = KeyvSyncStore.make(keyv)
    await Effect.runPromise(store.readPool("us-east-1:0000"))
    await keyv.disconnect()
    const exit = await Effect.runPromise(Effect.either(store.readDataset(
      { identityPoolId: "us-east-1:0000", identityId: "us-east-1:0001", datasetName: "d" },
      { since: 0 }
    )))
    expect(exit._tag).toBe("Left")
    if (exit._tag === "Left") {
      expect(exit.left).toBeInstanceOf(SyncStore.StorageError)
      expect(exit.left.key).toBe("i/us-east-1:0000/us-east-1:0001")
    }
  })
})
