import { Cause, Effect, Either, Exit, Random } from "effect"
import { describe, expect, it } from "vitest"
import { SyncStore } from "@syncalite/core"
import { IdentityStore } from "@syncalite/identity"
import { IdentitySuite, StorageSuite } from "@syncalite/testing"

/**
 * A driver that answers every call asynchronously after a random small pause (0–2 ms, a yield,
 * or none), and keeps values as JSON as a remote backend would, so that racing fibers really
 * interleave between the reads and the compare-and-sets of the store.
 */
const jittered = (driver: SyncStore.SyncStoreDriver): SyncStore.SyncStoreDriver => {
  const pause = Effect.flatMap(Random.nextIntBetween(0, 5), (n) =>
    n === 0 ? Effect.void : n === 1 ? Effect.yieldNow() : Effect.sleep(n - 2))
  const around = <A, E>(call: Effect.Effect<A, E>) => pause.pipe(Effect.zipRight(call), Effect.zipLeft(pause))
  const copy = <A>(value: A): A => value === undefined ? value : JSON.parse(JSON.stringify(value))
  const copyAll = <A>(values: ReadonlyArray<A>): ReadonlyArray<A> => values.map(copy)
  return {
    trusted: false,
    get: (key) => around(Effect.map(driver.get(key), copy)),
    getMany: (keys) => around(Effect.map(driver.getMany(keys), copyAll)),
    compareAndSet: (key, expected, value) => around(driver.compareAndSet(key, expected, copy(value))),
    delete: (key) => around(driver.delete(key))
  }
}

StorageSuite.run("SyncStore.layerMemory", { make: SyncStore.layerMemory })

StorageSuite.run("SyncStore.fromDriver(memoryDriver())", {
  make: async () => ({ store: SyncStore.fromDriver(SyncStore.memoryDriver()) })
})

StorageSuite.run("SyncStore.fromDriver over a jittered, serialising driver", {
  make: async () => ({ store: SyncStore.fromDriver(jittered(SyncStore.memoryDriver())) })
})

// one backend for the whole run, each instance a separate `fromDriver`, as separate processes
const shared = jittered(SyncStore.memoryDriver())
StorageSuite.run("two SyncStore.fromDriver instances over one shared jittered driver", {
  make: async () => ({ store: SyncStore.fromDriver(shared) }),
  capabilities: { crossProcess: true }
})

IdentitySuite.run("IdentityStore.layerMemory", { make: IdentityStore.layerMemory })

IdentitySuite.run("IdentityStore.fromDriver over a jittered, serialising driver", {
  make: async () => ({ store: IdentityStore.fromDriver(jittered(SyncStore.memoryDriver())) })
})

const sharedIdentities = jittered(SyncStore.memoryDriver())
IdentitySuite.run("two IdentityStore.fromDriver instances over one shared jittered driver", {
  make: async () => ({ store: IdentityStore.fromDriver(sharedIdentities) }),
  capabilities: { crossProcess: true }
})

