import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import KeyvPostgres from "@keyv/postgres"
import KeyvRedis from "@keyv/redis"
import KeyvSqlite from "@keyv/sqlite"
import Keyv, { type KeyvStoreAdapter } from "keyv"
import { afterAll, describe, expect, it } from "vitest"
import { KeyvSyncStore } from "@syncalite/keyv"
import { Services, StorageSuite } from "@syncalite/testing"

const redis = await Services.check("redis")
const postgres = await Services.check("postgres")

/** A namespace of this run, so that what the suite writes in the shared servers can be removed. */
const namespace = `syncalite-keyv-test-${randomUUID().slice(0, 8)}`

describe("Keyv's in-memory Map", () => {
  it("is atomic by a lock in this process, without a warning", () => {
    expect(KeyvSyncStore.atomicity(new Keyv())).toEqual({ compareAndSet: "map", acrossProcesses: false })
  })
})

// one Keyv per test; "crossProcess" instances share it, as two apps in one process would
StorageSuite.run("KeyvSyncStore over Keyv's in-memory Map", {
  make: async () => ({ store: KeyvSyncStore.make(new Keyv()) })
})
const sharedMap = new Keyv({ namespace })
StorageSuite.run("two KeyvSyncStores over one in-memory Keyv", {
  make: async () => ({ store: KeyvSyncStore.make(sharedMap) }),
  capabilities: { crossProcess: true }
})

describe("@keyv/sqlite", () => {
  const directory = mkdtempSync(join(tmpdir(), "syncalite-keyv-"))
  const file = join(directory, "keyv.sqlite")
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  it("is atomic by a conditional statement, across processes", () => {
    const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 }))
    expect(KeyvSyncStore.atomicity(keyv)).toEqual({ compareAndSet: "sqlite", acrossProcesses: true })
    return keyv.disconnect()
  })

  // two connections to one file: the compare-and-set is the database's, not this process's
  StorageSuite.run("KeyvSyncStore over @keyv/sqlite (a file, two connections)", {
    make: async () => {
      const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 }), { namespace })
      return { store: KeyvSyncStore.make(keyv), close: () => keyv.disconnect() }
    },
    capabilities: { crossProcess: true }
  })
})

describe.skipIf(!redis.available)("@keyv/redis", () => {
  afterAll(async () => {
    const keyv = new Keyv(new KeyvRedis(redis.url), { namespace })
    // every key under the namespace, which the store prefixes to its keys
    await keyv.clear()
    await keyv.disconnect()
  })

  it("is atomic by SET NX and a Lua script, across processes", () => {
    const keyv = new Keyv(new KeyvRedis(redis.url))
    expect(KeyvSyncStore.atomicity(keyv)).toEqual({ compareAndSet: "redis", acrossProcesses: true })
  })

  StorageSuite.run("KeyvSyncStore over @keyv/redis (two clients)", {
    make: async () => {
      const keyv = new Keyv(new KeyvRedis(redis.url), { namespace })
      return { store: KeyvSyncStore.make(keyv), close: () => keyv.disconnect() }
    },
    capabilities: { crossProcess: true }
  })
})

describe.skipIf(!postgres.available)("@keyv/postgres", () => {
  // @keyv/postgres keeps one pool per URL for the whole process, and disconnect() ends it: end it once
  const table = `syncalite_keyv_test_${randomUUID().slice(0, 8)}`
  const open = () => new Keyv(new KeyvPostgres({ uri: postgres.url, table }), { namespace })
  afterAll(async () => {
    const keyv = open()
    await (keyv.store as KeyvPostgres).query(`DROP TABLE IF EXISTS ${table}`)
    await keyv.disconnect()
  })

  it("is atomic by a conditional statement, across processes", () => {
    expect(KeyvSyncStore.atomicity(open())).toEqual({ compareAndSet: "postgres", acrossProcesses: true })
  })

  StorageSuite.run("KeyvSyncStore over @keyv/postgres", {
    make: async () => ({ store: KeyvSyncStore.make(open()) }),
    capabilities: { crossProcess: true }
  })
})

/** A Keyv store of the simplest kind: get, set, delete, clear, and nothing atomic. */
const plainStore = (): KeyvStoreAdapter => {
  const entries = new Map<string, unknown>()
  return {
    opts: {},
    on: () => undefined,
    get: async (key: string) => entries.get(key),
    set: async (key: string, value: unknown) => void entries.set(key, value),
    delete: async (key: string) => entries.delete(key),
    clear: async () => entries.clear()
  } as unknown as KeyvStoreAdapter
}

describe("a store without compare-and-set", () => {
  it("is serialised in this process, and says so once per store", () => {
    const warnings: Array<string> = []
    const keyv = new Keyv(plainStore())
    expect(KeyvSyncStore.atomicity(keyv)).toMatchObject({ compareAndSet: "process", acrossProcesses: false })
    KeyvSyncStore.make(keyv, { onWarning: (message) => warnings.push(message) })
    KeyvSyncStore.make(keyv, { onWarning: (message) => warnings.push(message) })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain("serialised inside this process only")
    expect(warnings[0]).toContain("can lose updates")
  })

  it("warns through process.emitWarning by default, with its code", async () => {
    const seen: Array<Error & { code?: string }> = []
    const listener = (warning: Error & { code?: string }) => seen.push(warning)
    process.on("warning", listener)
    try {
      KeyvSyncStore.make(new Keyv(plainStore()))
      await new Promise((resolve) => setImmediate(resolve))
      expect(seen.map((warning) => warning.code)).toContain(KeyvSyncStore.warningCode)
    } finally {
      process.off("warning", listener)
    }
  })

  it("a store with native compare-and-set falls back too when Keyv compresses or serialises otherwise", () => {
    const sqlite = new KeyvSqlite()
    const custom = new Keyv(sqlite, { serialize: (data) => `custom:${JSON.stringify(data)}`, deserialize: (raw) => JSON.parse(String(raw).slice(7)) })
    expect(KeyvSyncStore.atomicity(custom)).toMatchObject({ compareAndSet: "process", acrossProcesses: false })
    expect(KeyvSyncStore.atomicity(custom).reason).toContain("serialiser")
    const compressed = new Keyv(sqlite, { compression: { compress: async (v: unknown) => v, decompress: async (v: unknown) => v } })
    expect(KeyvSyncStore.atomicity(compressed).reason).toContain("compresses")
    return sqlite.disconnect()
  })

  const shared = new Keyv(plainStore())
  StorageSuite.run("KeyvSyncStore over a store without compare-and-set (one process)", {
    make: async () => ({ store: KeyvSyncStore.make(shared, { onWarning: () => undefined }) }),
    capabilities: { crossProcess: true }
  })
})
