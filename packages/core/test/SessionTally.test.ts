/**
 * Sync sessions are counted in memory and reach the store in batches: ListRecords makes no
 * store write, the counts arrive within a second, at once every 1,000, and when the service
 * closes, and a failed flush loses nothing.
 */
import { Effect, Layer, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import { CognitoSync, CognitoSyncConfig, createCognitoSync, PushNotifier, StreamPublisher, SyncStore, SyncTrigger } from "@syncalite/core"
import { developer, newIdentity, tokenSecret } from "./helpers.js"

const reads = new Set(["readDataset", "readPool", "listDatasets", "subscribers", "identityUsage", "poolUsage", "listPoolUsage", "scan"])

/** The memory store, recording the name and arguments of every call; `failing` makes countSessions fail or die. */
const recordingStore = () => {
  const calls: Array<readonly [string, ...Array<unknown>]> = []
  const state: { failing: false | "fail" | "die" } = { failing: false }
  const store = SyncStore.makeMemory()
  const recorded = Object.fromEntries(
    Object.entries(store).map(([name, method]) => [
      name,
      (...args: Array<unknown>) => {
        calls.push([name, ...args])
        if (name === "countSessions" && state.failing === "fail") {
          return Effect.fail(new SyncStore.StorageError({ message: "the store is away" }))
        }
        if (name === "countSessions" && state.failing === "die") return Effect.die(new TypeError("a bug in the store"))
        return (method as (...args: Array<unknown>) => unknown)(...args)
      }
    ])
  ) as unknown as SyncStore.SyncStoreShape
  const writes = () => calls.filter(([name]) => !reads.has(name))
  return { calls, state, store, recorded, writes }
}

const serviceOver = (store: SyncStore.SyncStoreShape) =>
  CognitoSync.layer.pipe(Layer.provide(Layer.mergeAll(
    Layer.succeed(SyncStore.SyncStore, store),
    PushNotifier.layerNoop,
    StreamPublisher.layerMemory,
    SyncTrigger.layerFunctions({})
  ).pipe(Layer.provideMerge(CognitoSyncConfig.layer({ tokenSecret })))))

const runWith = <A, E>(store: SyncStore.SyncStoreShape, program: Effect.Effect<A, E, CognitoSync.CognitoSync>) =>
  Effect.runPromise(program.pipe(Effect.provide(serviceOver(store)), Effect.provide(TestContext.TestContext)))

const listRecords = (me: ReturnType<typeof newIdentity>, times: number) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
    Effect.repeatN(sync.listRecords(me.ref("d"), me.caller), times - 1))

/** lets the fibers a clock move woke finish their (synchronous) store calls */
const settle = Effect.repeatN(Effect.yieldNow(), 10)

const stored = (store: SyncStore.SyncStoreShape, pool: string) =>
  Effect.map(store.poolUsage(pool), (usage) => usage?.syncSessionsCount ?? 0)

describe("the session tally", () => {
  it("ListRecords makes no store write; the sessions reach the store in one call within a second", async () => {
    const me = newIdentity()
    const { calls, recorded, store, writes } = recordingStore()
    await runWith(recorded, Effect.gen(function*() {
      yield* listRecords(me, 5)
      yield* settle
      expect(calls.length).toBe(5)
      expect(writes()).toEqual([])
      expect(yield* stored(store, me.pool)).toBe(0)
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(writes()).toEqual([["countSessions", me.pool, 5]])
      expect(yield* stored(store, me.pool)).toBe(5)
    }))
  })

  it("flushes at once when 1,000 sessions are waiting", async () => {
    const me = newIdentity()
    const other = newIdentity()
    const { recorded, store, writes } = recordingStore()
    await runWith(recorded, Effect.gen(function*() {
      yield* listRecords(other, 1)
      yield* listRecords(me, 998)
      yield* settle
      expect(writes()).toEqual([])
      yield* listRecords(me, 1)
      yield* settle
      expect(writes()).toEqual(expect.arrayContaining([["countSessions", me.pool, 999], ["countSessions", other.pool, 1]]))
      expect(writes().length).toBe(2)
      expect(yield* stored(store, me.pool)).toBe(999)
    }))
  })

  it("a process reads its own sessions at once, however recent", async () => {
    const me = newIdentity()
    const { recorded } = recordingStore()
    await runWith(recorded, Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* listRecords(me, 3)
      expect((yield* sync.describeIdentityPoolUsage({ IdentityPoolId: me.pool }, developer)).IdentityPoolUsage.SyncSessionsCount)
        .toBe(3)
      const listed = (yield* sync.listIdentityPoolUsage({}, developer)).IdentityPoolUsages
      expect(listed.find((usage) => usage.IdentityPoolId === me.pool)?.SyncSessionsCount).toBe(3)
    }))
  })

  it("another process sees them within a second", async () => {
    const me = newIdentity()
    const { recorded, store } = recordingStore()
    await Effect.runPromise(Effect.gen(function*() {
      const [one, two] = yield* Effect.all([serviceOver(recorded), serviceOver(recorded)].map((layer) =>
        Effect.map(Layer.build(layer), (context) => context.unsafeMap.get(CognitoSync.CognitoSync.key) as CognitoSync.CognitoSyncShape)))
      yield* one!.listRecords(me.ref("d"), me.caller)
      const describe = two!.describeIdentityPoolUsage({ IdentityPoolId: me.pool }, developer)
      expect((yield* Effect.flip(describe))._tag).toBe("ResourceNotFoundException")
      yield* TestClock.adjust("1 second")
      yield* settle
      expect((yield* describe).IdentityPoolUsage.SyncSessionsCount).toBe(1)
      expect(yield* stored(store, me.pool)).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(TestContext.TestContext)))
  })

  it("a failed flush keeps its counts for the next, and never reaches a ListRecords caller", async () => {
    const me = newIdentity()
    const { recorded, state, store, writes } = recordingStore()
    await runWith(recorded, Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      state.failing = "fail"
      yield* listRecords(me, 2)
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(writes()).toEqual([["countSessions", me.pool, 2]])
      yield* listRecords(me, 1)
      // the usage read flushes first, and says so when the store fails
      const refused = yield* Effect.flip(sync.describeIdentityPoolUsage({ IdentityPoolId: me.pool }, developer))
      expect(refused._tag).toBe("InternalErrorException")
      expect(yield* stored(store, me.pool)).toBe(0)
      state.failing = false
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(writes().at(-1)).toEqual(["countSessions", me.pool, 3])
      expect(yield* stored(store, me.pool)).toBe(3)
    }))
  })

  it("a store call that dies keeps its counts too", async () => {
    const me = newIdentity()
    const { recorded, state, store, writes } = recordingStore()
    await runWith(recorded, Effect.gen(function*() {
      state.failing = "die"
      yield* listRecords(me, 2)
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(writes()).toEqual([["countSessions", me.pool, 2]])
      state.failing = false
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(yield* stored(store, me.pool)).toBe(2)
    }))
  })

  it("stores what it counted when the service closes", async () => {
    const me = newIdentity()
    const { recorded, store } = recordingStore()
    const sync = createCognitoSync({ tokenSecret, store: recorded })
    for (let i = 0; i < 4; i++) await sync.listRecords(me.ref("d"), me.caller)
    expect(await Effect.runPromise(stored(store, me.pool))).toBe(0)
    await sync.close()
    expect(await Effect.runPromise(stored(store, me.pool))).toBe(4)
  })
})
