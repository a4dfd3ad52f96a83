import { randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import KeyvSqlite from "@keyv/sqlite"
import Database from "better-sqlite3"
import { Effect, Exit, Layer } from "effect"
import Keyv from "keyv"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { createCognitoSync, SyncStore } from "@syncalite/core"
import { SqliteSyncStore } from "@syncalite/sqlite"
import { Processes } from "@syncalite/testing"

const secret = "a sqlite adapter test secret"
const directory = mkdtempSync(join(tmpdir(), "syncalite-sqlite-"))
const file = (name: string) => join(directory, `${name}-${randomUUID().slice(0, 8)}.db`)
afterEach(Processes.killAll)
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const hex = () => randomUUID().replace(/-/g, "").slice(0, 12)
const newRef = (DatasetName = "settings") => ({ IdentityPoolId: `us-east-1:${hex()}`, IdentityId: `us-east-1:${hex()}`, DatasetName })
type Sync = ReturnType<typeof createCognitoSync>

/** ListRecords, then UpdateRecords of `values` at the counts the listing showed. */
const write = async (sync: Sync, ref: ReturnType<typeof newRef>, values: { readonly [key: string]: string | null }) => {
  const listed = await sync.listRecords({ ...ref, LastSyncCount: 0 })
  return sync.updateRecords({
    ...ref,
    SyncSessionToken: listed.SyncSessionToken,
    RecordPatches: Object.entries(values).map(([Key, Value]) => ({
      Op: Value === null ? "remove" as const : "replace" as const,
      Key,
      ...(Value === null ? {} : { Value }),
      SyncCount: listed.Records.find((record) => record.Key === Key)?.SyncCount ?? 0
    }))
  })
}

/** Whether another connection has the file open: WAL mode cannot be left while one does. */
const openElsewhere = (path: string): boolean => {
  const db = new Database(path, { timeout: 0 })
  try {
    const mode = db.pragma("journal_mode = DELETE", { simple: true })
    if (mode === "delete") db.pragma("journal_mode = WAL")
    return mode !== "delete"
  } catch (error) {
    if ((error as { code?: string }).code === "SQLITE_BUSY") return true
    throw error
  } finally {
    db.close()
  }
}

describe("opening", () => {
  it("a path, a sqlite:// URI or options: WAL mode, and close() closes the database", async () => {
    for (const database of [file("path"), `sqlite://${file("uri")}`, { path: file("options"), synchronous: "FULL" as const }]) {
      const path = typeof database === "string" ? database.replace("sqlite://", "") : database.path
      const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(database) })
      const ref = newRef()
      await write(sync, ref, { k: "v" })
      expect((await sync.listRecords(ref)).Records.map((record) => record.Value)).toEqual(["v"])
      const db = new Database(path)
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
      db.close()
      expect(openElsewhere(path)).toBe(true)
      await sync.close()
      expect(openElsewhere(path)).toBe(false)
    }
  })

  it("a KeyvSqlite, or a Keyv over one: shares its file, in tables of its own, and leaves it usable", async () => {
    const path = file("keyv")
    const keyvSqlite = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 5_000 })
    const keyv = new Keyv(keyvSqlite)
    await keyv.set("before", "kept")
    for (const database of [keyvSqlite, keyv, { keyv }]) {
      const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(database) })
      const ref = newRef()
      await write(sync, ref, { k: "v" })
      expect((await sync.listRecords(ref)).Records).toHaveLength(1)
      await sync.close()
    }
    expect(await keyv.get("before")).toBe("kept")
    await keyv.set("after", "works")
    expect(await keyv.get("after")).toBe("works")
    await keyv.disconnect()
    const db = new Database(path)
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()
    db.close()
    expect(tables).toEqual(expect.arrayContaining(["keyv", "syncalite_datasets", "syncalite_records"]))
  })

  it("a file that is not a database: the layer fails with a StorageError that says so", async () => {
    const path = file("garbage")
    writeFileSync(path, "this is not a SQLite database, whatever its name says".repeat(100))
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(SqliteSyncStore.layer(path))))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error).toBeInstanceOf(SyncStore.StorageError)
      expect((error as SyncStore.StorageError).message).toContain("not a SQLite database")
    }
    // the facade rejects every call with the layer's failure
    const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(path) })
    await expect(sync.listRecords(newRef())).rejects.toThrow("not a SQLite database")
    await sync.close()
  })
})

