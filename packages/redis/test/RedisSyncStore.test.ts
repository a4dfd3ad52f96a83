/**
 * What is special about the Redis store: the connections it accepts and which of them it closes,
 * its layer for `createCognitoSync`, the layout of its keys (one hash tag per identity, sharded
 * pool figures), and foreign or corrupt values under its keys.
 */
import { randomUUID } from "node:crypto"
import KeyvRedis, { createClient, Keyv } from "@keyv/redis"
import { Cause, Context, Effect, Either, Exit, Layer, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { createCognitoSync, SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { Services } from "@syncalite/testing"
import { cleanUp, commitOf, keysUnder, type RawClient, rawClient, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")
const base = testPrefix("special")
let cases = 0
/** a prefix of its own per case, so that a case may break any key, the pool index included */
const casePrefix = () => `${base}-${++cases}`

const newId = () => `us-east-1:${randomUUID()}`

/** Builds a store in a scope of its own; answers it and how to close it. */
const open = async (options: RedisSyncStore.Options) => {
  const scope = await Effect.runPromise(Scope.make())
  const store = await Effect.runPromise(Scope.extend(RedisSyncStore.make(options), scope))
  return { store, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Runs `body` with a store under a prefix of its own and a raw client, closing both after. */
const withCase = async (body: (store: RedisSyncStore.RedisSyncStoreShape, raw: RawClient, prefix: string) => Promise<void>) => {
  const prefix = casePrefix()
  const { close, store } = await open({ redis: redis.url, prefix })
  const raw = await rawClient(redis.url)
  try {
    await body(store, raw, prefix)
  } finally {
    raw.destroy()
    await close()
  }
}

const isOpen = (client: unknown) => (client as { isOpen: boolean }).isOpen

describe.skipIf(!redis.available)("RedisSyncStore", () => {
  afterAll(() => cleanUp(redis.url, `${base}*`))

  describe("connections", () => {
    const roundTrip = async (store: SyncStore.SyncStoreShape) => {
      const ref = { identityPoolId: newId(), identityId: newId(), datasetName: "d" }
      const result = await Effect.runPromise(store.commit(commitOf(ref, "k", 0)))
      expect(result._tag).toBe("Committed")
      expect((await Effect.runPromise(store.readDataset(ref, { since: 0 }))).records.map((record) => record.value)).toEqual(["v"])
    }

    it("a URL or client options: the store creates the connection and closes it with its scope", async () => {
      for (const input of [redis.url, { url: redis.url }]) {
        const { close, store } = await open({ redis: input, prefix: casePrefix() })
        await roundTrip(store)
        expect(isOpen(store.client)).toBe(true)
        await close()
        expect(isOpen(store.client)).toBe(false)
      }
    })

    it("a KeyvRedis, a Keyv over one, or a @redis/client client: used as given, closed only if the store opened it", async () => {
      const keyvRedis = new KeyvRedis(redis.url)
      const fresh = await open({ redis: keyvRedis, prefix: casePrefix() })
      await roundTrip(fresh.store)
      expect(fresh.store.client).toBe(keyvRedis.client)
      await fresh.close()
      expect(isOpen(keyvRedis.client)).toBe(false)

      const client = createClient({ url: redis.url })
      client.on("error", () => undefined)
      await client.connect()
      for (const input of [client, new KeyvRedis(client), new Keyv({ store: new KeyvRedis(client) })]) {
        const given = await open({ redis: input as RedisSyncStore.RedisInput, prefix: casePrefix() })
        await roundTrip(given.store)
        await given.close()
        expect(isOpen(client)).toBe(true)
      }
      client.destroy()
    })

    it("an unreachable Redis fails the build with a StorageError, within the connect timeout", async () => {
      const started = Date.now()
      const exit = await Effect.runPromiseExit(
        Effect.scoped(RedisSyncStore.make({ redis: "redis://127.0.0.1:1", connectTimeout: 300 }))
      )
      expect(Date.now() - started).toBeLessThan(3000)
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject({
        _tag: "Some",
        value: { _tag: "StorageError" }
      })
    })

    it("the layer provides RedisSyncStore and SyncStore, and createCognitoSync's close() closes the connection", async () => {
      const prefix = casePrefix()
      const layer = RedisSyncStore.layer({ redis: redis.url, prefix })
      const both = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(layer)
        return [Context.get(context, RedisSyncStore.RedisSyncStore), Context.get(context, SyncStore.SyncStore)] as const
      })))
      expect(both[0]).toBe(both[1])

      const name = `syncalite-test-${randomUUID().slice(0, 8)}`
      const raw = await rawClient(redis.url)
      const connections = async () => (await raw.clientList()).filter((client) => client.name === name).length
      const sync = createCognitoSync({
        tokenSecret: "a test secret 0123456789",
        store: RedisSyncStore.layer({ redis: { url: redis.url, name }, prefix })
      })
      const dataset = { IdentityPoolId: newId(), IdentityId: newId(), DatasetName: "settings" }
      const { SyncSessionToken } = await sync.listRecords(dataset)
      const { Records } = await sync.updateRecords({
        ...dataset,
        SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
      })
      expect(Records).toMatchObject([{ Key: "theme", Value: "dark", SyncCount: 1 }])
      expect(await connections()).toBe(1)
      await sync.close()
      expect(await connections()).toBe(0)
      raw.destroy()
    })
  })

  describe("layout", () => {
    it("every key of an identity carries its hash tag; pool figures are spread over shards", () =>
      withCase(async (store, raw, prefix) => {
        const pool = newId()
        const identity = newId()
        const ref = (datasetName: string) => ({ identityPoolId: pool, identityId: identity, datasetName })
        await Effect.runPromise(Effect.gen(function*() {
          yield* store.commit(commitOf(ref("a"), "k", 0))
          yield* store.commit(commitOf(ref(`a.${newId()}`), "k", 0))
          yield* store.commit(commitOf(ref("b"), "k", 0))
          yield* store.deleteDataset(ref("b"), Date.now())
          yield* store.registerDevice(pool, identity, { deviceId: "d1", platform: "GCM", token: "t" }, 20)
          yield* store.subscribe(ref("a"), "d1")
          yield* store.updatePool(pool, (state) => Either.right({ ...state, events: { SyncTrigger: "arn" } }))
          for (let i = 0; i < 64; i++) yield* store.countSessions(pool, 1)
        }))
        const keys = await keysUnder(raw, prefix)
        const tag = `{${pool}|${identity}}`
        const identityKeys = keys.filter((key) => key.includes(identity))
        expect(identityKeys.length).toBeGreaterThanOrEqual(6)
        for (const key of identityKeys) expect(key.slice(key.indexOf("{"), key.indexOf("}") + 1)).toBe(tag)
        // pool-level keys: each in a slot of its own, none shared by every commit
        const sessionShards = keys.filter((key) => key.startsWith(`${prefix}:sessions:`))
        expect(sessionShards.length).toBeGreaterThan(1)
        expect(keys.filter((key) => key.startsWith(`${prefix}:identities:`))).toHaveLength(1)
        expect(keys).toContain(`${prefix}:pools`)
        expect(keys).toContain(`${prefix}:pool:{${pool}}`)
        expect((await Effect.runPromise(store.poolUsage(pool)))?.syncSessionsCount).toBe(64)
      }))

    it("a device's token is stored once: the index of tokens holds its digest; an index of the older layout is read and emptied", () =>
      withCase(async (store, raw, prefix) => {
        const pool = newId()
        const identity = newId()
        const token = "t".repeat(4096)
        const register = (deviceId: string, token: string) =>
          Effect.runPromise(store.registerDevice(pool, identity, { deviceId, platform: "GCM", token }, 20))
        expect(await register("d1", token)).toEqual({ _tag: "Registered", deviceId: "d1" })
        const keys = await keysUnder(raw, prefix)
        const devices = keys.find((key) => key.endsWith(":devices"))!
        const base = devices.slice(0, -":devices".length)
        const digests = await raw.hGetAll(`${base}:digests`)
        expect(Object.values(digests)).toEqual(["d1"])
        for (const field of Object.keys(digests)) expect(field).toMatch(/^[0-9a-f]{40}$/)
        // the token is in the devices hash only
        for (const key of keys.filter((key) => key !== devices)) {
          const type = await raw.type(key)
          const text = type === "hash" ? JSON.stringify(await raw.hGetAll(key)) : type === "string" ? String(await raw.get(key)) : ""
          expect(text.includes(token), key).toBe(false)
        }
        // a device of the older layout, indexed by its whole [platform, token]
        await raw.hSet(devices, "old", JSON.stringify(["GCM", "legacy"]))
        await raw.hSet(`${base}:tokens`, JSON.stringify(["GCM", "legacy"]), "old")
        expect(await register("d2", "legacy")).toEqual({ _tag: "Registered", deviceId: "old" })
        expect(await raw.exists(`${base}:tokens`)).toBe(0)
        expect(Object.values(await raw.hGetAll(`${base}:digests`)).sort()).toEqual(["d1", "old"])
        expect(await register("d3", "legacy")).toEqual({ _tag: "Registered", deviceId: "old" })
      }))

    it("what a deletion leaves: a head and a list of consumed sessions of the same bytes whatever the dataset held, and no other key, for 100 or 300 datasets", () =>
      withCase(async (store, raw, prefix) => {
        const pool = newId()
        const identity = newId()
        const ref = (n: number) => ({ identityPoolId: pool, identityId: identity, datasetName: `d${String(n).padStart(3, "0")}` })
        await Effect.runPromise(store.registerDevice(pool, identity, { deviceId: "d1", platform: "GCM", token: "t" }, 20))
        const deletedAt = Date.now()
        // datasets of different histories: record counts, value sizes, tombstones, writers
        const cycle = (n: number) =>
          Effect.gen(function*() {
            const keys = Array.from({ length: n % 7 + 1 }, (_, k) => `k${k}`)
            yield* store.commit({
              ...commitOf(ref(n), "k0", 0),
              conditions: keys.map((key) => ({ key, syncCount: 0 })),
              writes: keys.map((key) => ({ key, value: "v".repeat(50 * (n % 4)) })),
              modifiedBy: "w".repeat(n % 9 + 1)
            })
            yield* store.commit({ ...commitOf(ref(n), "k0", 1, null), modifiedBy: "x".repeat(n % 5 + 1) })
            yield* store.subscribe(ref(n), "d1")
            yield* store.deleteDataset(ref(n), deletedAt)
          })
        const heads = (await keysUnder(raw, prefix)).find((key) => key.endsWith(":heads"))!
        const left = async (count: number) => {
          const sizes = new Set<number>()
          for (let n = 0; n < count; n++) {
            const name = ref(n).datasetName
            sizes.add(Number(await raw.hStrLen(heads, `h${name}`)) + Number(await raw.strLen(heads.replace(/heads$/, `u:${name}`))))
          }
          const others = (await keysUnder(raw, prefix)).filter((key) => /\}:[rcs]:/.test(key))
          return { sizes: [...sizes], others }
        }
        for (let n = 0; n < 100; n++) await Effect.runPromise(cycle(n))
        const hundred = await left(100)
        for (let n = 100; n < 300; n++) await Effect.runPromise(cycle(n))
        const threeHundred = await left(300)
        expect(hundred.sizes).toHaveLength(1)
        expect(threeHundred.sizes).toEqual(hundred.sizes)
        expect(threeHundred.others).toEqual([])
        // a head line and two consumed sessions, nothing of the records
        expect(hundred.sizes[0]).toBeLessThan(200)
      }), 60_000)

    it("a commit appends its consumed session to the dataset's list, which is written anew once its dropped part passes 1024 bytes", () =>
      withCase(async (store, raw, prefix) => {
        const pool = newId()
        const identity = newId()
        const ref = { identityPoolId: pool, identityId: identity, datasetName: "settings" }
        const list = `${prefix}:{${pool}|${identity}}:u:settings`
        const start = Date.now() + 60_000
        const sessions: Array<{ id: string; expiresAt: number }> = []
        let length = 0
        let longest = 0
        const grown: Array<"appended" | "rewritten"> = []
        for (let n = 0; n < 160; n++) {
          // in expiry order at first, then every tenth expiring before the one consumed just before it
          const session = { id: `session-${n}`, expiresAt: start + 10 * n - (n > 130 && n % 10 === 9 ? 15 : 0) }
          sessions.push(session)
          const result = await Effect.runPromise(store.commit({ ...commitOf(ref, `k${n}`, 0), session }))
          expect(result._tag).toBe("Committed")
          const now = Number(await raw.strLen(list))
          grown.push(now === length + `\n${session.id}\t${session.expiresAt}`.length ? "appended" : "rewritten")
          length = now
          longest = Math.max(longest, now)
        }
        // appended but for the first, the compactions and those out of order
        expect(grown.slice(1, 131).filter((how) => how === "rewritten").length).toBeGreaterThanOrEqual(1)
        expect(grown.slice(1, 131).filter((how) => how === "rewritten").length).toBeLessThanOrEqual(3)
        expect(grown.slice(131).filter((how) => how === "rewritten").length).toBeGreaterThanOrEqual(3)
        expect(longest).toBeLessThan(1024 + 66 * `\nsession-159\t${start + 1590}`.length)
        const byExpiry = [...sessions].sort((a, b) => a.expiresAt - b.expiresAt)
        const { head } = await Effect.runPromise(store.readDataset(ref, { since: 0 }))
        expect(head?.consumedSessions).toEqual({ floor: byExpiry[byExpiry.length - 65]!.expiresAt, sessions: byExpiry.slice(-64) })
        expect((await Effect.runPromise(store.listDatasets(pool, identity)))[0]?.consumedSessions).toEqual(head?.consumedSessions)
      }))

    it("consumed sessions longer than a commit's first read of the list: the commit reads on, the expired and the oldest past the cap go", () =>
      withCase(async (store) => {
        const pool = newId()
        const identity = newId()
        const ref = { identityPoolId: pool, identityId: identity, datasetName: "long" }
        const now = Date.now()
        const commit = (session: { id: string; expiresAt: number }, at = now) =>
          Effect.runPromise(store.commit({ ...commitOf(ref, "k", 0), conditions: [], session, now: at }))
        // two short-lived sessions first, then ids of 300 characters, each entry longer than the first read
        const expiring = [{ id: "soon-1", expiresAt: now + 1_000 }, { id: "soon-2", expiresAt: now + 2_000 }]
        for (const session of expiring) expect((await commit(session))._tag).toBe("Committed")
        const long = Array.from({ length: 70 }, (_, n) => ({ id: `${"x".repeat(296)}${String(n).padStart(4, "0")}`, expiresAt: now + 60_000 + n }))
        for (const session of long) expect((await commit(session, now + 5_000))._tag).toBe("Committed")
        const { head } = await Effect.runPromise(store.readDataset(ref, { since: 0 }))
        expect(head?.consumedSessions).toEqual({ floor: long[5]!.expiresAt, sessions: long.slice(6) })
        expect((await commit(long[6]!, now + 5_000))._tag).toBe("SessionUsed")
        expect((await commit(long[69]!, now + 5_000))._tag).toBe("SessionUsed")
        expect((await commit(long[5]!, now + 5_000))._tag).toBe("SessionForgotten")
        // and one expiring before the last listed: placed in expiry order, the list read whole
        const early = { id: `${"y".repeat(300)}`, expiresAt: now + 60_010 }
        expect((await commit(early, now + 5_000))._tag).toBe("Committed")
        const after = (await Effect.runPromise(store.readDataset(ref, { since: 0 }))).head?.consumedSessions
        expect(after?.sessions.map((session) => session.expiresAt)).toEqual([...long.slice(7, 10), early, ...long.slice(10)].map((session) => session.expiresAt))
        expect(after?.floor).toBe(long[6]!.expiresAt)
      }))

    it("a dataset written in the older layout (its consumed sessions in one field) is read, committed to and read again", () =>
      withCase(async (store, raw, prefix) => {
        const pool = newId()
        const identity = newId()
        const ref = { identityPoolId: pool, identityId: identity, datasetName: "settings" }
        const base = `${prefix}:{${pool}|${identity}}`
        const soon = Date.now() + 60_000
        const dropped = "\nforgotten\t1700000000001"
        const sessions = [{ id: "s1", expiresAt: soon }, { id: "s\t2", expiresAt: soon + 1 }, { id: "s3", expiresAt: soon + 2 }]
        const record = (key: string, value: string, syncCount: number) =>
          `{"syncCount":${syncCount},"valueBytes":${value.length},"key":"${key}","value":"${value}","lastModifiedDate":1700000400000,"lastModifiedBy":"writer"}`
        await raw.hSet(`${base}:heads`, {
          "": "0",
          hsettings: `1\t3\t1\t1700000000000\t1700000500000\t2\t9\t2\t9\t1700000000005\t3\t${soon + 2}\t${dropped.length + 1}\twriter\\tname`,
          ssettings: `${dropped}\ns1\t${soon}\ns\\t2\t${soon + 1}\ns3\t${soon + 2}`
        })
        await raw.hSet(`${base}:r:settings`, { k1: record("k1", "v1", 2), k2: record("k2", "v2x", 3) })
        await raw.zAdd(`${base}:c:settings`, [{ score: 2, value: "k1" }, { score: 3, value: "k2" }])
        await raw.sAdd(`${base}:live`, "settings")
        const read = () => Effect.runPromise(store.readDataset(ref, { since: 0 }))

        const before = await read()
        expect(before.head).toMatchObject({
          exists: true,
          syncCount: 3,
          lastDeletionCount: 1,
          creationDate: 1700000000000,
          lastModifiedDate: 1700000500000,
          lastModifiedBy: "writer\tname",
          numRecords: 2,
          dataStorage: 9,
          entries: 2,
          entryBytes: 9
        })
        expect(before.head?.consumedSessions).toEqual({ floor: 1700000000005, sessions })
        expect(before.records.map((r) => [r.key, r.value, r.syncCount])).toEqual([["k1", "v1", 2], ["k2", "v2x", 3]])

        const commit = (session: { id: string; expiresAt: number }) =>
          Effect.runPromise(store.commit({ ...commitOf(ref, "k1", 2, "new"), session, now: 1700000600000 }))
        expect((await commit(sessions[1]!))._tag).toBe("SessionUsed")
        const committed = await commit({ id: "s4", expiresAt: soon + 3 })
        expect(committed).toMatchObject({ _tag: "Committed", head: { syncCount: 4, numRecords: 2, dataStorage: 10, entryBytes: 10 } })

        const after = await read()
        expect(after.head).toMatchObject({
          syncCount: 4,
          lastDeletionCount: 1,
          creationDate: 1700000000000,
          lastModifiedDate: 1700000600000,
          lastModifiedBy: "test",
          dataStorage: 10
        })
        expect(after.head?.consumedSessions).toEqual({ floor: 1700000000005, sessions: [...sessions, { id: "s4", expiresAt: soon + 3 }] })
        expect(after.records.map((r) => [r.key, r.value, r.syncCount])).toEqual([["k1", "new", 4], ["k2", "v2x", 3]])
        expect((await commit(sessions[2]!))._tag).toBe("SessionUsed")
        expect((await commit({ id: "s4", expiresAt: soon + 3 }))._tag).toBe("SessionUsed")
        expect((await Effect.runPromise(store.listDatasets(pool, identity))).map((head) => head.consumedSessions.sessions.length)).toEqual([4])
        // moved by the commit to a string of their own
        expect((await raw.hKeys(`${base}:heads`)).sort()).toEqual(["", "hsettings"])
        expect(await raw.get(`${base}:u:settings`)).toBe(`\ns1\t${soon}\ns\\t2\t${soon + 1}\ns3\t${soon + 2}\ns4\t${soon + 3}`)
      }))

    it("a dataset of the layout of two fields of consumed sessions is read, listed, deleted and committed to, its sessions moved to a string of their own", () =>
      withCase(async (store, raw, prefix) => {
        const pool = newId()
        const identity = newId()
        const ref = { identityPoolId: pool, identityId: identity, datasetName: "notes" }
        const base = `${prefix}:{${pool}|${identity}}`
        const soon = Date.now() + 60_000
        const dropped = "\nforgotten\t1700000000001"
        const older = `${dropped}\nexpired\t1700000000002\ns1\t${soon}`
        const newer = `\ns2\t${soon + 1}`
        const sessions = [{ id: "expired", expiresAt: 1700000000002 }, { id: "s1", expiresAt: soon }, { id: "s2", expiresAt: soon + 1 }]
        await raw.hSet(`${base}:heads`, {
          "": "0",
          hnotes: `1\t2\t0\t1700000000000\t1700000500000\t1\t4\t1\t4\t1700000000001\t3\t${soon + 1}\t${dropped.length + 1}\twriter`,
          snotes: older,
          tnotes: newer
        })
        await raw.hSet(`${base}:r:notes`, { k: `{"syncCount":2,"valueBytes":3,"key":"k","value":"v12","lastModifiedDate":1700000400000,"lastModifiedBy":"writer"}` })
        await raw.zAdd(`${base}:c:notes`, [{ score: 2, value: "k" }])
        await raw.sAdd(`${base}:live`, "notes")
        const read = () => Effect.runPromise(store.readDataset(ref, { since: 0 }))

        expect((await read()).head?.consumedSessions).toEqual({ floor: 1700000000001, sessions })
        expect((await Effect.runPromise(store.listDatasets(pool, identity)))[0]?.consumedSessions).toEqual({ floor: 1700000000001, sessions })
        expect((await raw.hKeys(`${base}:heads`)).sort()).toEqual(["", "hnotes", "snotes", "tnotes"])

        // a deletion keeps the sessions not yet expired, in the string of its own
        const deleted = await Effect.runPromise(store.deleteDataset(ref, Date.now()))
        expect(deleted?.consumedSessions).toEqual({ floor: 1700000000001, sessions })
        expect((await raw.hKeys(`${base}:heads`)).sort()).toEqual(["", "hnotes"])
        expect(await raw.get(`${base}:u:notes`)).toBe(`\ns1\t${soon}${newer}`)
        const commit = (session: { id: string; expiresAt: number }) =>
          Effect.runPromise(store.commit({ ...commitOf(ref, "k", 0, "again"), session }))
        expect((await commit({ id: "s2", expiresAt: soon + 1 }))._tag).toBe("SessionUsed")
        expect((await commit({ id: "s3", expiresAt: soon + 2 }))._tag).toBe("Committed")
        expect((await read()).head?.consumedSessions).toEqual({ floor: 1700000000001, sessions: [...sessions.slice(1), { id: "s3", expiresAt: soon + 2 }] })

        // a commit moves them too, its session placed in expiry order
        await raw.del(`${base}:u:notes`)
        await raw.hSet(`${base}:heads`, { hnotes: `1\t5\t0\t1700000000000\t1700000500000\t1\t4\t1\t4\t1700000000001\t3\t${soon + 1}\t${dropped.length + 1}\twriter`, snotes: older, tnotes: newer })
        await raw.hSet(`${base}:r:notes`, { k: `{"syncCount":5,"valueBytes":3,"key":"k","value":"v12","lastModifiedDate":1700000400000,"lastModifiedBy":"writer"}` })
        expect((await Effect.runPromise(store.commit({ ...commitOf(ref, "k", 5, "moved"), session: { id: "s0", expiresAt: soon - 1 } })))._tag).toBe("Committed")
        expect((await raw.hKeys(`${base}:heads`)).sort()).toEqual(["", "hnotes"])
        expect((await read()).head?.consumedSessions.sessions.map((session) => session.id)).toEqual(["s0", "s1", "s2"])
      }))

    it("ids holding braces, bars and percent signs still make one tag per identity and distinct keys", async () => {
      const prefix = casePrefix()
      const { close, store } = await open({ redis: redis.url, prefix })
      const raw = await rawClient(redis.url)
      try {
        const pools = ["p|x", "p", "p}{%7C"]
        const identities = ["i", "x|i", "i}"]
        for (const [n, pool] of pools.entries()) {
          const ref = { identityPoolId: pool, identityId: identities[n]!, datasetName: "d" }
          expect((await Effect.runPromise(store.commit(commitOf(ref, "k", 0, pool))))._tag).toBe("Committed")
        }
        for (const [n, pool] of pools.entries()) {
          const view = await Effect.runPromise(store.readDataset({ identityPoolId: pool, identityId: identities[n]!, datasetName: "d" }, { since: 0 }))
          expect(view.records.map((record) => record.value)).toEqual([pool])
        }
        for (const key of await keysUnder(raw, prefix)) {
          const open = key.indexOf("{")
          if (open === -1) continue
          expect(key.slice(open + 1, key.indexOf("}")).includes("{")).toBe(false)
        }
      } finally {
        raw.destroy()
        await close()
      }
    })
  })

  describe("foreign and corrupt values", () => {
    /** Writes one of everything, and answers the keys written. */
    const setUp = async (raw: RawClient) => {
      const prefix = casePrefix()
      const { close, store } = await open({ redis: redis.url, prefix })
      const pool = newId()
      const identity = newId()
      const ref = { identityPoolId: pool, identityId: identity, datasetName: "settings" }
      const merged = `settings.${newId()}`
      await Effect.runPromise(Effect.gen(function*() {
        expect((yield* store.commit(commitOf(ref, "k", 0)))._tag).toBe("Committed")
        expect((yield* store.commit(commitOf(ref, "gone", 0, null)))._tag).toBe("Committed")
        expect((yield* store.commit(commitOf({ ...ref, datasetName: merged }, "k", 0)))._tag).toBe("Committed")
        yield* store.updatePool(pool, (state) => Either.right({ ...state, events: { SyncTrigger: "arn" } }))
        yield* store.registerDevice(pool, identity, { deviceId: "d1", platform: "GCM", token: "t1" }, 20)
        yield* store.subscribe(ref, "d1")
        yield* store.countSessions(pool, 1)
      }))
      return { close, keys: await keysUnder(raw, prefix), pool, identity, ref, merged, store }
    }

    /** Every operation of the port, each as an Exit: reads first, writes last. */
    const everything = (store: SyncStore.SyncStoreShape, ref: SyncStore.DatasetRef, merged: string) => {
      const { identityId: identity, identityPoolId: pool } = ref
      return Effect.all([
        store.readDataset(ref, { since: 0 }),
        store.readDataset({ ...ref, datasetName: merged }, { since: 0 }),
        store.listDatasets(pool, identity),
        store.poolDatasets(pool),
        store.readPool(pool),
        store.identityUsage(pool, identity),
        store.poolUsage(pool),
        store.listPoolUsage(undefined, 10),
        store.subscribers(ref),
        store.commit(commitOf(ref, "k", 1)),
        store.commit(commitOf({ ...ref, datasetName: "new" }, "k", 0)),
        store.updatePool(pool, (state) => Either.right(state)),
        store.registerDevice(pool, identity, { deviceId: "d2", platform: "GCM", token: "t2" }, 20),
        store.subscribe(ref, "d1"),
        store.unsubscribe({ ...ref, datasetName: "other" }, "d1"),
        store.countSessions(pool, 1),
        store.deleteDataset(ref, Date.now())
      ].map((effect) => Effect.exit(effect as Effect.Effect<unknown, unknown>)))
    }

    /** Foreign values for a key of this type, each as a function replacing what is there. */
    const corruptions = async (raw: RawClient, key: string) => {
      const type = await raw.type(key)
      const list: Array<[string, () => Promise<unknown>]> = [
        ["a foreign string", async () => {
          await raw.del(key)
          await raw.set(key, "not ours")
        }],
        ["a foreign list", async () => {
          await raw.del(key)
          await raw.rPush(key, ["not", "ours"])
        }]
      ]
      if (type === "hash") {
        for (const field of await raw.hKeys(key)) {
          list.push([`field ${JSON.stringify(field)} holding garbage`, () => raw.hSet(key, field, "{not json\tat all")])
        }
      }
      // an index of a dataset's changes listing a key the dataset does not have
      if (type === "zset" && key.includes("}:c:")) {
        list.push(["a member naming no record", () => raw.zAdd(key, { score: 1e9, value: "ghost" })])
      }
      return list
    }

    it("each of the store's keys holding a foreign value: a StorageError naming the key, never a crash", async () => {
      const raw = await rawClient(redis.url)
      try {
        const { close, keys } = await setUp(raw)
        await close()
        expect(keys.length).toBeGreaterThan(10)
        let checked = 0
        for (let i = 0; i < keys.length; i++) {
          const kinds = await corruptions(raw, keys[i]!)
          for (let k = 0; k < kinds.length; k++) {
            const fresh = await setUp(raw)
            // setUp is deterministic but for its ids: the same key, by position
            const target = fresh.keys.sort()[[...keys].sort().indexOf(keys[i]!)]!
            const [what, corrupt] = (await corruptions(raw, target))[k]!
            await corrupt()
            const exits = await Effect.runPromise(everything(fresh.store, fresh.ref, fresh.merged))
            const failures = exits.flatMap((exit) => (Exit.isFailure(exit) ? [exit.cause] : []))
            for (const cause of failures) {
              expect(Cause.isDie(cause), `${what} under ${target}: ${Cause.pretty(cause)}`).toBe(false)
              const error = Cause.failureOption(cause)
              expect(error._tag === "Some" && error.value, `${what} under ${target}`).toBeInstanceOf(SyncStore.StorageError)
              const storageError = (error as { value: SyncStore.StorageError }).value
              expect(storageError.key, `${what} under ${target}: ${storageError.message}`).toBe(target)
              expect(storageError.message).toContain(target)
            }
            // a token index holding another device id is still a device id: nothing to notice there
            if (!(target.endsWith(":digests") && what.startsWith("field"))) {
              expect(failures.length, `no operation noticed ${what} under ${target}`).toBeGreaterThan(0)
            }
            checked++
            await fresh.close()
          }
        }
        expect(checked).toBeGreaterThan(20)
      } finally {
        raw.destroy()
      }
    }, 300_000)

    it("a head whose last consumed session's expiry does not read: a commit and a deletion fail naming the heads key, writing nothing", async () => {
      const raw = await rawClient(redis.url)
      try {
        const { close, keys, ref, store } = await setUp(raw)
        const heads = keys.find((key) => key.endsWith(":heads"))!
        // a head's line, under "h" and the dataset's name: ..., floor, count, last, start, lastModifiedBy
        const field = `h${ref.datasetName}`
        const fields = (await raw.hGet(heads, field))!.split("\t")
        expect(Number(fields[10])).toBeGreaterThan(0)
        fields[11] = "soon"
        const corrupt = fields.join("\t")
        await raw.hSet(heads, field, corrupt)
        for (const operation of [store.commit(commitOf(ref, "k", 1)), store.deleteDataset(ref, Date.now())] as Array<Effect.Effect<unknown, SyncStore.StorageError>>) {
          const exit = await Effect.runPromiseExit(operation)
          expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject({ value: { key: heads } })
          expect(await raw.hGet(heads, field)).toBe(corrupt)
        }
        await close()
      } finally {
        raw.destroy()
      }
    })

    it("a commit stopped by a foreign value writes nothing", async () => {
      const raw = await rawClient(redis.url)
      try {
        const { close, keys, ref, store } = await setUp(raw)
        const changes = keys.find((key) => key.endsWith(`:c:${ref.datasetName}`))!
        const before = await Effect.runPromise(store.readDataset(ref, { since: 0 }))
        const snapshot = async () => {
          const heads = keys.find((key) => key.endsWith(":heads"))!
          const records = keys.find((key) => key.endsWith(`:r:${ref.datasetName}`))!
          return { heads: await raw.hGetAll(heads), records: await raw.hGetAll(records) }
        }
        const stored = await snapshot()
        await raw.del(changes)
        await raw.set(changes, "not ours")
        const exit = await Effect.runPromiseExit(store.commit(commitOf(ref, "k", before.records.find((r) => r.key === "k")!.syncCount, "new")))
        expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject({ value: { key: changes } })
        expect(await snapshot()).toEqual(stored)
        await close()
      } finally {
        raw.destroy()
      }
    })
  })
})
