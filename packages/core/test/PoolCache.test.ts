/**
 * A pool's configuration on the hot path: UpdateRecords reads it from a per-process copy, so that
 * its one store call is the commit, and a change made through another process (another service
 * over the same store) applies to its writes within a second.
 */
import { Context, Effect, Layer, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import {
  CognitoSync,
  CognitoSyncConfig,
  PushNotifier,
  StreamPublisher,
  SyncStore,
  SyncTrigger
} from "@syncalite/core"
import { configurePush, developer, gcmArn, newIdentity, tokenSecret, triggerArn } from "./poolHelpers.js"

/** The store with the name of every method called on it recorded, in order. */
const counting = (store: SyncStore.SyncStoreShape) => {
  const calls: Array<string> = []
  const counted = Object.fromEntries(
    Object.entries(store).map(([name, method]) => [name, (...args: Array<unknown>) => {
      calls.push(name)
      return (method as (...args: Array<unknown>) => unknown)(...args)
    }])
  ) as unknown as SyncStore.SyncStoreShape
  return { calls, store: counted }
}

/** A service of its own (as another process's would be) over `store`, with its own push deliveries. */
const process = (store: SyncStore.SyncStoreShape) =>
  Effect.map(
    Layer.build(
      CognitoSync.layer.pipe(
        Layer.provideMerge(
          Layer.mergeAll(
            Layer.succeed(SyncStore.SyncStore, store),
            PushNotifier.layerMemory,
            StreamPublisher.layerNoop,
            SyncTrigger.layerFunctions({
              [triggerArn]: (event) => ({
                ...event,
                datasetRecords: Object.fromEntries(
                  Object.entries(event.datasetRecords).map(([key, record]) => [key, {
                    ...record,
                    newValue: record.newValue === null ? null : record.newValue.toUpperCase()
                  }])
                )
              })
            })
          ).pipe(Layer.provideMerge(CognitoSyncConfig.layer({ tokenSecret })))
        )
      )
    ),
    (context) => ({ sync: Context.get(context, CognitoSync.CognitoSync), push: Context.get(context, PushNotifier.PushNotifierMemory) })
  )

type Process = Effect.Effect.Success<ReturnType<typeof process>>

const run = <A, E>(program: Effect.Effect<A, E, import("effect").Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(TestContext.TestContext)))

/** ListRecords then UpdateRecords of one key, from a device; the value as stored. */
const writeThrough = (
  { sync }: Process,
  me: ReturnType<typeof newIdentity>,
  DatasetName: string,
  Value: string,
  DeviceId?: string
) =>
  Effect.gen(function*() {
    const ref = me.ref(DatasetName)
    const listed = yield* sync.listRecords(ref, me.caller)
    const SyncCount = listed.Records.find((record) => record.Key === "k")?.SyncCount ?? 0
    const out = yield* sync.updateRecords({
      ...ref,
      ...(DeviceId === undefined ? {} : { DeviceId }),
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "k", Value, SyncCount }]
    }, me.caller)
    return out.Records[0]?.Value
  })

const subscribedDevice = ({ sync }: Process, me: ReturnType<typeof newIdentity>, DatasetName: string) =>
  Effect.gen(function*() {
    const { DeviceId } = yield* sync.registerDevice({ ...me.ids, Platform: "GCM", Token: `token-${DatasetName}` }, me.caller)
    yield* sync.subscribeToDataset({ ...me.ref(DatasetName), DeviceId }, me.caller)
    return DeviceId
  })

describe("the pool configuration of UpdateRecords", () => {
  it("UpdateRecords on a pool with push sync makes one store call: the commit, answering the devices it notifies", () =>
    run(Effect.gen(function*() {
      const { calls, store } = counting(SyncStore.makeMemory())
      const one = yield* process(store)
      const me = newIdentity()
      yield* configurePush(me.identityPoolId).pipe(Effect.provideService(CognitoSync.CognitoSync, one.sync))
      yield* writeThrough(one, me, "d", "first")
      const device = yield* subscribedDevice(one, me, "d")
      const listed = yield* one.sync.listRecords(me.ref("d"), me.caller)
      calls.length = 0
      yield* one.sync.updateRecords({
        ...me.ref("d"),
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "second", SyncCount: 1 }]
      }, me.caller)
      expect(calls).toEqual(["commit"])
      const delivered = yield* one.push.delivered
      expect(delivered).toEqual([{
        device: { deviceId: device, platform: "GCM", token: "token-d" },
        applicationArn: gcmArn,
        message: expect.objectContaining({ datasetName: "d", syncCount: "2" })
      }])
      // once the cached entry is a second old, the configuration is read again, once
      yield* TestClock.adjust("1 second")
      calls.length = 0
      yield* writeThrough(one, me, "d", "third")
      expect(calls).toEqual(["readDataset", "readPool", "commit"])
    })))

  it("push sync configured through one process applies to another's writes within a second", () =>
    run(Effect.gen(function*() {
      const store = SyncStore.makeMemory()
      const [one, other] = [yield* process(store), yield* process(store)]
      const me = newIdentity()
      // the other process has read the pool's configuration (none) for a write of its own
      yield* writeThrough(other, me, "d", "before")
      yield* configurePush(me.identityPoolId).pipe(Effect.provideService(CognitoSync.CognitoSync, one.sync))
      const device = yield* subscribedDevice(one, me, "d")
      yield* TestClock.adjust("1 second")
      yield* writeThrough(other, me, "d", "after")
      const delivered = yield* other.push.delivered
      expect(delivered.map((delivery) => delivery.device.deviceId)).toContain(device)
    })))

  it("a sync trigger set through one process runs for another's writes within a second, and at once for its own", () =>
    run(Effect.gen(function*() {
      const store = SyncStore.makeMemory()
      const [one, other] = [yield* process(store), yield* process(store)]
      const me = newIdentity()
      expect(yield* writeThrough(other, me, "d", "plain")).toBe("plain")
      yield* one.sync.setCognitoEvents({ IdentityPoolId: me.identityPoolId, Events: { SyncTrigger: triggerArn } }, developer)
      expect(yield* writeThrough(one, me, "d", "own")).toBe("OWN")
      yield* TestClock.adjust("1 second")
      expect(yield* writeThrough(other, me, "d", "other")).toBe("OTHER")
      // and removed again: the trigger stops within a second everywhere
      yield* one.sync.setCognitoEvents({ IdentityPoolId: me.identityPoolId, Events: { SyncTrigger: "" } }, developer)
      expect(yield* writeThrough(one, me, "d", "own")).toBe("own")
      yield* TestClock.adjust("1 second")
      expect(yield* writeThrough(other, me, "d", "other")).toBe("other")
    })))
})