describe("keys and values", () => {
  it("any JavaScript string comes back exactly, in the order of the memory store", async () => {
    const keys = ["b", "a", "\uFF01", "😀", "\uD800", "\uDFFF", "é", "a\u0000b", " "]
    const values = ["plain", "😀 emoji", "lone \uD800 surrogate", "\uDC00", "", "é"]
    const results = await Promise.all([SqliteSyncStore.layer(":memory:"), SyncStore.layerMemory].map(async (store) => {
      const sync = createCognitoSync({ tokenSecret: secret, store })
      const ref = newRef()
      await write(sync, ref, Object.fromEntries(keys.map((key, i) => [key, values[i % values.length]!])))
      const all = await sync.listRecords(ref)
      const pages: Array<string> = []
      let NextToken: string | undefined
      do {
        const page = await sync.listRecords({ ...ref, MaxResults: 2, ...(NextToken === undefined ? {} : { NextToken }) })
        pages.push(...page.Records.map((record) => record.Key))
        NextToken = page.NextToken
      } while (NextToken !== undefined)
      await sync.close()
      return { records: all.Records.map((record) => [record.Key, record.Value]), pages }
    }))
    expect(results[0]).toEqual(results[1])
    expect(results[0]!.records.map(([key]) => key)).toEqual([...keys].sort())
  })
})

describe("across processes", () => {
  it("a sync trigger set or removed through one process applies to another's writes within a second", async () => {
    const path = file("pool")
    const [pool, identity] = [`us-east-1:${randomUUID()}`, `us-east-1:${randomUUID()}`]
    const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer({ path }) })
    await sync.listDatasets({ IdentityPoolId: pool, IdentityId: identity })
    const child = Processes.start(new URL("./fixtures/poolWriter.ts", import.meta.url), [path, secret, pool, identity])
    await child.line((line) => line === "ready")
    expect(await Processes.acrossTriggerChanges(sync, child, pool)).toEqual(["before", "SET", "removed"])
    await sync.close()
  }, 60_000)

  it("4 processes of concurrent read-modify-write loops on one dataset lose no update", async () => {
    const path = file("counter")
    const [processes, loops, per] = [4, 4, 25]
    const children = Array.from({ length: processes }, (_, i) => Processes.start(new URL("./fixtures/counter.ts", import.meta.url), [path, String(i), String(loops), String(per), secret]))
    await Promise.all(children.map((child) => child.line((line) => line === "ready")))
    for (const child of children) child.process.stdin.write("go\n")
    const tallies = await Promise.all(children.map(async (child) => JSON.parse(await child.line((line) => line.startsWith("{"), 60_000))))
    for (const child of children) expect((await child.exited).code, child.stderr()).toBe(0)

    const updates = tallies.reduce((sum, tally) => sum + tally.updates, 0)
    expect(updates).toBe(processes * loops * per)
    // the loops really raced: most attempts lost to another writer
    expect(tallies.reduce((sum, tally) => sum + tally.conflicts, 0)).toBeGreaterThan(0)
    const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(path) })
    const ref = { IdentityPoolId: "us-east-1:0000c0de", IdentityId: "us-east-1:00000001", DatasetName: "counter" }
    const listed = await sync.listRecords(ref)
    const value = (key: string) => listed.Records.find((record) => record.Key === key)?.Value
    expect(Number(value("counter"))).toBe(updates)
    expect(listed.DatasetSyncCount).toBe(updates)
    for (let p = 0; p < processes; p++) {
      for (let l = 0; l < loops; l++) expect(value(`p${p}-l${l}`), `p${p}-l${l}`).toBe(String(tallies[p].perLoop[l]))
    }
    await sync.close()
  }, 90_000)
})

