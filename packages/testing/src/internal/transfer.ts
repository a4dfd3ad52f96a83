/**
 * The storage suite's cases of `scan` and `restore`: a store's whole content read in pages of
 * any size, each item whole, and written back to give the same store again, twice over.
 */
import { randomUUID } from "node:crypto"
import { Effect, Either, type Scope } from "effect"
import { expect } from "vitest"
import type { SyncSessionToken, SyncStore } from "@syncalite/core"

type Store = SyncStore.SyncStoreShape
type DatasetRef = SyncStore.DatasetRef
type StoreItem = SyncStore.StoreItem

/** The suite's environment, which every case gets. */
export interface TransferEnv {
  readonly store: Store
  /** the instances racing writers are spread over: two when the store is cross-process */
  readonly stores: ReadonlyArray<Store>
  readonly pool: string
  readonly identity: string
  readonly ref: (datasetName: string, identityId?: string, identityPoolId?: string) => DatasetRef
  /** a strictly increasing clock, in epoch milliseconds */
  readonly now: () => number
  /** a new session, expiring `lifetime` ms after the current time (a day by default) */
  readonly session: (lifetime?: number) => SyncSessionToken.SyncSession
}

export interface TransferTools<Env extends TransferEnv> {
  readonly test: (title: string, body: (env: Env) => Effect.Effect<void, unknown, Scope.Scope>) => void
  /** a commit that must succeed, with the conditions the store holds */
  readonly put: (
    env: Env,
    ref: DatasetRef,
    writes: { readonly [key: string]: string | null },
    options?: { readonly session?: SyncSessionToken.SyncSession; readonly deviceDates?: { readonly [key: string]: number } }
  ) => Effect.Effect<unknown, unknown>
}

/** Every item of a store, read in pages of `limit`. */
const scanAll = (store: Store, limit: number) =>
  Effect.gen(function*() {
    const items: Array<StoreItem> = []
    let position: string | undefined
    let pages = 0
    do {
      const page = yield* store.scan(position, limit)
      items.push(...page.items)
      position = page.next
      pages++
    } while (position !== undefined)
    return { items, pages }
  })

/** The items of one pool: its pool item first, then its identities by id (stores scan identities in orders of their own). */
const ofPool = (items: ReadonlyArray<StoreItem>, pool: string) =>
  items.filter((item) => item.identityPoolId === pool).sort((a, b) => {
    const [x, y] = [a._tag === "Pool" ? "" : a.identityId, b._tag === "Pool" ? "" : b.identityId]
    return x < y ? -1 : x > y ? 1 : 0
  })

/** An item moved to another pool, as a store holding the same content under other ids would answer it. */
const inPool = (item: StoreItem, identityPoolId: string): StoreItem => ({ ...item, identityPoolId })