describe("a driver holding foreign data", () => {
  /** A memory driver that records the keys written, and lets a test overwrite any of them. */
  const recording = () => {
    const inner = SyncStore.memoryDriver()
    const written = new Set<string>()
    const driver: SyncStore.SyncStoreDriver = {
      trusted: false,
      get: inner.get,
      getMany: inner.getMany,
      compareAndSet: (key, expected, value) =>
        Effect.tap(inner.compareAndSet(key, expected, value), (done) => {
          if (done) written.add(key)
        }),
      delete: inner.delete
    }
    /** replaces whatever is under `key` with `value`, bypassing the store */
    const corrupt = (key: string, value: unknown) =>
      Effect.flatMap(inner.get(key), (entry) => inner.compareAndSet(key, entry?.version, value))
    return { driver, written, corrupt }
  }

  const pool = "us-east-1:0000aaaa"
  const identity = "us-east-1:0000bbbb"
  const ref = { identityPoolId: pool, identityId: identity, datasetName: "settings" }
  const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }
  const commit = (store: SyncStore.SyncStoreShape, session: string) =>
    store.commit({
      ref,
      session: { id: session, expiresAt: Date.now() + 60_000 },
      conditions: [{ key: "k", syncCount: 1 }],
      writes: [{ key: "k", value: "w" }],
      modifiedBy: "test",
      now: Date.now(),
      limits
    })

  /** Every read of the port, each as an Exit. */
  const everything = (store: SyncStore.SyncStoreShape) =>
    Effect.all([
      store.readDataset(ref, { since: 0 }),
      store.listDatasets(pool, identity),
      commit(store, "second"),
      store.deleteDataset(ref, Date.now()),
      store.poolDatasets(pool),
      store.readPool(pool),
      store.identityUsage(pool, identity),
      store.poolUsage(pool),
      store.listPoolUsage(undefined, 10),
      store.subscribers(ref),
      store.registerDevice(pool, identity, { deviceId: "d2", platform: "GCM", token: "t2" }, 20)
    ].map((effect) => Effect.exit(effect as Effect.Effect<unknown, SyncStore.StorageError>)))

  const setUp = Effect.gen(function*() {
    const { corrupt, driver, written } = recording()
    const store = SyncStore.fromDriver(driver)
    const first = yield* store.commit({
      ref,
      session: { id: "first", expiresAt: Date.now() + 60_000 },
      conditions: [{ key: "k", syncCount: 0 }],
      writes: [{ key: "k", value: "v" }],
      modifiedBy: "test",
      now: Date.now(),
      limits
    })
    expect(first._tag).toBe("Committed")
    yield* store.updatePool(pool, (state) => Either.right({ ...state, events: { SyncTrigger: "arn" } }))
    yield* store.registerDevice(pool, identity, { deviceId: "d1", platform: "GCM", token: "t1" }, 20)
    yield* store.subscribe(ref, "d1")
    yield* store.countSessions(pool, 1)
    return { corrupt, store, written: [...written] }
  })

  it("a string where an identity's document is expected is a StorageError naming the key", async () => {
    await Effect.runPromise(Effect.gen(function*() {
      const { corrupt, store, written } = yield* setUp
      // the document holding the dataset's head is the one that changes with the identity's devices
      const identityKeys = written.filter((key) => key.includes(identity) && key.includes(pool))
      expect(identityKeys.length).toBeGreaterThan(0)
      const before = yield* Effect.exit(store.listDatasets(pool, identity))
      expect(Exit.isSuccess(before)).toBe(true)
      for (const key of identityKeys) yield* corrupt(key, "not a document")
      const exit = yield* Effect.exit(store.listDatasets(pool, identity))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = Cause.failureOption(exit.cause)
        expect(error._tag).toBe("Some")
        if (error._tag === "Some") {
          expect(error.value).toBeInstanceOf(SyncStore.StorageError)
          expect(identityKeys).toContain(error.value.key)
          expect(error.value.message).toContain(error.value.key)
        }
      }
    }))
  })

  it("any key the store wrote, holding a foreign value, fails some read with a StorageError naming it and crashes none", async () => {
    // setUp is deterministic but for the random versions in records documents' keys: go by position
    const count = await Effect.runPromise(Effect.map(setUp, ({ written }) => written.length))
    expect(count).toBeGreaterThan(3)
    for (let i = 0; i < count; i++) {
      for (const foreign of ["a string", 42, null, { unexpected: true }, [1, 2, 3]]) {
        await Effect.runPromise(Effect.gen(function*() {
          const { corrupt, store, written } = yield* setUp
          const target = written[i]!
          yield* corrupt(target, foreign)
          const exits = yield* everything(store)
          const failures = exits.flatMap((exit) => Exit.isFailure(exit) ? [exit.cause] : [])
          for (const cause of failures) {
            // a typed failure, never a defect
            expect(Cause.isDie(cause), Cause.pretty(cause)).toBe(false)
            const error = Cause.failureOption(cause)
            expect(error._tag, Cause.pretty(cause)).toBe("Some")
            if (error._tag === "Some") {
              expect(error.value).toBeInstanceOf(SyncStore.StorageError)
              expect(error.value.key).toBe(target)
              expect(error.value.message).toContain(target)
            }
          }
          expect(failures.length, `no read noticed the foreign value under ${target}`).toBeGreaterThan(0)
        }))
      }
    }
  })
})