describe("two connections to one file", () => {
  it("a read through one sees at once what the other committed or deleted, though it read and wrote the dataset before", async () => {
    const path = file("two")
    const [one, other] = [0, 1].map(() => createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(path) }))
    const ref = newRef()
    await write(one!, ref, { a: "1", b: "1" })
    expect((await one!.listRecords({ ...ref, LastSyncCount: 0 })).DatasetSyncCount).toBe(1)
    await write(other!, ref, { b: "2" })
    const listed = await one!.listRecords({ ...ref, LastSyncCount: 1 })
    expect(listed).toMatchObject({ DatasetSyncCount: 2, Count: 1, Records: [{ Key: "b", Value: "2", SyncCount: 2 }] })
    await other!.deleteDataset(ref)
    expect(await one!.listRecords({ ...ref, LastSyncCount: 0 })).toMatchObject({ DatasetExists: false, Count: 0 })
    await Promise.all([one!.close(), other!.close()])
  })

  it("a dataset merged into one already read is among its merged datasets at the next read, whichever connection wrote it", async () => {
    const path = file("merged")
    const [one, other] = [0, 1].map(() => createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(path) }))
    const ref = newRef("game")
    const mergedName = (n: number) => `game.us-east-1:${String(n).padStart(12, "0")}`
    await write(one!, ref, { k: "v" })
    expect((await one!.listRecords(ref)).MergedDatasetNames).toBeUndefined()
    await write(one!, { ...ref, DatasetName: mergedName(1) }, { k: "v" })
    expect((await one!.listRecords(ref)).MergedDatasetNames).toEqual([mergedName(1)])
    await write(other!, { ...ref, DatasetName: mergedName(2) }, { k: "v" })
    expect((await one!.listRecords(ref)).MergedDatasetNames).toEqual([mergedName(1), mergedName(2)])
    await one!.deleteDataset({ ...ref, DatasetName: mergedName(1) })
    expect((await one!.listRecords(ref)).MergedDatasetNames).toEqual([mergedName(2)])
    await Promise.all([one!.close(), other!.close()])
  })
})

describe("crash safety", () => {
  const valueOf = (n: number) => (n % 10 === 0 ? `${n}:${"x".repeat(3000)}` : String(n))

  it("a writer killed with SIGKILL at random moments: the file opens, is intact, and holds every acknowledged write", async () => {
    const path = file("crash")
    for (let round = 1; round <= 3; round++) {
      const child = Processes.start(new URL("./fixtures/writer.ts", import.meta.url), [path, String(round), secret])
      const acknowledgedSoFar = () => child.lines.filter((line) => /^\d+$/.test(line)).length
      // killed after a hundred acknowledged writes, however slow the machine, then at a random moment
      await child.line(() => acknowledgedSoFar() > 100, 60_000)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 900))
      child.process.kill("SIGKILL")
      expect((await child.exited).signal).toBe("SIGKILL")
      const acknowledged = child.lines.filter((line) => /^\d+$/.test(line)).map(Number)
      expect(acknowledged.length, child.stderr()).toBeGreaterThan(100)

      const db = new Database(path)
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok")
      db.close()
      const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(path) })
      const last = acknowledged[acknowledged.length - 1]!
      for (let identity = 0; identity <= Math.floor(last / 1000); identity++) {
        const ref = { IdentityPoolId: "us-east-1:0000dead", IdentityId: `us-east-1:${round}000${identity}`, DatasetName: "d" }
        const stored = new Map<string, string | undefined>()
        let NextToken: string | undefined
        do {
          const page = await sync.listRecords({ ...ref, ...(NextToken === undefined ? {} : { NextToken }) })
          for (const record of page.Records) stored.set(record.Key, record.Value)
          NextToken = page.NextToken
        } while (NextToken !== undefined)
        for (const n of acknowledged.filter((n) => Math.floor(n / 1000) === identity)) {
          expect(stored.get(`k${n % 1000}`), `write ${n}`).toBe(valueOf(n))
        }
      }
      await sync.close()
    }
  }, 180_000)
})

