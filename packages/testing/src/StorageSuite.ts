/**
 * The storage conformance suite: every `SyncStore` adapter proves itself by running it with one
 * call. It registers vitest `describe`/`it` blocks that exercise the whole port — reads and
 * paging, every commit outcome and limit, sync counts across deletions, sessions, pools, devices,
 * usage, a scan of the whole store and its restore — and races many writers against one dataset.
 *
 * Each test works on fresh random pool and identity ids, so a store may be shared between tests
 * (and between runs): the suite never clears anything.
 *
 * @example
 * ```ts
 * import { SyncStore } from "@syncalite/core"
 * import { StorageSuite } from "@syncalite/testing"
 *
 * StorageSuite.run("memory", { make: SyncStore.layerMemory })
 * StorageSuite.run("my store", {
 *   make: async () => ({ store: await connect(), close: () => disconnect() }),
 *   capabilities: { crossProcess: true }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Cause, Effect, Either, Exit, Layer, type Scope } from "effect"
import { assert, describe, expect, it } from "vitest"
import { SyncSessionToken, SyncStore } from "@syncalite/core"
import * as transfer from "./internal/transfer.js"
import { acquireStore } from "./internal/instances.js"

type SyncStoreShape = SyncStore.SyncStoreShape
type DatasetRef = SyncStore.DatasetRef
type CommitResult = SyncStore.CommitResult
type DatasetCommit = SyncStore.DatasetCommit
type PoolState = SyncStore.PoolState
type SyncSession = SyncSessionToken.SyncSession
type Committed = Extract<CommitResult, { readonly _tag: "Committed" }>
type Limits = DatasetCommit["limits"]

/**
 * What an adapter can do beyond the contract every store meets.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /**
   * Two instances from two calls of `make` share one state, as two processes over one backend
   * would: the suite then spreads its racing writers over two instances and checks that what one
   * writes the other reads.
   */
  readonly crossProcess?: boolean
}

/**
 * One store instance, and how to release it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Instance {
  readonly store: SyncStoreShape
  readonly close?: () => Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** a new store instance: a factory, or a layer built once per test in the test's scope */
  readonly make: (() => Promise<Instance>) | Layer.Layer<SyncStore.SyncStore, unknown>
  readonly capabilities?: Capabilities
  /** how many writers race in the concurrency tests; 16 by default */
  readonly contenders?: number
  /** the timeout of each test in milliseconds; 30 000 by default */
  readonly timeout?: number
}

const defaultLimits: Limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }

type Writes = { readonly [key: string]: string | null }
type Conditions = { readonly [key: string]: number } | ReadonlyArray<{ readonly key: string; readonly syncCount: number }>

interface Attempt {
  /** the sync count each key must have; 0 for every written key when absent */
  readonly conditions?: Conditions
  readonly session?: SyncSession
  readonly expectedSyncCount?: number
  readonly limits?: Partial<Limits>
  readonly now?: number
  readonly modifiedBy?: string
  readonly deviceDates?: { readonly [key: string]: number }
  readonly store?: SyncStoreShape
  readonly subscribers?: boolean
}

type Env = transfer.TransferEnv

/** A random id in the shape of Cognito's pool and identity ids. */
const newId = (): string => `us-east-1:${randomUUID()}`

const acquire = (make: Options["make"]) => acquireStore(make, SyncStore.SyncStore)

const environment = (options: Options): Effect.Effect<Env, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* acquire(options.make)
    const stores = options.capabilities?.crossProcess === true ? [store, yield* acquire(options.make)] : [store]
    const pool = newId()
    const identity = newId()
    let clock = Date.now()
    return {
      store,
      stores,
      pool,
      identity,
      ref: (datasetName, identityId = identity, identityPoolId = pool) => ({ identityPoolId, identityId, datasetName }),
      now: () => (clock += 1000),
      session: (lifetime = 24 * 3600 * 1000) => ({ id: randomUUID(), expiresAt: clock + lifetime })
    }
  })

/** Runs an Effect test body; a failed assertion surfaces as itself, with its diff. */
const runBody = async (effect: Effect.Effect<void, unknown>): Promise<void> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
}

const conditionList = (conditions: Conditions): DatasetCommit["conditions"] =>
  Array.isArray(conditions)
    ? conditions as DatasetCommit["conditions"]
    : Object.entries(conditions).map(([key, syncCount]) => ({ key, syncCount }))

const commitOf = (env: Env, ref: DatasetRef, writes: Writes, attempt: Attempt = {}): DatasetCommit => ({
  ref,
  session: attempt.session ?? env.session(),
  conditions: conditionList(attempt.conditions ?? Object.fromEntries(Object.keys(writes).map((key) => [key, 0]))),
  ...(attempt.expectedSyncCount === undefined ? {} : { expectedSyncCount: attempt.expectedSyncCount }),
  writes: Object.entries(writes).map(([key, value]) => {
    const date = attempt.deviceDates?.[key]
    return date === undefined ? { key, value } : { key, value, deviceLastModifiedDate: date }
  }),
  modifiedBy: attempt.modifiedBy ?? "writer",
  now: attempt.now ?? env.now(),
  limits: { ...defaultLimits, ...attempt.limits },
  ...(attempt.subscribers === undefined ? {} : { subscribers: attempt.subscribers })
})

/** A commit as given, whatever its outcome. */
const attempt = (env: Env, ref: DatasetRef, writes: Writes, options: Attempt = {}) =>
  (options.store ?? env.store).commit(commitOf(env, ref, writes, options))

/** The sync count of each key as the store has it now (0 when absent). */
const currentCounts = (store: SyncStoreShape, ref: DatasetRef, keys: ReadonlyArray<string>) =>
  Effect.map(store.readDataset(ref, { since: 0 }), (view) => {
    const counts: { [key: string]: number } = {}
    for (const key of keys) counts[key] = view.records.find((record) => record.key === key)?.syncCount ?? 0
    return counts
  })

const committed = (result: CommitResult): Committed => {
  expect(result, "expected the commit to be Committed").toMatchObject({ _tag: "Committed" })
  return result as Committed
}

/** What a commit answered is the head it stored, but for the consumed sessions it may leave out. */
const expectStored = (stored: SyncStore.DatasetHead | undefined, answered: SyncStore.CommittedHead) => {
  expect(stored, "expected the dataset to have a head").toBeDefined()
  const { consumedSessions: _stored, ...head } = stored!
  const { consumedSessions: _answered, ...rest } = answered as Partial<SyncStore.DatasetHead>
  expect(rest).toEqual(head)
}

/** A commit with the right conditions, which must succeed. */
const put = (env: Env, ref: DatasetRef, writes: Writes, options: Attempt = {}) =>
  Effect.gen(function*() {
    const store = options.store ?? env.store
    const conditions = options.conditions ?? (yield* currentCounts(store, ref, Object.keys(writes)))
    return committed(yield* attempt(env, ref, writes, { ...options, conditions }))
  })

/** Everything a refused commit must leave as it was. */
const snapshot = (store: SyncStoreShape, ref: DatasetRef) =>
  Effect.all({
    view: store.readDataset(ref, { since: 0 }),
    datasets: store.listDatasets(ref.identityPoolId, ref.identityId),
    usage: store.identityUsage(ref.identityPoolId, ref.identityId)
  })

/** The DeviceId a registration answered, which must be one. */
const registeredId = (registration: SyncStore.DeviceRegistration): string => {
  expect(registration, "expected the device to be registered").toMatchObject({ _tag: "Registered" })
  return (registration as Extract<SyncStore.DeviceRegistration, { _tag: "Registered" }>).deviceId
}

/** Devices an identity may register in tests that are not about that limit. */
const manyDevices = 1000

const byKey = <A extends { readonly key: string }>(items: ReadonlyArray<A>): Array<A> =>
  [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))

const summary = (records: ReadonlyArray<SyncStore.StoredRecord>) =>
  records.map((record) => [record.key, record.value, record.syncCount] as const)

const pushSync = {
  ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/syncalite"],
  RoleArn: "arn:aws:iam::123456789012:role/push-sync"
}
const cognitoStreams = {
  StreamName: "syncalite-stream",
  RoleArn: "arn:aws:iam::123456789012:role/streams",
  StreamingStatus: "ENABLED" as const
}