/** Pools, identities with datasets (live, deleted, tombstones, device dates), devices and subscriptions. */
const fill = <Env extends TransferEnv>(env: Env, put: TransferTools<Env>["put"]) =>
  Effect.gen(function*() {
    const other = `us-east-1:${randomUUID()}`
    yield* env.store.updatePool(env.pool, (state) =>
      Either.right({ ...state, events: { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:sync" }, lastModifiedDate: 1000 }))
    for (let i = 0; i < 3; i++) yield* env.store.countSessions(env.pool, 1)
    const spent = env.session()
    yield* put(env, env.ref("notes"), { a: "1", b: "deux", "c\u00e9": "3" }, { session: spent, deviceDates: { a: 42 } })
    yield* put(env, env.ref("notes"), { b: null, d: "\u{1F600}" })
    yield* put(env, env.ref("gone"), { x: "1" })
    yield* env.store.deleteDataset(env.ref("gone"), env.now())
    yield* put(env, env.ref("notes", other), { only: "one" })
    yield* env.store.registerDevice(env.pool, env.identity, { deviceId: "device-1", platform: "GCM", token: "t1" }, 20)
    yield* env.store.registerDevice(env.pool, env.identity, { deviceId: "device-2", platform: "APNS", token: "t2" }, 20)
    yield* env.store.subscribe(env.ref("notes"), "device-2")
    yield* env.store.subscribe(env.ref("notes"), "device-1")
    return { other, spent }
  })

/** What the port answers of a pool's content, through its ordinary reads. */
const observe = (store: Store, pool: string, identities: ReadonlyArray<string>) =>
  Effect.forEach(identities, (identity) =>
    Effect.gen(function*() {
      const ref = (datasetName: string) => ({ identityPoolId: pool, identityId: identity, datasetName })
      const datasets = yield* store.listDatasets(pool, identity)
      const views = yield* Effect.forEach(["notes", "gone"], (name) => store.readDataset(ref(name), { since: 0 }))
      return {
        datasets,
        views: views.map(({ head, ...view }) => ({ ...view, head: head && { ...head, consumedSessions: head.consumedSessions } })),
        subscribers: [...(yield* store.subscribers(ref("notes")))].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)),
        usage: yield* store.identityUsage(pool, identity)
      }
    })).pipe(
      Effect.zip(Effect.all([store.readPool(pool), Effect.map(store.poolUsage(pool), (usage) => usage?.syncSessionsCount)]))
    )

export const cases = <Env extends TransferEnv>({ put, test }: TransferTools<Env>): void => {
  test("scan answers every pool and identity once, whole, whatever the page size", (env) =>
    Effect.gen(function*() {
      const { other } = yield* fill(env, put)
      const small = yield* scanAll(env.store, 2)
      const large = yield* scanAll(env.store, 1000)
      expect(ofPool(small.items, env.pool)).toEqual(ofPool(large.items, env.pool))
      const items = ofPool(large.items, env.pool)
      expect(items.map((item) => item._tag === "Pool" ? "Pool" : item.identityId).sort()).toEqual(
        ["Pool", env.identity, other].sort()
      )
      const tags = large.items.map((item) => item._tag)
      expect(tags.indexOf("Identity") === -1 || tags.lastIndexOf("Pool") < tags.indexOf("Identity"), "pools come first").toBe(true)
      expect(items.find((item) => item._tag === "Pool")).toEqual({
        _tag: "Pool",
        identityPoolId: env.pool,
        configuration: yield* env.store.readPool(env.pool),
        syncSessionsCount: 3
      })
      const mine = items.find((item) => item._tag === "Identity" && item.identityId === env.identity)
      assertIdentity(mine)
      expect(mine.datasets.map(({ head }) => [head.name, head.exists])).toEqual([["gone", false], ["notes", true]])
      const notes = yield* env.store.readDataset(env.ref("notes"), { since: 0 })
      expect(mine.datasets[1]!.records).toEqual(notes.records)
      expect(mine.datasets[1]!.records.map((record) => [record.key, record.value])).toEqual([
        ["a", "1"],
        ["b", null],
        ["c\u00e9", "3"],
        ["d", "\u{1F600}"]
      ])
      expect({ ...mine.datasets[1]!.head, consumedSessions: mine.datasets[1]!.head.consumedSessions }).toEqual({
        ...notes.head,
        consumedSessions: notes.head!.consumedSessions
      })
      expect(mine.datasets[0]!.records).toEqual([])
      expect(mine.datasets[0]!.head).toMatchObject({ exists: false, lastDeletionCount: 1, syncCount: 1 })
      expect(mine.devices).toEqual([
        { deviceId: "device-1", platform: "GCM", token: "t1" },
        { deviceId: "device-2", platform: "APNS", token: "t2" }
      ])
      expect(mine.subscriptions).toEqual([{ datasetName: "notes", deviceIds: ["device-1", "device-2"] }])
    }))

  test("restore writes back the same store, sync counts and spent sessions included, and again to the same", (env) =>
    Effect.gen(function*() {
      const { other, spent } = yield* fill(env, put)
      const items = ofPool((yield* scanAll(env.store, 1000)).items, env.pool)
      const copy = `us-east-1:${randomUUID()}`
      const target = env.stores[env.stores.length - 1]!
      yield* target.restore(items.map((item) => inPool(item, copy)))
      const once = ofPool((yield* scanAll(target, 1000)).items, copy)
      yield* target.restore(items.map((item) => inPool(item, copy)))
      const twice = ofPool((yield* scanAll(target, 1000)).items, copy)
      expect(once).toEqual(items.map((item) => inPool(item, copy)))
      expect(twice).toEqual(once)
      expect(yield* observe(target, copy, [env.identity, other])).toEqual(yield* observe(env.store, env.pool, [env.identity, other]))
      // the copy goes on where the original is: the next sync count, and the spent session still spent
      const ref = env.ref("notes", env.identity, copy)
      const refused = yield* target.commit({
        ref,
        session: spent,
        conditions: [{ key: "e", syncCount: 0 }],
        writes: [{ key: "e", value: "5" }],
        modifiedBy: "writer",
        now: env.now(),
        limits: { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }
      })
      expect(refused).toEqual({ _tag: "SessionUsed" })
      yield* put(env, ref, { e: "5" })
      expect((yield* target.readDataset(ref, { since: 2 })).records.map((record) => [record.key, record.syncCount])).toEqual([["e", 3]])
      expect(yield* target.registerDevice(copy, env.identity, { deviceId: "new", platform: "APNS", token: "t2" }, 20)).toEqual({ _tag: "Registered", deviceId: "device-2" })
    }))

  test("a restored dataset is the item's, whatever the target held of it; other datasets stay", (env) =>
    Effect.gen(function*() {
      yield* put(env, env.ref("kept"), { k: "v" })
      yield* put(env, env.ref("replaced"), { old: "1", older: "2" })
      yield* put(env, env.ref("replaced"), { old: "3" })
      const head: SyncStore.DatasetHead = {
        name: "replaced",
        exists: true,
        syncCount: 7,
        lastDeletionCount: 0,
        creationDate: 5000,
        lastModifiedDate: 6000,
        lastModifiedBy: "restorer",
        numRecords: 1,
        dataStorage: 4,
        entries: 1,
        entryBytes: 4,
        consumedSessions: { floor: 0, sessions: [] }
      }
      const record = { key: "new", value: "1", syncCount: 7, lastModifiedDate: 6000, lastModifiedBy: "restorer" }
      yield* env.store.restore([{
        _tag: "Identity",
        identityPoolId: env.pool,
        identityId: env.identity,
        datasets: [{ head, records: [record] }],
        devices: [],
        subscriptions: []
      }])
      const view = yield* env.store.readDataset(env.ref("replaced"), { since: 0 })
      expect(view.records).toEqual([record])
      expect(view.head).toMatchObject({ syncCount: 7, numRecords: 1, lastModifiedBy: "restorer" })
      expect((yield* env.store.listDatasets(env.pool, env.identity)).map((dataset) => dataset.name)).toEqual(["kept", "replaced"])
    }))

  test("restore keeps datasets, keys, devices and subscriptions named as JavaScript object members", (env) =>
    Effect.gen(function*() {
      const names = ["__proto__", "constructor", "toString"]
      const device = { deviceId: "__proto__", platform: "GCM", token: "t-proto" }
      yield* env.store.registerDevice(env.pool, env.identity, device, 20)
      for (const name of names) {
        yield* put(env, env.ref(name), Object.fromEntries([[name, name]]))
        yield* env.store.subscribe(env.ref(name), device.deviceId)
      }
      const items = ofPool((yield* scanAll(env.store, 1000)).items, env.pool)
      const copy = `us-east-1:${randomUUID()}`
      const target = env.stores[env.stores.length - 1]!
      yield* target.restore(items.map((item) => inPool(item, copy)))
      expect((yield* target.listDatasets(copy, env.identity)).map((head) => head.name)).toEqual([...names].sort())
      for (const name of names) {
        const ref = env.ref(name, env.identity, copy)
        expect((yield* target.readDataset(ref, { since: 0 })).records.map((record) => [record.key, record.value])).toEqual([[name, name]])
        expect(yield* target.subscribers(ref)).toEqual([device])
      }
    }))

  test("a scan resumes from any position it answered; a position it did not answer is a StorageError", (env) =>
    Effect.gen(function*() {
      yield* fill(env, put)
      const whole = (yield* scanAll(env.store, 1000)).items
      const first = yield* env.store.scan(undefined, 1)
      const rest = yield* scanAll({ ...env.store, scan: (position, limit) => env.store.scan(position ?? first.next, limit) }, 3)
      expect([...first.items, ...rest.items]).toEqual(whole)
      const refused = yield* Effect.either(env.store.scan("not a position", 10))
      expect(Either.isLeft(refused) && refused.left._tag).toBe("StorageError")
    }))
}

function assertIdentity(item: StoreItem | undefined): asserts item is SyncStore.IdentityItem {
  expect(item?._tag).toBe("Identity")
}