describe("locks", () => {
  const commit = (store: SyncStore.SyncStoreShape, ref: SyncStore.DatasetRef) =>
    store.commit({
      ref,
      session: { id: randomUUID(), expiresAt: Date.now() + 60_000 },
      conditions: [{ key: "k", syncCount: 0 }],
      writes: [{ key: "k", value: "v" }],
      modifiedBy: "test",
      now: Date.now(),
      limits: { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }
    })
  const ref = () => ({ identityPoolId: `us-east-1:${hex()}`, identityId: `us-east-1:${hex()}`, datasetName: "d" })

  it("a file locked by another process is waited on, within the busy timeout", async () => {
    const path = file("locked")
    await Effect.runPromise(Effect.scoped(Effect.flatMap(SqliteSyncStore.make(path), (store) => commit(store, ref()))))
    const locker = Processes.start(new URL("./fixtures/locker.ts", import.meta.url), [path, "800"])
    await locker.line((line) => line === "locked")
    const started = Date.now()
    const result = await Effect.runPromise(Effect.scoped(
      Effect.flatMap(SqliteSyncStore.make({ path, busyTimeout: 10_000 }), (store) => commit(store, ref()))
    ))
    expect(result._tag).toBe("Committed")
    expect(Date.now() - started).toBeGreaterThan(300)
    expect((await locker.exited).code, locker.stderr()).toBe(0)
  }, 30_000)

  it("a lock held past the busy timeout is a StorageError that says the database is locked, not corrupt", async () => {
    const path = file("busy")
    await Effect.runPromise(Effect.scoped(Effect.flatMap(SqliteSyncStore.make(path), (store) => commit(store, ref()))))
    const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer({ path, busyTimeout: 200 }) })
    await sync.listDatasets({ IdentityPoolId: "us-east-1:0000", IdentityId: "us-east-1:0000" }) // open before the lock
    const locker = Processes.start(new URL("./fixtures/locker.ts", import.meta.url), [path, "2500"])
    await locker.line((line) => line === "locked")
    const error = await write(sync, newRef(), { k: "v" }).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ name: "InternalErrorException" })
    const cause = (error as { cause?: unknown }).cause as SyncStore.StorageError
    expect(cause).toBeInstanceOf(SyncStore.StorageError)
    expect(cause.message).toContain("locked by another connection")
    expect(cause.message).not.toContain("damaged")
    expect((await locker.exited).code, locker.stderr()).toBe(0)
    // once the lock is gone, the same store works: nothing was damaged
    await write(sync, newRef(), { k: "v" })
    await sync.close()
    const db = new Database(path)
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok")
    db.close()
  }, 30_000)
})