/**
 * Registers the suite under `name`.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = (name: string, options: Options): void => {
  const timeout = options.timeout ?? 30_000
  const contenders = options.contenders ?? 16
  const test = (title: string, body: (env: Env) => Effect.Effect<void, unknown, Scope.Scope>) =>
    it(title, () => runBody(Effect.scoped(Effect.flatMap(environment(options), body))), timeout)
  /** the store the i-th racing writer uses */
  const storeOf = (env: Env, i: number) => env.stores[i % env.stores.length]!

  describe(name, () => {
    describe("readDataset", () => {
      test("a dataset never written has no head, no records and no merged names", (env) =>
        Effect.gen(function*() {
          expect(yield* env.store.readDataset(env.ref("missing"), { since: 0 })).toEqual({
            head: undefined,
            records: [],
            more: false,
            mergedDatasetNames: []
          })
          yield* put(env, env.ref("other"), { k: "v" })
          expect(yield* env.store.readDataset(env.ref("missing"), { since: 0, limit: 10 })).toEqual({
            head: undefined,
            records: [],
            more: false,
            mergedDatasetNames: []
          })
        }))

      test("a live dataset: its head and every record, tombstones included, ordered by key", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("live")
          const t1 = env.now()
          yield* put(env, ref, { b: "2", a: "1", c: "3" }, { now: t1, modifiedBy: "first", deviceDates: { a: 111 } })
          const t2 = env.now()
          yield* put(env, ref, { d: "4", c: null }, { now: t2, modifiedBy: "second" })
          const view = yield* env.store.readDataset(ref, { since: 0 })
          expect(view.more).toBe(false)
          expect(view.mergedDatasetNames).toEqual([])
          expect(view.records).toEqual([
            { key: "a", value: "1", syncCount: 1, lastModifiedDate: t1, lastModifiedBy: "first", deviceLastModifiedDate: 111 },
            { key: "b", value: "2", syncCount: 1, lastModifiedDate: t1, lastModifiedBy: "first" },
            { key: "c", value: null, syncCount: 2, lastModifiedDate: t2, lastModifiedBy: "second" },
            { key: "d", value: "4", syncCount: 2, lastModifiedDate: t2, lastModifiedBy: "second" }
          ])
          expect(view.records[1]!.deviceLastModifiedDate).toBeUndefined()
          expect(view.head).toMatchObject({
            name: "live",
            exists: true,
            syncCount: 2,
            lastDeletionCount: 0,
            creationDate: t1,
            lastModifiedDate: t2,
            lastModifiedBy: "second",
            numRecords: 3,
            dataStorage: 6,
            entries: 4,
            entryBytes: 7
          })
        }))

      test("since: only the records changed after that sync count", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("since")
          yield* put(env, ref, { a: "1", b: "1" })
          yield* put(env, ref, { c: "2" })
          yield* put(env, ref, { d: "3", a: null })
          const keysSince = (since: number) =>
            Effect.map(env.store.readDataset(ref, { since }), (view) => view.records.map((record) => record.key))
          expect(yield* keysSince(0)).toEqual(["a", "b", "c", "d"])
          expect(yield* keysSince(1)).toEqual(["a", "c", "d"])
          expect(yield* keysSince(2)).toEqual(["a", "d"])
          expect(yield* keysSince(3)).toEqual([])
          expect((yield* env.store.readDataset(ref, { since: 3 })).head?.syncCount).toBe(3)
        }))

      test("limit and after: pages in key order, more while matching records remain", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("pages")
          yield* put(env, ref, { e: "5", c: "3", a: "1", d: "4", b: "2" })
          const page = (query: SyncStore.RecordQuery) =>
            Effect.map(env.store.readDataset(ref, query), (view) => ({
              keys: view.records.map((record) => record.key),
              more: view.more
            }))
          expect(yield* page({ since: 0, limit: 2 })).toEqual({ keys: ["a", "b"], more: true })
          expect(yield* page({ since: 0, limit: 2, after: "b" })).toEqual({ keys: ["c", "d"], more: true })
          expect(yield* page({ since: 0, limit: 2, after: "d" })).toEqual({ keys: ["e"], more: false })
          expect(yield* page({ since: 0, limit: 2, after: "c" })).toEqual({ keys: ["d", "e"], more: false })
          expect(yield* page({ since: 0, limit: 5 })).toEqual({ keys: ["a", "b", "c", "d", "e"], more: false })
          expect(yield* page({ since: 0, after: "bb" })).toEqual({ keys: ["c", "d", "e"], more: false })
          expect(yield* page({ since: 0, limit: 1, after: "e" })).toEqual({ keys: [], more: false })
          expect(yield* page({ since: 0, limit: 1, after: "" })).toEqual({ keys: ["a"], more: true })
          // `more` and the page only count records matching `since`
          yield* put(env, ref, { b: "22", d: null })
          expect(yield* page({ since: 1, limit: 1 })).toEqual({ keys: ["b"], more: true })
          expect(yield* page({ since: 1, limit: 1, after: "b" })).toEqual({ keys: ["d"], more: false })
          expect(yield* page({ since: 1, limit: 2 })).toEqual({ keys: ["b", "d"], more: false })
          expect(yield* page({ since: 2, limit: 2 })).toEqual({ keys: [], more: false })
        }))

      test("a deleted dataset: its head with exists false, and no records", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("deleted")
          yield* put(env, ref, { a: "1", b: "2" })
          yield* put(env, ref, { a: "11" })
          yield* put(env, ref, { b: null })
          expect(yield* env.store.deleteDataset(ref, env.now())).toBeDefined()
          for (const since of [0, 1, 3]) {
            const view = yield* env.store.readDataset(ref, { since })
            expect(view.records).toEqual([])
            expect(view.more).toBe(false)
            expect(view.head).toMatchObject({
              name: "deleted",
              exists: false,
              syncCount: 3,
              lastDeletionCount: 3,
              numRecords: 0,
              dataStorage: 0,
              entries: 0,
              entryBytes: 0
            })
          }
        }))
    })

    describe("commit", () => {
      test("Committed: the new head and the written records, all at the dataset's count + 1", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("committed")
          const t1 = env.now()
          const first = committed(
            yield* attempt(env, ref, { x: "1", y: "2" }, { now: t1, modifiedBy: "dev-1", deviceDates: { x: 1234 } })
          )
          expect(first.head).toMatchObject({ name: "committed", exists: true, syncCount: 1, creationDate: t1, lastModifiedDate: t1 })
          expect(byKey(first.records)).toEqual([
            { key: "x", value: "1", syncCount: 1, lastModifiedDate: t1, lastModifiedBy: "dev-1", deviceLastModifiedDate: 1234 },
            { key: "y", value: "2", syncCount: 1, lastModifiedDate: t1, lastModifiedBy: "dev-1" }
          ])
          const t2 = env.now()
          const second = committed(yield* attempt(env, ref, { y: "3" }, { conditions: { y: 1 }, now: t2, modifiedBy: "dev-2" }))
          expect(second.records).toEqual([{ key: "y", value: "3", syncCount: 2, lastModifiedDate: t2, lastModifiedBy: "dev-2" }])
          const view = yield* env.store.readDataset(ref, { since: 0 })
          expectStored(view.head, second.head)
          expect(summary(view.records)).toEqual([["x", "1", 1], ["y", "3", 2]])
        }))

      test("a commit advances the count by exactly 1 whatever it writes, a no-op replace included", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("counts")
          expect((yield* put(env, ref, { a: "1", b: "2", c: "3" })).head.syncCount).toBe(1)
          expect((yield* put(env, ref, { a: "1" })).head.syncCount).toBe(2)
          expect((yield* put(env, ref, { b: "2", c: null, d: "4" })).head.syncCount).toBe(3)
          const view = yield* env.store.readDataset(ref, { since: 0 })
          expect(view.head?.syncCount).toBe(3)
          expect(summary(view.records)).toEqual([["a", "1", 2], ["b", "2", 3], ["c", null, 3], ["d", "4", 3]])
        }))

      test("remove leaves a tombstone; removing a key that never existed is accepted", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("tombstones")
          yield* put(env, ref, { a: "1", b: "2" })
          const removed = yield* put(env, ref, { a: null, ghost: null })
          expect(summary(byKey(removed.records))).toEqual([["a", null, 2], ["ghost", null, 2]])
          const view = yield* env.store.readDataset(ref, { since: 0 })
          expect(summary(view.records)).toEqual([["a", null, 2], ["b", "2", 1], ["ghost", null, 2]])
          expect(view.head).toMatchObject({ numRecords: 1, entries: 3 })
          // a tombstone is re-added with its own count, not with 0
          expect(yield* attempt(env, ref, { a: "back" }, { conditions: { a: 0 } })).toEqual({
            _tag: "Conflict",
            key: "a",
            server: 2,
            client: 0
          })
          const back = committed(yield* attempt(env, ref, { a: "back" }, { conditions: { a: 2 } }))
          expect(summary(back.records)).toEqual([["a", "back", 3]])
        }))

      test("Conflict names the first offending condition with the server's and the client's counts", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("conflict")
          yield* put(env, ref, { a: "1", b: "1" })
          yield* put(env, ref, { b: "2" })
          expect(
            yield* attempt(env, ref, { a: "x", b: "x", c: "x" }, {
              conditions: [{ key: "a", syncCount: 1 }, { key: "b", syncCount: 0 }, { key: "c", syncCount: 5 }]
            })
          ).toEqual({ _tag: "Conflict", key: "b", server: 2, client: 0 })
          expect(
            yield* attempt(env, ref, { a: "x", b: "x", c: "x" }, {
              conditions: [{ key: "c", syncCount: 5 }, { key: "b", syncCount: 0 }, { key: "a", syncCount: 1 }]
            })
          ).toEqual({ _tag: "Conflict", key: "c", server: 0, client: 5 })
          // a count ahead of the server's conflicts too
          expect(yield* attempt(env, ref, { a: "x" }, { conditions: { a: 2 } })).toEqual({
            _tag: "Conflict",
            key: "a",
            server: 1,
            client: 2
          })
          // a stale count with the very same value still conflicts
          expect(yield* attempt(env, ref, { b: "2" }, { conditions: { b: 1 } })).toEqual({
            _tag: "Conflict",
            key: "b",
            server: 2,
            client: 1
          })
        }))

      test("Conflict counts 0 for an absent key and the tombstone's count for a removed one", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("conflict-counts")
          expect(yield* attempt(env, ref, { a: "1" }, { conditions: { a: 1 } })).toEqual({
            _tag: "Conflict",
            key: "a",
            server: 0,
            client: 1
          })
          yield* put(env, ref, { a: "1" })
          yield* put(env, ref, { z: "1" })
          yield* put(env, ref, { a: null })
          expect(yield* attempt(env, ref, { a: "2" }, { conditions: { a: 1 } })).toEqual({
            _tag: "Conflict",
            key: "a",
            server: 3,
            client: 1
          })
          expect(yield* attempt(env, ref, { never: "2" }, { conditions: { never: 3 } })).toEqual({
            _tag: "Conflict",
            key: "never",
            server: 0,
            client: 3
          })
        }))

      test("after a deletion the keys of the old incarnation count 0", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("recreated")
          yield* put(env, ref, { a: "1" })
          yield* put(env, ref, { a: "2" })
          yield* env.store.deleteDataset(ref, env.now())
          expect(yield* attempt(env, ref, { a: "3" }, { conditions: { a: 2 } })).toEqual({
            _tag: "Conflict",
            key: "a",
            server: 0,
            client: 2
          })
          const recreated = committed(yield* attempt(env, ref, { a: "3" }, { conditions: { a: 0 } }))
          expect(summary(recreated.records)).toEqual([["a", "3", 3]])
        }))

      test("a Conflict writes nothing and leaves the session usable", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("conflict-nothing")
          yield* put(env, ref, { a: "1", b: "1" })
          const before = yield* snapshot(env.store, ref)
          const session = env.session()
          expect(yield* attempt(env, ref, { a: "2", b: "2", c: "2" }, { session, conditions: { a: 1, b: 0, c: 0 } }))
            .toMatchObject({ _tag: "Conflict", key: "b" })
          expect(yield* snapshot(env.store, ref)).toEqual(before)
          const done = committed(yield* attempt(env, ref, { a: "2", b: "2" }, { session, conditions: { a: 1, b: 1 } }))
          expect(done.head.syncCount).toBe(2)
        }))

      test("SessionUsed: a session consumed by a commit refuses every later one, across deletion too", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("sessions")
          const session = env.session()
          yield* put(env, ref, { a: "1" }, { session })
          const before = yield* snapshot(env.store, ref)
          expect(yield* attempt(env, ref, { a: "2" }, { session, conditions: { a: 1 } })).toEqual({ _tag: "SessionUsed" })
          expect(yield* attempt(env, ref, { b: "2" }, { session })).toEqual({ _tag: "SessionUsed" })
          expect(yield* snapshot(env.store, ref)).toEqual(before)
          expect(SyncSessionToken.isConsumed((yield* env.store.readDataset(ref, { since: 0 })).head!.consumedSessions, session))
            .toBe(true)
          yield* env.store.deleteDataset(ref, env.now())
          expect(yield* attempt(env, ref, { a: "3" }, { session })).toEqual({ _tag: "SessionUsed" })
          expect((yield* env.store.readDataset(ref, { since: 0 })).head?.exists).toBe(false)
          committed(yield* attempt(env, ref, { a: "3" }))
        }))

      test("DatasetChanged: when expectedSyncCount is not the dataset's count", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("changed")
          committed(yield* attempt(env, ref, { a: "1" }, { expectedSyncCount: 0 }))
          yield* put(env, ref, { a: "2" })
          const before = yield* snapshot(env.store, ref)
          expect(yield* attempt(env, ref, { b: "1" }, { expectedSyncCount: 1 })).toEqual({ _tag: "DatasetChanged", syncCount: 2 })
          expect(yield* attempt(env, ref, { b: "1" }, { expectedSyncCount: 3 })).toEqual({ _tag: "DatasetChanged", syncCount: 2 })
          expect(yield* snapshot(env.store, ref)).toEqual(before)
          expect(committed(yield* attempt(env, ref, { b: "1" }, { expectedSyncCount: 2 })).head.syncCount).toBe(3)
          // a deleted dataset keeps the count its head reports
          yield* env.store.deleteDataset(ref, env.now())
          const reported = (yield* env.store.readDataset(ref, { since: 0 })).head!.syncCount
          expect(yield* attempt(env, ref, { b: "1" }, { expectedSyncCount: reported + 1 })).toEqual({
            _tag: "DatasetChanged",
            syncCount: reported
          })
          committed(yield* attempt(env, ref, { b: "1" }, { expectedSyncCount: reported }))
        }))

      test("LimitExceeded datasets: counts only the identity's existing datasets, writes nothing", (env) =>
        Effect.gen(function*() {
          const limits = { datasetsPerIdentity: 2 }
          yield* put(env, env.ref("d1"), { k: "v" }, { limits })
          yield* put(env, env.ref("d2"), { k: "v" }, { limits })
          const before = yield* snapshot(env.store, env.ref("d3"))
          expect(yield* attempt(env, env.ref("d3"), { k: "v" }, { limits })).toEqual({
            _tag: "LimitExceeded",
            limit: "datasets",
            value: 3
          })
          expect(yield* snapshot(env.store, env.ref("d3"))).toEqual(before)
          expect(before.view.head).toBeUndefined()
          // writing to an existing dataset is not creating one
          yield* put(env, env.ref("d1"), { k: "w" }, { limits })
          // another identity has its own count
          yield* put(env, env.ref("d3", newId()), { k: "v" }, { limits })
          // a deleted dataset does not count; recreating one does
          yield* env.store.deleteDataset(env.ref("d1"), env.now())
          yield* put(env, env.ref("d3"), { k: "v" }, { limits })
          const d1 = yield* snapshot(env.store, env.ref("d1"))
          expect(yield* attempt(env, env.ref("d1"), { k: "v" }, { limits })).toEqual({
            _tag: "LimitExceeded",
            limit: "datasets",
            value: 3
          })
          expect(yield* snapshot(env.store, env.ref("d1"))).toEqual(d1)
          expect((yield* env.store.listDatasets(env.pool, env.identity)).map((head) => head.name)).toEqual(["d2", "d3"])
        }))

      test("LimitExceeded records: counts live records and tombstones, writes nothing", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("records")
          const limits = { recordsPerDataset: 3 }
          yield* put(env, ref, { a: "1", b: "2" }, { limits })
          yield* put(env, ref, { c: null }, { limits })
          const before = yield* snapshot(env.store, ref)
          const session = env.session()
          expect(yield* attempt(env, ref, { d: "4" }, { limits, session })).toEqual({
            _tag: "LimitExceeded",
            limit: "records",
            value: 4
          })
          expect(yield* attempt(env, ref, { a: null, d: null, e: "5" }, { limits, session, conditions: { a: 1, d: 0, e: 0 } }))
            .toEqual({ _tag: "LimitExceeded", limit: "records", value: 5 })
          expect(yield* snapshot(env.store, ref)).toEqual(before)
          // replacing and removing existing keys stays within the limit; the session was not consumed
          const done = yield* put(env, ref, { c: "3", a: null }, { limits, session })
          expect(done.head).toMatchObject({ numRecords: 2, entries: 3 })
        }))

      test("LimitExceeded bytes: counts UTF-8 bytes of live keys and values plus tombstone keys", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("bytes")
          const limits = { bytesPerDataset: 20 }
          const first = yield* put(env, ref, { k1: "héllo" }, { limits })
          expect(first.head).toMatchObject({ dataStorage: 8, entryBytes: 8 })
          const second = yield* put(env, ref, { gone: null }, { limits })
          expect(second.head).toMatchObject({ dataStorage: 8, entryBytes: 12 })
          const before = yield* snapshot(env.store, ref)
          expect(yield* attempt(env, ref, { x: "12345678" }, { limits })).toEqual({
            _tag: "LimitExceeded",
            limit: "bytes",
            value: 21
          })
          // values count in UTF-8 bytes: "😀😀x" is 5 UTF-16 code units but 9 bytes
          expect(yield* attempt(env, ref, { gone: "😀😀x" }, { limits, conditions: { gone: 2 } })).toEqual({
            _tag: "LimitExceeded",
            limit: "bytes",
            value: 21
          })
          expect(yield* snapshot(env.store, ref)).toEqual(before)
          // exactly at the limit is allowed
          const full = yield* put(env, ref, { x: "1234567" }, { limits })
          expect(full.head).toMatchObject({ dataStorage: 16, entryBytes: 20 })
          // removing a live record frees its value's bytes but keeps its key's
          const removed = yield* put(env, ref, { k1: null }, { limits })
          expect(removed.head).toMatchObject({ dataStorage: 8, entryBytes: 14, numRecords: 1, entries: 3 })
        }))

      test("consumed sessions stay in the head until they expire", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("pruning")
          const short = env.session(5_000)
          const long = env.session()
          yield* put(env, ref, { a: "1" }, { session: short })
          yield* put(env, ref, { a: "2" }, { session: long })
          const consumed = (yield* env.store.readDataset(ref, { since: 0 })).head!.consumedSessions
          expect(consumed.sessions).toContainEqual(short)
          expect(consumed.sessions).toContainEqual(long)
          const later = short.expiresAt + 1
          const third = env.session()
          yield* put(env, ref, { a: "3" }, { session: third, now: later })
          const after = (yield* env.store.readDataset(ref, { since: 0 })).head!.consumedSessions
          expect(after.sessions).not.toContainEqual(short)
          expect(after.sessions).toContainEqual(long)
          expect(after.sessions).toContainEqual(third)
        }))

      test("every consumed session stays refused however many commits follow", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("many-sessions")
          const sessions: Array<SyncSession> = []
          const counts: { [key: string]: number } = {}
          for (let n = 1; n <= 80; n++) {
            const session = env.session()
            const key = `k${n % 7}`
            sessions.push(session)
            committed(yield* attempt(env, ref, { [key]: String(n) }, { session, conditions: { [key]: counts[key] ?? 0 } }))
            counts[key] = n
          }
          const head = (yield* env.store.readDataset(ref, { since: 0 })).head!
          expect(head.syncCount).toBe(80)
          for (const session of sessions) expect(SyncSessionToken.isConsumed(head.consumedSessions, session)).toBe(true)
          // the first sessions are folded into the floor: forgotten, refused all the same
          expect(yield* attempt(env, ref, { other: "x" }, { session: sessions[0]! })).toEqual({ _tag: "SessionForgotten" })
          for (const session of [sessions[40]!, sessions[79]!]) {
            expect(yield* attempt(env, ref, { other: "x" }, { session })).toEqual({ _tag: "SessionUsed" })
          }
          expect(SyncSessionToken.isConsumed(head.consumedSessions, env.session())).toBe(false)
        }))

      test("SessionForgotten: a session never used, issued before more than 64 sessions that wrote since", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("forgotten")
          const early = env.session()
          const later = Array.from({ length: 65 }, () => env.session())
          // every writer writes its own key: nothing conflicts with the early session's write
          for (const [n, session] of later.entries()) committed(yield* attempt(env, ref, { [`w${n}`]: "v" }, { session }))
          const before = yield* snapshot(env.store, ref)
          expect(yield* attempt(env, ref, { early: "v" }, { session: early })).toEqual({ _tag: "SessionForgotten" })
          expect(yield* snapshot(env.store, ref)).toEqual(before)
          const consumed = before.view.head!.consumedSessions
          expect(SyncSessionToken.consumption(consumed, early)).toBe("Forgotten")
          expect(SyncSessionToken.consumption(consumed, later[64]!)).toBe("Consumed")
          expect(SyncSessionToken.consumption(consumed, env.session())).toBeUndefined()
        }))

      test("head figures: numRecords, dataStorage in UTF-8 bytes, entries and entryBytes", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("figures")
          const done = yield* put(env, ref, { "ключ": "значение", e: "😀", empty: "", gone: null })
          // ключ 8 + значение 16, e 1 + 😀 4, empty 5 + 0; gone 4 (tombstone key only)
          expect(done.head).toMatchObject({ numRecords: 3, dataStorage: 34, entries: 4, entryBytes: 38 })
          expectStored((yield* env.store.readDataset(ref, { since: 0 })).head, done.head)
          const usage = yield* env.store.identityUsage(env.pool, env.identity)
          expect(usage).toMatchObject({ datasetCount: 1, dataStorage: 34 })
        }))

      test("creation date is kept, modification date and LastModifiedBy follow the last commit", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("dates")
          const t1 = env.now()
          yield* put(env, ref, { a: "1" }, { now: t1, modifiedBy: "alice" })
          const t2 = env.now()
          const second = yield* put(env, ref, { b: "1" }, { now: t2, modifiedBy: "bob" })
          expect(second.head).toMatchObject({ creationDate: t1, lastModifiedDate: t2, lastModifiedBy: "bob" })
          yield* env.store.deleteDataset(ref, env.now())
          const t3 = env.now()
          const recreated = yield* put(env, ref, { a: "2" }, { now: t3, modifiedBy: "carol" })
          expect(recreated.head).toMatchObject({ creationDate: t3, lastModifiedDate: t3, lastModifiedBy: "carol" })
        }))
    })

    describe("deleteDataset", () => {
      test("returns the head as it was; undefined for a missing or already deleted dataset", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("gone")
          expect(yield* env.store.deleteDataset(ref, env.now())).toBeUndefined()
          yield* put(env, ref, { a: "1", b: "22" })
          yield* put(env, env.ref("kept"), { a: "1" })
          const head = (yield* env.store.readDataset(ref, { since: 0 })).head
          expect(yield* env.store.deleteDataset(ref, env.now())).toEqual(head)
          expect(yield* env.store.deleteDataset(ref, env.now())).toBeUndefined()
          expect((yield* env.store.listDatasets(env.pool, env.identity)).map((dataset) => dataset.name)).toEqual(["kept"])
          expect(summary((yield* env.store.readDataset(env.ref("kept"), { since: 0 })).records)).toEqual([["a", "1", 1]])
          expect(yield* env.store.identityUsage(env.pool, env.identity)).toMatchObject({ datasetCount: 1, dataStorage: 2 })
        }))

      test("deleteDatasetAt deletes only at the sync count given: another count is Changed and leaves the dataset whole", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("moving")
          expect(yield* env.store.deleteDatasetAt(ref, 0, env.now())).toEqual({ _tag: "Absent" })
          yield* put(env, ref, { a: "1" })
          yield* put(env, ref, { b: "2" })
          yield* put(env, env.ref("kept"), { a: "1" })
          const before = yield* env.store.readDataset(ref, { since: 0 })
          expect(yield* env.store.deleteDatasetAt(ref, 1, env.now())).toEqual({ _tag: "Changed", syncCount: 2 })
          expect(yield* env.store.deleteDatasetAt(ref, 3, env.now())).toEqual({ _tag: "Changed", syncCount: 2 })
          expect(yield* env.store.readDataset(ref, { since: 0 })).toEqual(before)
          expect(yield* env.store.deleteDatasetAt(ref, 2, env.now())).toEqual({ _tag: "Deleted", head: before.head })
          const after = yield* env.store.readDataset(ref, { since: 0 })
          expect(after.records).toEqual([])
          expect(after.head).toMatchObject({ exists: false, syncCount: 2, lastDeletionCount: 2 })
          expect(yield* env.store.deleteDatasetAt(ref, 2, env.now())).toEqual({ _tag: "Absent" })
          expect((yield* env.store.listDatasets(env.pool, env.identity)).map((dataset) => dataset.name)).toEqual(["kept"])
        }))

      test("what a deletion leaves: the name, its sync count, the deletion time, unexpired consumed sessions", (env) =>
        Effect.gen(function*() {
          // two datasets with different histories leave heads that differ only by name and count
          const small = env.ref("small")
          const large = env.ref("large")
          const device = { deviceId: "device-1", platform: "GCM", token: "t1" }
          registeredId(yield* env.store.registerDevice(env.pool, env.identity, device, manyDevices))
          yield* put(env, small, { a: "1" }, { modifiedBy: "alice" })
          for (let n = 0; n < 5; n++) {
            yield* put(env, large, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${n}-${i}`, i % 3 === 0 ? null : "v".repeat(200)])), {
              modifiedBy: `writer-with-a-long-name-${n}`
            })
          }
          yield* env.store.subscribe(large, device.deviceId)
          const session = env.session()
          yield* put(env, large, { last: "v" }, { session })
          const deletedAt = env.now()
          yield* env.store.deleteDataset(small, deletedAt)
          yield* env.store.deleteDataset(large, deletedAt)
          const left = (ref: DatasetRef) => Effect.map(env.store.readDataset(ref, { since: 0 }), (view) => view)
          const smallView = yield* left(small)
          const largeView = yield* left(large)
          const compacted = (name: string, syncCount: number) => ({
            name,
            exists: false,
            syncCount,
            lastDeletionCount: syncCount,
            creationDate: deletedAt,
            lastModifiedDate: deletedAt,
            lastModifiedBy: "",
            numRecords: 0,
            dataStorage: 0,
            entries: 0,
            entryBytes: 0
          })
          expect(smallView.head).toMatchObject(compacted("small", 1))
          expect(largeView.head).toMatchObject(compacted("large", 6))
          expect(smallView.records).toEqual([])
          expect(largeView.records).toEqual([])
          // the consumed sessions, until they expire: a used token stays refused
          expect(SyncSessionToken.consumption(largeView.head!.consumedSessions, session)).toBe("Consumed")
          expect(yield* attempt(env, large, { a: "1" }, { session })).toEqual({ _tag: "SessionUsed" })
          expect(yield* env.store.subscribers(large)).toEqual([])
          expect(yield* env.store.unsubscribe(large, device.deviceId)).toBe("NotSubscribed")
          // deleted after the sessions expired: none kept
          const brief = env.ref("brief")
          const short = env.session(2_000)
          yield* put(env, brief, { a: "1" }, { session: short })
          yield* env.store.deleteDataset(brief, short.expiresAt + 1)
          expect((yield* left(brief)).head!.consumedSessions.sessions).toEqual([])
          // and a dataset created again goes on counting
          expect((yield* put(env, large, { a: "1" })).head).toMatchObject({ syncCount: 7, lastDeletionCount: 6, numRecords: 1 })
        }))

      test("what a deletion leaves is the same after 300 cycles of one dataset as after 1", (env) =>
        Effect.gen(function*() {
          const once = env.ref("once")
          const often = env.ref("often")
          // each cycle's session expires before its deletion, as a token's does when cycles are slower than its lifetime
          const cycle = (ref: DatasetRef) =>
            Effect.gen(function*() {
              yield* put(env, ref, { a: "1", b: null }, { session: env.session(1500) })
              yield* env.store.deleteDataset(ref, env.now())
            })
          yield* cycle(once)
          for (let n = 0; n < 300; n++) yield* cycle(often)
          const deletedAt = env.now()
          yield* put(env, once, { a: "1" })
          yield* put(env, often, { a: "1" })
          yield* env.store.deleteDataset(once, deletedAt)
          yield* env.store.deleteDataset(often, deletedAt)
          const shape = (ref: DatasetRef) =>
            Effect.map(env.store.readDataset(ref, { since: 0 }), (view) => {
              const { consumedSessions, name: _name, syncCount: _count, lastDeletionCount: _last, ...rest } = view.head!
              return { rest, floor: consumedSessions.floor, sessions: consumedSessions.sessions.length, records: view.records.length }
            })
          expect(yield* shape(often)).toEqual(yield* shape(once))
          expect((yield* shape(often)).sessions).toBe(1)
          expect((yield* env.store.readDataset(often, { since: 0 })).head).toMatchObject({ syncCount: 301, lastDeletionCount: 301 })
          expect(yield* env.store.listDatasets(env.pool, env.identity)).toEqual([])
          expect(yield* env.store.identityUsage(env.pool, env.identity)).toMatchObject({ datasetCount: 0, dataStorage: 0 })
        }))

      test("sync counts never go back: a recreated dataset continues after lastDeletionCount", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("phoenix")
          yield* put(env, ref, { a: "1" })
          yield* put(env, ref, { b: "1" })
          expect(yield* env.store.deleteDataset(ref, env.now())).toMatchObject({ syncCount: 2, exists: true })
          expect((yield* env.store.readDataset(ref, { since: 0 })).head).toMatchObject({
            exists: false,
            syncCount: 2,
            lastDeletionCount: 2
          })
          const recreated = yield* put(env, ref, { c: "1" })
          expect(recreated.head).toMatchObject({ exists: true, syncCount: 3, lastDeletionCount: 2, numRecords: 1 })
          expect(summary((yield* env.store.readDataset(ref, { since: 0 })).records)).toEqual([["c", "1", 3]])
          yield* put(env, ref, { c: "2" })
          yield* env.store.deleteDataset(ref, env.now())
          const again = yield* put(env, ref, { d: "1" })
          expect(again.head).toMatchObject({ syncCount: 5, lastDeletionCount: 4 })
        }))
    })

    describe("listDatasets", () => {
      test("the identity's existing datasets, ordered by name", (env) =>
        Effect.gen(function*() {
          expect(yield* env.store.listDatasets(env.pool, env.identity)).toEqual([])
          for (const name of ["b", "a", "B", "a_1", "a.x", "z"]) yield* put(env, env.ref(name), { k: name })
          yield* put(env, env.ref("c", newId()), { k: "other identity" })
          yield* put(env, env.ref("c", env.identity, newId()), { k: "other pool" })
          yield* env.store.deleteDataset(env.ref("z"), env.now())
          const heads = yield* env.store.listDatasets(env.pool, env.identity)
          expect(heads.map((head) => head.name)).toEqual(["B", "a", "a.x", "a_1", "b"])
          for (const head of heads) {
            expect((yield* env.store.readDataset(env.ref(head.name), { since: 0 })).head).toEqual(head)
          }
        }))

      test("names that are also JavaScript object members are datasets, keys and subscriptions like any other", (env) =>
        Effect.gen(function*() {
          const names = ["__proto__", "constructor", "toString", "hasOwnProperty"]
          const device = { deviceId: "__proto__", platform: "GCM", token: "token-proto" }
          expect(registeredId(yield* env.store.registerDevice(env.pool, env.identity, device, manyDevices))).toBe("__proto__")
          for (const name of names) {
            yield* put(env, env.ref(name), Object.fromEntries([[name, name]]))
            expect(yield* env.store.subscribe(env.ref(name), "__proto__")).toBe(true)
          }
          expect((yield* env.store.listDatasets(env.pool, env.identity)).map((head) => head.name)).toEqual([...names].sort())
          for (const name of names) {
            const view = yield* env.store.readDataset(env.ref(name), { since: 0 })
            expect(view.head).toMatchObject({ name, exists: true, syncCount: 1, numRecords: 1 })
            expect(summary(view.records)).toEqual([[name, name, 1]])
            expect(yield* env.store.subscribers(env.ref(name))).toEqual([device])
          }
        }))
    })

    describe("merged datasets", () => {
      test("mergedDatasetNames lists the identity's existing datasets named <name>.<identityId>", (env) =>
        Effect.gen(function*() {
          const [first, second, deleted] = [newId(), newId(), newId()]
          for (
            const name of [
              "game",
              `game.${second}`,
              `game.${first}`,
              `game.${deleted}`,
              "game.settings",
              "gamer",
              `gamex.${first}`,
              `game.${first}.x`,
              `solo.${first}`
            ]
          ) yield* put(env, env.ref(name), { k: "v" })
          yield* env.store.deleteDataset(env.ref(`game.${deleted}`), env.now())
          yield* put(env, env.ref(`game.${newId()}`, newId()), { k: "other identity" })
          const merged = (name: string) => Effect.map(env.store.readDataset(env.ref(name), { since: 0 }), (view) => view.mergedDatasetNames)
          expect(yield* merged("game")).toEqual([`game.${first}`, `game.${second}`].sort())
          expect(yield* merged("gamex")).toEqual([`gamex.${first}`])
          expect(yield* merged("gamer")).toEqual([])
          expect(yield* merged(`game.${first}`)).toEqual([])
          // the parent needs not exist itself
          expect(yield* merged("solo")).toEqual([`solo.${first}`])
          yield* env.store.deleteDataset(env.ref(`game.${first}`), env.now())
          expect(yield* merged("game")).toEqual([`game.${second}`])
        }))
    })

    describe("poolDatasets", () => {
      test("every existing dataset of the pool, of every identity", (env) =>
        Effect.gen(function*() {
          expect(yield* env.store.poolDatasets(env.pool)).toEqual([])
          const other = newId()
          yield* put(env, env.ref("a"), { k: "v" })
          yield* put(env, env.ref("b"), { k: "v" })
          yield* put(env, env.ref("a", other), { k: "v" })
          yield* put(env, env.ref("c", other), { k: "v" })
          yield* env.store.deleteDataset(env.ref("c", other), env.now())
          yield* put(env, env.ref("z", env.identity, newId()), { k: "other pool" })
          const refs = yield* env.store.poolDatasets(env.pool)
          const order = (ref: DatasetRef) => `${ref.identityId}\n${ref.datasetName}`
          expect([...refs].sort((x, y) => order(x) < order(y) ? -1 : 1)).toEqual(
            [env.ref("a"), env.ref("b"), env.ref("a", other)].sort((x, y) => order(x) < order(y) ? -1 : 1)
          )
          expect(yield* env.store.poolDatasets(newId())).toEqual([])
        }))
    })

    describe("pool configuration", () => {
      test("readPool of a fresh pool: no configuration, no events, bulk publish NOT_STARTED", (env) =>
        Effect.gen(function*() {
          expect(yield* env.store.readPool(env.pool)).toEqual({ events: {}, bulkPublish: { status: "NOT_STARTED" } })
        }))

      test("updatePool writes what the update answers, from the current state", (env) =>
        Effect.gen(function*() {
          const seen: Array<PoolState> = []
          const configured: PoolState = {
            pushSync,
            cognitoStreams,
            events: { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:trigger" },
            bulkPublish: { status: "SUCCEEDED", startTime: 1_000, completeTime: 2_000 },
            lastModifiedDate: 3_000
          }
          const written = yield* env.store.updatePool(env.pool, (state) => {
            seen.push(state)
            return Either.right(configured)
          })
          expect(written).toEqual(configured)
          expect(yield* env.store.readPool(env.pool)).toEqual(configured)
          const failed: PoolState = {
            events: {},
            bulkPublish: { status: "FAILED", startTime: 4_000, failureMessage: "stream gone" }
          }
          expect(
            yield* env.store.updatePool(env.pool, (state) => {
              seen.push(state)
              return Either.right(failed)
            })
          ).toEqual(failed)
          expect(seen).toEqual([{ events: {}, bulkPublish: { status: "NOT_STARTED" } }, configured])
          expect(yield* env.store.readPool(env.pool)).toEqual(failed)
          expect(yield* env.store.readPool(newId())).toEqual({ events: {}, bulkPublish: { status: "NOT_STARTED" } })
        }))

      test("updatePool answering a failure fails with it, typed, and writes nothing", (env) =>
        Effect.gen(function*() {
          class Busy {
            readonly _tag = "Busy"
          }
          const busy = new Busy()
          const fresh = yield* Effect.either(env.store.updatePool(env.pool, () => Either.left(busy)))
          expect(Either.isLeft(fresh) && fresh.left).toBe(busy)
          expect(yield* env.store.readPool(env.pool)).toEqual({ events: {}, bulkPublish: { status: "NOT_STARTED" } })
          const running: PoolState = { events: {}, bulkPublish: { status: "IN_PROGRESS", startTime: 5 } }
          yield* env.store.updatePool(env.pool, () => Either.right(running))
          const again = yield* Effect.either(
            env.store.updatePool(env.pool, (state) =>
              state.bulkPublish.status === "IN_PROGRESS"
                ? Either.left(busy)
                : Either.right({ ...state, bulkPublish: { status: "IN_PROGRESS" as const, startTime: 6 } }))
          )
          expect(Either.isLeft(again) && again.left).toBe(busy)
          expect(yield* env.store.readPool(env.pool)).toEqual(running)
        }))
    })

    describe("devices and subscriptions", () => {
      test("registerDevice answers one DeviceId per (platform, token) of an identity", (env) =>
        Effect.gen(function*() {
          const register = (identity: string, deviceId: string, platform: string, token: string) =>
            Effect.map(env.store.registerDevice(env.pool, identity, { deviceId, platform, token }, manyDevices), registeredId)
          expect(yield* register(env.identity, "d-1", "GCM", "token-1")).toBe("d-1")
          expect(yield* register(env.identity, "d-2", "GCM", "token-1")).toBe("d-1")
          expect(yield* register(env.identity, "d-3", "APNS", "token-1")).toBe("d-3")
          expect(yield* register(env.identity, "d-4", "GCM", "token-2")).toBe("d-4")
          expect(yield* register(env.identity, "d-5", "APNS", "token-1")).toBe("d-3")
          expect(yield* register(newId(), "d-6", "GCM", "token-1")).toBe("d-6")
        }))

      test("registerDevice: at most maxDevices per identity, a known token answered still", (env) =>
        Effect.gen(function*() {
          const register = (n: number, identity = env.identity) =>
            env.store.registerDevice(env.pool, identity, { deviceId: `d-${n}`, platform: "GCM", token: `token-${n}` }, 3)
          for (let n = 1; n <= 3; n++) expect(registeredId(yield* register(n))).toBe(`d-${n}`)
          expect(yield* register(4)).toEqual({ _tag: "LimitExceeded", devices: 3 })
          // the same token again is no new device
          expect(registeredId(yield* register(2))).toBe("d-2")
          // nothing of the refused device was kept
          expect(yield* env.store.subscribe(env.ref("a"), "d-4")).toBe(false)
          // the limit is per identity
          expect(registeredId(yield* register(4, newId()))).toBe("d-4")
        }))

      test("registerDevice keeps a long token whole, and answers it by its whole value", (env) =>
        Effect.gen(function*() {
          const long = "x".repeat(4096)
          const device = { deviceId: "d-long", platform: "APNS", token: long }
          expect(registeredId(yield* env.store.registerDevice(env.pool, env.identity, device, manyDevices))).toBe("d-long")
          // one character apart, at the end or at the start: other tokens
          const last = { deviceId: "d-last", platform: "APNS", token: `${long.slice(0, -1)}y` }
          const first = { deviceId: "d-first", platform: "APNS", token: `y${long.slice(1)}` }
          expect(registeredId(yield* env.store.registerDevice(env.pool, env.identity, last, manyDevices))).toBe("d-last")
          expect(registeredId(yield* env.store.registerDevice(env.pool, env.identity, first, manyDevices))).toBe("d-first")
          const again = { deviceId: "d-again", platform: "APNS", token: long }
          expect(registeredId(yield* env.store.registerDevice(env.pool, env.identity, again, manyDevices))).toBe("d-long")
          const ref = env.ref("a")
          yield* env.store.subscribe(ref, "d-long")
          expect(yield* env.store.subscribers(ref)).toEqual([device])
        }))

      test("device reads one device of its own identity only", (env) =>
        Effect.gen(function*() {
          const one = { deviceId: "device-1", platform: "GCM", token: "t1" }
          expect(yield* env.store.device(env.pool, env.identity, "device-1")).toBeUndefined()
          yield* env.store.registerDevice(env.pool, env.identity, one, manyDevices)
          expect(yield* env.store.device(env.pool, env.identity, "device-1")).toEqual(one)
          expect(yield* env.store.device(env.pool, env.identity, "device-2")).toBeUndefined()
          expect(yield* env.store.device(env.pool, newId(), "device-1")).toBeUndefined()
        }))

      test("subscribe, unsubscribe and subscribers", (env) =>
        Effect.gen(function*() {
          const a = env.ref("a")
          const b = env.ref("b")
          expect(yield* env.store.subscribe(a, "unknown")).toBe(false)
          expect(yield* env.store.subscribers(a)).toEqual([])
          const one = { deviceId: "device-1", platform: "GCM", token: "t1" }
          const two = { deviceId: "device-2", platform: "APNS", token: "t2" }
          yield* env.store.registerDevice(env.pool, env.identity, one, manyDevices)
          yield* env.store.registerDevice(env.pool, env.identity, two, manyDevices)
          expect(yield* env.store.subscribe(a, "device-1")).toBe(true)
          expect(yield* env.store.subscribe(a, "device-1")).toBe(true)
          expect(yield* env.store.subscribers(a)).toEqual([one])
          expect(yield* env.store.subscribe(a, "device-2")).toBe(true)
          expect(byId(yield* env.store.subscribers(a))).toEqual([one, two])
          expect(yield* env.store.subscribers(b)).toEqual([])
          expect(yield* env.store.subscribers(env.ref("a", newId()))).toEqual([])
          expect(yield* env.store.unsubscribe(a, "unknown")).toBe("UnknownDevice")
          expect(yield* env.store.unsubscribe(b, "device-1")).toBe("NotSubscribed")
          expect(yield* env.store.unsubscribe(a, "device-1")).toBe("Unsubscribed")
          expect(yield* env.store.unsubscribe(a, "device-1")).toBe("NotSubscribed")
          expect(yield* env.store.subscribers(a)).toEqual([two])
          // a device of another identity is unknown here
          yield* env.store.registerDevice(env.pool, newId(), { deviceId: "device-3", platform: "GCM", token: "t3" }, manyDevices)
          expect(yield* env.store.subscribe(a, "device-3")).toBe(false)
        }))

      test("a commit asked for its subscribers answers the dataset's, as they are when it commits", (env) =>
        Effect.gen(function*() {
          const a = env.ref("a")
          const b = env.ref("b")
          const one = { deviceId: "device-1", platform: "GCM", token: "t1" }
          const two = { deviceId: "device-2", platform: "APNS", token: "t2" }
          const three = { deviceId: "device-3", platform: "GCM", token: "t3" }
          for (const device of [one, two, three]) yield* env.store.registerDevice(env.pool, env.identity, device, manyDevices)
          yield* env.store.subscribe(a, "device-1")
          yield* env.store.subscribe(a, "device-2")
          yield* env.store.subscribe(b, "device-3")
          // the dataset's first write already answers the devices subscribed to it
          expect(byId(committed(yield* attempt(env, a, { k: "1" }, { subscribers: true })).subscribers ?? [])).toEqual([one, two])
          expect(committed(yield* attempt(env, b, { k: "1" }, { subscribers: true })).subscribers).toEqual([three])
          expect(committed(yield* attempt(env, env.ref("c"), { k: "1" }, { subscribers: true })).subscribers).toEqual([])
          yield* env.store.unsubscribe(a, "device-1")
          expect(committed(yield* put(env, a, { k: "2" }, { subscribers: true })).subscribers).toEqual([two])
          // another identity's subscriptions to a dataset of the same name are not this one's
          expect(committed(yield* attempt(env, env.ref("a", newId()), { k: "1" }, { subscribers: true })).subscribers).toEqual([])
          // a refused commit answers no subscribers
          expect(yield* attempt(env, a, { k: "3" }, { conditions: { k: 0 }, subscribers: true })).toEqual({
            _tag: "Conflict",
            key: "k",
            server: 2,
            client: 0
          })
        }))
    })

    describe("usage", () => {
      test("identityUsage: existing datasets and their live bytes", (env) =>
        Effect.gen(function*() {
          expect(yield* env.store.identityUsage(env.pool, env.identity)).toBeUndefined()
          yield* put(env, env.ref("a"), { k: "héllo", gone: null })
          const last = env.now()
          yield* put(env, env.ref("b"), { xy: "z" }, { now: last })
          yield* put(env, env.ref("c", newId()), { other: "identity" })
          expect(yield* env.store.identityUsage(env.pool, env.identity)).toEqual({
            datasetCount: 2,
            dataStorage: 10,
            lastModifiedDate: last
          })
          yield* env.store.deleteDataset(env.ref("b"), env.now())
          expect(yield* env.store.identityUsage(env.pool, env.identity)).toMatchObject({ datasetCount: 1, dataStorage: 7 })
        }))

      test("a pool only counted in is listed with its sessions", (env) =>
        Effect.gen(function*() {
          const pool = `${env.pool}-counted`
          yield* env.store.countSessions(pool, 7)
          expect(yield* env.store.poolUsage(pool)).toEqual({ identityPoolId: pool, syncSessionsCount: 7, dataStorage: 0 })
          expect((yield* env.store.listPoolUsage(env.pool, 100)).pools.map((usage) => usage.identityPoolId)).toContain(pool)
        }))

      test("countSessions adds its count and poolUsage sums them; an unknown pool has no usage", (env) =>
        Effect.gen(function*() {
          expect(yield* env.store.poolUsage(newId())).toBeUndefined()
          yield* env.store.countSessions(env.pool, 1)
          yield* put(env, env.ref("a"), { k: "vv" })
          const last = env.now()
          yield* put(env, env.ref("b", newId()), { kk: "v" }, { now: last })
          yield* put(env, env.ref("c", newId(), newId()), { other: "pool" })
          yield* env.store.countSessions(env.pool, 1000)
          yield* env.store.countSessions(env.pool, 26)
          expect(yield* env.store.poolUsage(env.pool)).toEqual({
            identityPoolId: env.pool,
            syncSessionsCount: 1027,
            dataStorage: 6,
            lastModifiedDate: last
          })
        }))

      test("listPoolUsage: pools in id order, paged by after, more while pools remain", (env) =>
        Effect.gen(function*() {
          const prefix = newId()
          const pools = Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`)
          for (const [i, pool] of [...pools].reverse().entries()) {
            yield* put(env, env.ref("d", env.identity, pool), { k: "v".repeat(i + 1) })
            if (i > 0) yield* env.store.countSessions(pool, i)
          }
          /** `more` is true exactly when a page after this one is not empty */
          const checkMore = (page: { readonly pools: ReadonlyArray<SyncStore.PoolUsage>; readonly more: boolean }) =>
            Effect.gen(function*() {
              const last = page.pools[page.pools.length - 1]?.identityPoolId
              if (last === undefined) return expect(page.more).toBe(false)
              const next = yield* env.store.listPoolUsage(last, 1)
              expect(page.more).toBe(next.pools.length > 0)
            })
          const seen: Array<SyncStore.PoolUsage> = []
          let after = prefix
          for (let pages = 0; pages < 3; pages++) {
            const page = yield* env.store.listPoolUsage(after, 2)
            expect(page.pools.length).toBeLessThanOrEqual(2)
            yield* checkMore(page)
            seen.push(...page.pools)
            if (page.pools.length === 0) break
            after = page.pools[page.pools.length - 1]!.identityPoolId
          }
          const mine = seen.filter((usage) => usage.identityPoolId.startsWith(`${prefix}-`))
          expect(mine.map((usage) => usage.identityPoolId)).toEqual(pools)
          expect(seen.slice(0, 5)).toEqual(mine)
          for (const usage of mine) expect(yield* env.store.poolUsage(usage.identityPoolId)).toEqual(usage)
          expect(mine.map((usage) => [usage.dataStorage, usage.syncSessionsCount])).toEqual([
            [6, 4],
            [5, 3],
            [4, 2],
            [3, 1],
            [2, 0]
          ])
          const start = yield* env.store.listPoolUsage(undefined, 3)
          expect(start.pools.length).toBeGreaterThan(0)
          expect(start.pools.length).toBeLessThanOrEqual(3)
          const ids = start.pools.map((usage) => usage.identityPoolId)
          expect(ids).toEqual([...ids].sort())
          yield* checkMore(start)
          yield* checkMore(yield* env.store.listPoolUsage(pools[4]!, 10))
        }))
    })

    describe("concurrency", () => {
      test("racing commits with the same expected counts: one Committed per sync count, Conflict for the rest", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("race")
          for (let round = 0; round < 4; round++) {
            const results = yield* Effect.all(
              Array.from({ length: contenders }, (_, i) =>
                attempt(env, ref, { k: `r${round}-w${i}`, [`only-${round}-${i}`]: "x" }, {
                  conditions: { k: round, [`only-${round}-${i}`]: 0 },
                  store: storeOf(env, i)
                })),
              { concurrency: "unbounded" }
            )
            const winners = results.flatMap((result, i) => result._tag === "Committed" ? [{ result, i }] : [])
            expect(winners).toHaveLength(1)
            const winner = winners[0]!
            expect(winner.result.head.syncCount).toBe(round + 1)
            for (const [i, result] of results.entries()) {
              if (i !== winner.i) expect(result).toEqual({ _tag: "Conflict", key: "k", server: round + 1, client: round })
            }
            const view = yield* env.store.readDataset(ref, { since: round })
            expect(view.head?.syncCount).toBe(round + 1)
            expect(summary(view.records)).toEqual([
              ["k", `r${round}-w${winner.i}`, round + 1],
              [`only-${round}-${winner.i}`, "x", round + 1]
            ])
          }
        }))

      test("racing commits with mixed expected counts are linearizable", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("mixed")
          const expected = (i: number) => i % 3
          const results = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) =>
              attempt(env, ref, { k: `w${i}` }, { conditions: { k: expected(i) }, store: storeOf(env, i) })),
            { concurrency: "unbounded" }
          )
          const winners = results.flatMap((result, i) => result._tag === "Committed" ? [{ count: result.head.syncCount, i }] : [])
            .sort((a, b) => a.count - b.count)
          expect(winners.length).toBeGreaterThan(0)
          expect(winners.map((winner) => winner.count)).toEqual(winners.map((_, n) => n + 1))
          for (const winner of winners) expect(expected(winner.i)).toBe(winner.count - 1)
          for (const [i, result] of results.entries()) {
            if (result._tag === "Committed") continue
            expect(result).toMatchObject({ _tag: "Conflict", key: "k", client: expected(i) })
            if (result._tag === "Conflict") expect(result.server).not.toBe(expected(i))
          }
          const last = winners[winners.length - 1]!
          const view = yield* env.store.readDataset(ref, { since: 0 })
          expect(view.head?.syncCount).toBe(last.count)
          expect(summary(view.records)).toEqual([["k", `w${last.i}`, last.count]])
        }))

      test("writers retrying until they win never leave half a commit, and readers see whole ones", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("whole")
          const keys = ["a", "b", "c", "d"]
          yield* put(env, ref, Object.fromEntries(keys.map((key) => [key, "init"])))
          const writer = (i: number) =>
            Effect.gen(function*() {
              const store = storeOf(env, i)
              for (let tries = 0; tries < contenders * 4; tries++) {
                const counts = yield* currentCounts(store, ref, keys)
                // writer i removes d every other time, so tombstones race too
                const writes = Object.fromEntries(keys.map((key) => [key, key === "d" && i % 2 === 1 ? null : `w${i}`]))
                const result = yield* attempt(env, ref, writes, { conditions: counts, store })
                if (result._tag === "Committed") return result
                expect(result._tag).toBe("Conflict")
              }
              return assert.fail(`writer ${i} never won`)
            })
          const reader = (i: number) =>
            Effect.gen(function*() {
              for (let n = 0; n < contenders; n++) {
                const view = yield* storeOf(env, i).readDataset(ref, { since: 0 })
                const counts = new Set(view.records.map((record) => record.syncCount))
                const tags = new Set(view.records.filter((record) => record.key !== "d").map((record) => record.value))
                expect(view.records.map((record) => record.key)).toEqual(keys)
                expect(counts.size).toBe(1)
                expect(tags.size).toBe(1)
                expect([...counts][0]).toBe(view.head?.syncCount)
                yield* Effect.yieldNow()
              }
            })
          const results = yield* Effect.all(
            [
              ...Array.from({ length: contenders }, (_, i) => Effect.map(writer(i), (result) => ({ result, i }))),
              ...Array.from({ length: 4 }, (_, i) => Effect.as(reader(i), undefined))
            ],
            { concurrency: "unbounded" }
          )
          const wins = results.flatMap((win) => win === undefined ? [] : [win]).sort((x, y) =>
            x.result.head.syncCount - y.result.head.syncCount
          )
          expect(wins.map((win) => win.result.head.syncCount)).toEqual(wins.map((_, n) => n + 2))
          const last = wins[wins.length - 1]!
          const view = yield* env.store.readDataset(ref, { since: 0 })
          expect(view.head?.syncCount).toBe(contenders + 1)
          expect(summary(view.records)).toEqual(
            keys.map((key) => [key, key === "d" && last.i % 2 === 1 ? null : `w${last.i}`, contenders + 1])
          )
        }))

      test("racing commits on different keys all succeed, with distinct consecutive counts", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("keys")
          const results = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) => attempt(env, ref, { [`k${i}`]: `v${i}` }, { store: storeOf(env, i) })),
            { concurrency: "unbounded" }
          )
          const counts = results.map((result) => committed(result).head.syncCount)
          expect([...counts].sort((a, b) => a - b)).toEqual(counts.map((_, n) => n + 1))
          const view = yield* env.store.readDataset(ref, { since: 0 })
          expect(view.head).toMatchObject({ syncCount: contenders, numRecords: contenders })
          for (const [i, count] of counts.entries()) {
            expect(view.records.find((record) => record.key === `k${i}`)).toMatchObject({ value: `v${i}`, syncCount: count })
            expect(summary((results[i] as Committed).records)).toEqual([[`k${i}`, `v${i}`, count]])
          }
        }))

      test("one session raced by many commits is consumed by exactly one", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("one-session")
          const session = env.session()
          const results = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) => attempt(env, ref, { [`k${i}`]: "v" }, { session, store: storeOf(env, i) })),
            { concurrency: "unbounded" }
          )
          expect(results.filter((result) => result._tag === "Committed")).toHaveLength(1)
          expect(results.filter((result) => result._tag === "SessionUsed")).toHaveLength(contenders - 1)
          const view = yield* env.store.readDataset(ref, { since: 0 })
          expect(view.head?.syncCount).toBe(1)
          expect(view.records).toHaveLength(1)
        }))

      test("racing creations of datasets stop exactly at the datasets limit", (env) =>
        Effect.gen(function*() {
          const limit = Math.max(2, Math.floor(contenders / 2))
          const results = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) =>
              attempt(env, env.ref(`d${i}`), { k: "v" }, { limits: { datasetsPerIdentity: limit }, store: storeOf(env, i) })),
            { concurrency: "unbounded" }
          )
          expect(results.filter((result) => result._tag === "Committed")).toHaveLength(limit)
          for (const result of results) {
            if (result._tag !== "Committed") expect(result).toMatchObject({ _tag: "LimitExceeded", limit: "datasets" })
          }
          expect(yield* env.store.listDatasets(env.pool, env.identity)).toHaveLength(limit)
          expect(yield* env.store.identityUsage(env.pool, env.identity)).toMatchObject({ datasetCount: limit })
        }))

      test("racing writes of new keys stop exactly at the records limit", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("full")
          const limit = Math.max(3, Math.floor(contenders / 2))
          yield* put(env, ref, { first: null }, { limits: { recordsPerDataset: limit } })
          const results = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) =>
              attempt(env, ref, { [`k${i}`]: "v" }, { limits: { recordsPerDataset: limit }, store: storeOf(env, i) })),
            { concurrency: "unbounded" }
          )
          expect(results.filter((result) => result._tag === "Committed")).toHaveLength(limit - 1)
          for (const result of results) {
            if (result._tag !== "Committed") expect(result).toEqual({ _tag: "LimitExceeded", limit: "records", value: limit + 1 })
          }
          expect((yield* env.store.readDataset(ref, { since: 0 })).head).toMatchObject({ entries: limit, syncCount: limit })
        }))

      test("racing deletions: exactly one answers the head", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("deletions")
          yield* put(env, ref, { a: "1" })
          const head = (yield* env.store.readDataset(ref, { since: 0 })).head
          const results = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) => storeOf(env, i).deleteDataset(ref, env.now())),
            { concurrency: "unbounded" }
          )
          expect(results.filter((result) => result !== undefined)).toEqual([head])
        }))

      test("a deletion racing a commit: either order, never a mix", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("delete-vs-commit")
          for (let round = 0; round < 8; round++) {
            const count = (yield* env.store.readDataset(ref, { since: 0 })).head?.syncCount ?? 0
            const seeded = yield* put(env, ref, { k: `seed${round}` })
            expect(seeded.head.syncCount).toBe(count + 1)
            const [deleted, result] = yield* Effect.all([
              storeOf(env, round).deleteDataset(ref, env.now()),
              attempt(env, ref, { k: `new${round}` }, { conditions: { k: count + 1 }, store: storeOf(env, round + 1) })
            ], { concurrency: "unbounded" })
            if (result._tag === "Committed") {
              expect(result.head.syncCount).toBe(count + 2)
              expect(deleted).toMatchObject({ exists: true, syncCount: count + 2 })
            } else {
              expect(result).toEqual({ _tag: "Conflict", key: "k", server: 0, client: count + 1 })
              expect(deleted).toMatchObject({ exists: true, syncCount: count + 1 })
            }
            const view = yield* env.store.readDataset(ref, { since: 0 })
            expect(view.records).toEqual([])
            expect(view.head).toMatchObject({ exists: false, syncCount: deleted!.syncCount, lastDeletionCount: deleted!.syncCount })
          }
        }))

      test("a deletion at a sync count racing a commit: the commit is kept or came after, never lost", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("move-vs-commit")
          for (let round = 0; round < 8; round++) {
            const seeded = yield* put(env, ref, { [`seed${round}`]: "1" })
            const count = seeded.head.syncCount
            const [deletion, result] = yield* Effect.all([
              storeOf(env, round).deleteDatasetAt(ref, count, env.now()),
              attempt(env, ref, { [`late${round}`]: "1" }, { store: storeOf(env, round + 1) })
            ], { concurrency: "unbounded" })
            const view = yield* env.store.readDataset(ref, { since: 0 })
            const late = view.records.find((record) => record.key === `late${round}`)
            if (deletion._tag === "Changed") {
              // the commit came first: the dataset is left, with its write
              expect(committed(result).head.syncCount).toBe(count + 1)
              expect(deletion).toEqual({ _tag: "Changed", syncCount: count + 1 })
              expect(view.head).toMatchObject({ exists: true, syncCount: count + 1 })
              expect(late?.value).toBe("1")
              yield* env.store.deleteDatasetAt(ref, count + 1, env.now())
            } else {
              // the deletion came first: what it removed had no trace of the write, which made the dataset anew
              expect(deletion).toMatchObject({ _tag: "Deleted", head: { exists: true, syncCount: count } })
              expect(committed(result).head.syncCount).toBe(count + 1)
              expect(view.records.map((record) => [record.key, record.value])).toEqual([[`late${round}`, "1"]])
              yield* env.store.deleteDatasetAt(ref, count + 1, env.now())
            }
          }
        }))

      test("racing updatePool increments lose nothing", (env) =>
        Effect.gen(function*() {
          const results = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) =>
              storeOf(env, i).updatePool(env.pool, (state) =>
                Either.right({ ...state, events: { ...state.events, counter: String(Number(state.events.counter ?? "0") + 1) } }))),
            { concurrency: "unbounded" }
          )
          expect(results.map((state) => Number(state.events.counter)).sort((a, b) => a - b)).toEqual(
            results.map((_, n) => n + 1)
          )
          expect((yield* env.store.readPool(env.pool)).events.counter).toBe(String(contenders))
        }))

      test("racing registrations of one token yield one DeviceId", (env) =>
        Effect.gen(function*() {
          const ids = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) =>
              Effect.map(
                storeOf(env, i).registerDevice(
                  env.pool,
                  env.identity,
                  { deviceId: `candidate-${i}`, platform: "GCM", token: "shared" },
                  1
                ),
                registeredId
              )),
            { concurrency: "unbounded" }
          )
          expect(new Set(ids).size).toBe(1)
          expect(ids[0]).toMatch(/^candidate-\d+$/)
          expect(
            registeredId(
              yield* env.store.registerDevice(env.pool, env.identity, { deviceId: "late", platform: "GCM", token: "shared" }, 1)
            )
          ).toBe(ids[0])
        }))

      test("racing registrations of different tokens stop exactly at maxDevices", (env) =>
        Effect.gen(function*() {
          const limit = Math.max(2, Math.floor(contenders / 2))
          const results = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) =>
              storeOf(env, i).registerDevice(env.pool, env.identity, { deviceId: `device-${i}`, platform: "GCM", token: `token-${i}` }, limit)),
            { concurrency: "unbounded" }
          )
          const registered = results.filter((result) => result._tag === "Registered")
          expect(registered).toHaveLength(limit)
          for (const result of results) if (result._tag !== "Registered") expect(result).toEqual({ _tag: "LimitExceeded", devices: limit })
          // exactly the registered devices exist
          const ref = env.ref("a")
          const subscribed = yield* Effect.all(
            Array.from({ length: contenders }, (_, i) => env.store.subscribe(ref, `device-${i}`))
          )
          expect(subscribed.filter((done) => done)).toHaveLength(limit)
        }))

      test("racing registrations and subscriptions of different devices are all kept", (env) =>
        Effect.gen(function*() {
          const ref = env.ref("subscribed")
          const devices = Array.from({ length: contenders }, (_, i) => ({ deviceId: `device-${i}`, platform: "GCM", token: `token-${i}` }))
          const ids = yield* Effect.all(
            devices.map((device, i) => storeOf(env, i).registerDevice(env.pool, env.identity, device, manyDevices)),
            { concurrency: "unbounded" }
          )
          expect(ids.map(registeredId)).toEqual(devices.map((device) => device.deviceId))
          const subscribed = yield* Effect.all(
            devices.map((device, i) => storeOf(env, i + 1).subscribe(ref, device.deviceId)),
            { concurrency: "unbounded" }
          )
          expect(subscribed.every((done) => done)).toBe(true)
          expect(byId(yield* env.store.subscribers(ref))).toEqual(byId(devices))
        }))

      test("racing countSessions calls are all counted", (env) =>
        Effect.gen(function*() {
          yield* put(env, env.ref("a"), { k: "v" })
          yield* Effect.all(
            Array.from({ length: contenders * 2 }, (_, i) => storeOf(env, i).countSessions(env.pool, i + 1)),
            { concurrency: "unbounded", discard: true }
          )
          const n = contenders * 2
          expect((yield* env.store.poolUsage(env.pool))?.syncSessionsCount).toBe(n * (n + 1) / 2)
        }))
    })

    describe("scan and restore", () => transfer.cases({ test, put }))

    if (options.capabilities?.crossProcess === true) {
      describe("across instances", () => {
        test("what one instance writes, the other reads", (env) =>
          Effect.gen(function*() {
            const [one, two] = env.stores as [SyncStoreShape, SyncStoreShape]
            const ref = env.ref("shared")
            const written = yield* put(env, ref, { a: "1" }, { store: one })
            expectStored((yield* two.readDataset(ref, { since: 0 })).head, written.head)
            yield* put(env, ref, { a: "2" }, { store: two })
            expect(summary((yield* one.readDataset(ref, { since: 0 })).records)).toEqual([["a", "2", 2]])
            expect(yield* two.deleteDataset(ref, env.now())).toMatchObject({ syncCount: 2 })
            expect((yield* one.readDataset(ref, { since: 0 })).head).toMatchObject({ exists: false, lastDeletionCount: 2 })
            const configured = yield* one.updatePool(env.pool, (state) => Either.right({ ...state, pushSync }))
            expect(yield* two.readPool(env.pool)).toEqual(configured)
            const id = registeredId(yield* one.registerDevice(env.pool, env.identity, { deviceId: "first", platform: "GCM", token: "t" }, 1))
            expect(yield* two.registerDevice(env.pool, env.identity, { deviceId: "second", platform: "GCM", token: "t" }, 1)).toEqual({
              _tag: "Registered",
              deviceId: id
            })
            expect(yield* two.registerDevice(env.pool, env.identity, { deviceId: "third", platform: "GCM", token: "u" }, 1)).toEqual({
              _tag: "LimitExceeded",
              devices: 1
            })
            yield* one.countSessions(env.pool, 2)
            yield* two.countSessions(env.pool, 3)
            expect((yield* one.poolUsage(env.pool))?.syncSessionsCount).toBe(5)
          }))
      })
    }
  })
}

const byId = <A extends { readonly deviceId: string }>(devices: ReadonlyArray<A>): Array<A> =>
  [...devices].sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