describe("bad data in the file", () => {
  const setUp = async () => {
    const path = file("bad")
    const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(path) })
    const ref = newRef()
    await write(sync, ref, { k: "v", gone: "x" })
    await write(sync, ref, { gone: null })
    await sync.setCognitoEvents({ IdentityPoolId: ref.IdentityPoolId, Events: { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:f" } })
    const db = new Database(path)
    return { sync, ref, db }
  }

  const expectStorageError = async (call: Promise<unknown>, key: string) => {
    const error = await call.then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ name: "InternalErrorException", status: 500 })
    const cause = (error as { cause?: unknown }).cause
    expect(cause).toBeInstanceOf(SyncStore.StorageError)
    expect((cause as SyncStore.StorageError).key).toBe(key)
    expect((cause as SyncStore.StorageError).message).toContain(key)
  }

  const heads: ReadonlyArray<readonly [string, string]> = [
    ["a sync count that is text", "UPDATE syncalite_datasets SET sync_count = 'seven'"],
    ["a negative record count", "UPDATE syncalite_datasets SET num_records = -1"],
    ["consumed sessions that are not JSON", "UPDATE syncalite_datasets SET consumed_sessions = 'not json'"],
    ["consumed sessions of another shape", "UPDATE syncalite_datasets SET consumed_sessions = '{\"floor\":0,\"sessions\":[1]}'"],
    ["a live flag that is neither 0 nor 1", "UPDATE syncalite_datasets SET live = 'yes'"]
  ]
  for (const [what, sql] of heads) {
    it(`a dataset's head with ${what}: InternalErrorException, caused by a StorageError naming the row`, async () => {
      const { db, ref, sync } = await setUp()
      db.exec(sql)
      const key = `syncalite_datasets/${ref.IdentityPoolId}/${ref.IdentityId}/${ref.DatasetName}`
      await expectStorageError(sync.listRecords(ref), key)
      await expectStorageError(sync.describeDataset(ref), key)
      await expectStorageError(write(sync, { ...ref }, { k: "w" }), key)
      await sync.close()
      db.close()
    })
  }

  const records: ReadonlyArray<readonly [string, string]> = [
    ["a value that is a number", "UPDATE syncalite_records SET value = 42 WHERE value = 'v'"],
    ["a sync count that is text", "UPDATE syncalite_records SET sync_count = 'one' WHERE value = 'v'"],
    ["a device date that is text", "UPDATE syncalite_records SET device_modified = 'yesterday' WHERE value = 'v'"]
  ]
  for (const [what, sql] of records) {
    it(`a record with ${what}: InternalErrorException, caused by a StorageError naming the record`, async () => {
      const { db, ref, sync } = await setUp()
      db.exec(sql)
      const key = `syncalite_records/${ref.IdentityPoolId}/${ref.IdentityId}/${ref.DatasetName}/k`
      await expectStorageError(sync.listRecords(ref), key)
      await sync.close()
      db.close()
    })
  }

  it("a record whose key is not a UTF-16 blob: InternalErrorException, caused by a StorageError", async () => {
    const { db, ref, sync } = await setUp()
    db.exec("UPDATE syncalite_records SET key = 'text key' WHERE value = 'v'")
    await expectStorageError(sync.listRecords(ref), `syncalite_records/${ref.IdentityPoolId}/${ref.IdentityId}/${ref.DatasetName}/?`)
    await sync.close()
    db.close()
  })

  it("a pool configuration that is not one: InternalErrorException, caused by a StorageError naming the pool", async () => {
    const { db, ref, sync } = await setUp()
    db.prepare("UPDATE syncalite_pools SET configuration = ? WHERE pool = ?").run("{\"events\":5}", ref.IdentityPoolId)
    await expectStorageError(sync.getCognitoEvents({ IdentityPoolId: ref.IdentityPoolId }), `syncalite_pools/${ref.IdentityPoolId}`)
    await expectStorageError(
      sync.describeIdentityPoolUsage({ IdentityPoolId: ref.IdentityPoolId }),
      `syncalite_pools/${ref.IdentityPoolId}`
    )
    await sync.close()
    db.close()
  })

  it("a device's token is in no index: uniqueness is on its digest", async () => {
    const path = file("digest")
    await Effect.runPromise(Effect.scoped(SqliteSyncStore.make(path)))
    const db = new Database(path, { readonly: true })
    const indexes = db.prepare<[], { name: string }>("SELECT name FROM pragma_index_list('syncalite_devices')").all()
    const indexed = indexes.map(({ name }) =>
      db.prepare<[string], { name: string }>("SELECT name FROM pragma_index_info(?)").all(name).map((column) => column.name)
    )
    db.close()
    expect(indexed).toContainEqual(["pool", "identity", "digest"])
    for (const columns of indexed) expect(columns).not.toContain("token")
  })

  it("a file of schema 1 is brought to schema 2: its devices keep their ids, and their tokens answer them", async () => {
    const path = file("schema1")
    await Effect.runPromise(Effect.scoped(SqliteSyncStore.make(path)))
    const db = new Database(path)
    db.exec(`DROP TABLE syncalite_devices;
      CREATE TABLE syncalite_devices (
        pool TEXT NOT NULL, identity TEXT NOT NULL, device_id TEXT NOT NULL, platform TEXT NOT NULL, token TEXT NOT NULL,
        PRIMARY KEY (pool, identity, device_id), UNIQUE (pool, identity, platform, token)
      ) WITHOUT ROWID;
      UPDATE syncalite_meta SET value = 1 WHERE name = 'schema';`)
    const insert = db.prepare("INSERT INTO syncalite_devices VALUES (?, ?, ?, ?, ?)")
    insert.run("us-east-1:aa", "us-east-1:bb", "old-1", "GCM", "token-1")
    insert.run("us-east-1:aa", "us-east-1:bb", "old-2", "APNS", "token-1")
    db.close()
    const answers = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const store = yield* SqliteSyncStore.make(path)
      const register = (deviceId: string, platform: string, token: string) =>
        store.registerDevice("us-east-1:aa", "us-east-1:bb", { deviceId, platform, token }, 20)
      return [yield* register("new-1", "GCM", "token-1"), yield* register("new-2", "APNS", "token-1"), yield* register("new-3", "GCM", "token-2")]
    })))
    expect(answers).toEqual([
      { _tag: "Registered", deviceId: "old-1" },
      { _tag: "Registered", deviceId: "old-2" },
      { _tag: "Registered", deviceId: "new-3" }
    ])
    const after = new Database(path, { readonly: true })
    expect(after.prepare("SELECT value FROM syncalite_meta WHERE name = 'schema'").pluck().get()).toBe(2)
    expect(after.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'syncalite_devices_1'").pluck().get()).toBe(0)
    after.close()
  })

  it("a file written by a newer schema is refused when opened, never misread", async () => {
    const path = file("newer")
    await Effect.runPromise(Effect.scoped(SqliteSyncStore.make(path)))
    const db = new Database(path)
    db.exec("UPDATE syncalite_meta SET value = 99 WHERE name = 'schema'")
    db.close()
    const exit = await Effect.runPromiseExit(Effect.scoped(SqliteSyncStore.make(path)))
    expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.message).toContain("schema 99")
    expect(existsSync(path)).toBe(true)
  })
})

describe("what a deletion leaves", () => {
  it("one row of the same bytes whatever the dataset held, no record and no subscription, for 100 or 300 datasets", async () => {
    const path = file("deletions")
    const pool = `us-east-1:${hex()}`
    const identity = `us-east-1:${hex()}`
    const ref = (n: number) => ({ identityPoolId: pool, identityId: identity, datasetName: `d${String(n).padStart(3, "0")}` })
    const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }
    const deletedAt = Date.now()
    // datasets of different histories: record counts, value sizes, tombstones, writers
    const cycle = (store: SyncStore.SyncStoreShape, n: number) =>
      Effect.gen(function*() {
        const keys = Array.from({ length: n % 7 + 1 }, (_, k) => `k${k}`)
        const session = () => ({ id: randomUUID(), expiresAt: deletedAt + 60_000 })
        yield* store.commit({
          ref: ref(n),
          session: session(),
          conditions: keys.map((key) => ({ key, syncCount: 0 })),
          writes: keys.map((key) => ({ key, value: "v".repeat(50 * (n % 4)) })),
          modifiedBy: "w".repeat(n % 9 + 1),
          now: deletedAt - 1000,
          limits
        })
        yield* store.commit({
          ref: ref(n),
          session: session(),
          conditions: [{ key: "k0", syncCount: 1 }],
          writes: [{ key: "k0", value: null }],
          modifiedBy: "x".repeat(n % 5 + 1),
          now: deletedAt - 500,
          limits
        })
        yield* store.subscribe(ref(n), "device")
        yield* store.deleteDataset(ref(n), deletedAt)
      })
    const left = () => {
      const db = new Database(path, { readonly: true })
      const sizes = db.prepare<[string], number>(
        `SELECT DISTINCT length(CAST(name || live || sync_count || last_deletion_count || creation_date || last_modified_date ||
           last_modified_by || num_records || data_storage || entries || entry_bytes || consumed_sessions AS BLOB))
         FROM syncalite_datasets WHERE identity = ?`
      ).pluck().all(identity)
      const records = db.prepare("SELECT count(*) FROM syncalite_records").pluck().get()
      const subscriptions = db.prepare<[string], number>("SELECT count(*) FROM syncalite_subscriptions WHERE identity = ?").pluck()
        .get(identity)
      db.close()
      return { sizes, records, subscriptions }
    }
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const store = yield* SqliteSyncStore.make(path)
      yield* store.registerDevice(pool, identity, { deviceId: "device", platform: "GCM", token: "t" }, 20)
      for (let n = 0; n < 100; n++) yield* cycle(store, n)
    })))
    const hundred = left()
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const store = yield* SqliteSyncStore.make(path)
      for (let n = 100; n < 300; n++) yield* cycle(store, n)
    })))
    const threeHundred = left()
    expect(hundred).toEqual({ sizes: [expect.any(Number)], records: 0, subscriptions: 0 })
    expect(threeHundred).toEqual(hundred)
  })
})
