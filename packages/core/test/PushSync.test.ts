import { Chunk, Clock, Effect, Fiber, Layer, TestClock } from "effect"
import { describe, expect, it } from "vitest"
import {
  Caller,
  CognitoSync,
  CognitoSyncConfig,
  createCognitoSync,
  PushNotifier,
  StreamPublisher,
  SyncStore,
  SyncTrigger
} from "@syncalite/core"
import {
  apnsArn,
  configurePush,
  developer,
  gcmArn,
  newIdentity,
  roleArn,
  runTest,
  runWith,
  tokenSecret,
  write
} from "./poolHelpers.js"

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const register = (me: ReturnType<typeof newIdentity>, Token: string, Platform: "GCM" | "APNS" | "APNS_SANDBOX" | "ADM" = "GCM") =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.registerDevice({ ...me.ids, Platform, Token }, me.caller))

const subscribe = (me: ReturnType<typeof newIdentity>, DatasetName: string, DeviceId: string) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.subscribeToDataset({ ...me.ref(DatasetName), DeviceId }, me.caller))

const unsubscribe = (me: ReturnType<typeof newIdentity>, DatasetName: string, DeviceId: string) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
    sync.unsubscribeFromDataset({ ...me.ref(DatasetName), DeviceId }, me.caller))

const delivered = Effect.flatMap(PushNotifier.PushNotifierMemory, (memory) => memory.delivered)

describe("RegisterDevice", () => {
  it("answers a UUID DeviceId, the same one for the same identity and token (SPEC 33)", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    await runTest(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId)
      const first = yield* register(me, "token-1")
      expect(first).toEqual({ DeviceId: expect.stringMatching(uuid) })
      expect(yield* register(me, "token-1")).toEqual(first)
      const second = yield* register(me, "token-2")
      expect(second.DeviceId).toMatch(uuid)
      expect(second.DeviceId).not.toBe(first.DeviceId)
      const elsewhere = yield* register(other, "token-1")
      expect(elsewhere.DeviceId).not.toBe(first.DeviceId)
    }))
  })

  it("refuses a device past devicesPerIdentity with InvalidParameterException; a known token still answers", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    await runTest(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId)
      const ids = []
      for (let n = 0; n < 20; n++) ids.push((yield* register(me, `token-${n}`)).DeviceId)
      const refused = yield* Effect.flip(register(me, "token-20"))
      expect(refused._tag).toBe("InvalidParameterException")
      expect(refused.message).toBe("An identity may register at most 20 devices; this one has 20")
      expect(yield* register(me, "token-7")).toEqual({ DeviceId: ids[7] })
      // per identity
      expect((yield* register(other, "token-20")).DeviceId).toMatch(uuid)
    }))
    const few = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configurePush(few.identityPoolId)
      yield* register(few, "a")
      yield* register(few, "b")
      expect((yield* Effect.flip(register(few, "c")))._tag).toBe("InvalidParameterException")
    }), { config: { limits: { devicesPerIdentity: 2 } } })
  })

  it("refuses a Token longer than pushTokenLength with InvalidParameterException, storing nothing", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId)
      const longest = "t".repeat(4096)
      const kept = yield* register(me, longest)
      expect(kept.DeviceId).toMatch(uuid)
      const refused = yield* Effect.flip(register(me, `${longest}u`))
      expect(refused._tag).toBe("InvalidParameterException")
      expect(refused.message).toBe(
        "1 validation error detected: Value at 'token' failed to satisfy constraint: Member must have length less than or equal to 4096"
      )
      // a 1.9 MB token, as a hostile client sends, is refused before the store is asked
      expect((yield* Effect.flip(register(me, "x".repeat(1_900_000))))._tag).toBe("InvalidParameterException")
      expect(yield* register(me, longest)).toEqual(kept)
    }))
    const short = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configurePush(short.identityPoolId)
      expect((yield* Effect.flip(register(short, "12345678901")))._tag).toBe("InvalidParameterException")
      expect((yield* register(short, "1234567890")).DeviceId).toMatch(uuid)
    }), { config: { limits: { pushTokenLength: 10 } } })
  })

  it("fails with InvalidConfigurationException when the pool has no push configuration", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const error = yield* Effect.flip(register(me, "token"))
      expect(error._tag).toBe("InvalidConfigurationException")
      // a configuration with only a role is not a push configuration either
      yield* sync.setIdentityPoolConfiguration({ IdentityPoolId: me.identityPoolId, PushSync: { RoleArn: roleArn } }, developer)
      expect((yield* Effect.flip(register(me, "token")))._tag).toBe("InvalidConfigurationException")
      // and after clearing it, again
      yield* configurePush(me.identityPoolId)
      yield* register(me, "token")
      yield* sync.setIdentityPoolConfiguration({ IdentityPoolId: me.identityPoolId, PushSync: {} }, developer)
      expect((yield* Effect.flip(register(me, "token")))._tag).toBe("InvalidConfigurationException")
    }))
  })

  it("needs an application ARN of the device's platform", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId, [apnsArn])
      const error = yield* Effect.flip(register(me, "token", "GCM"))
      expect(error._tag).toBe("InvalidConfigurationException")
      expect(error.message).toContain("GCM")
      expect((yield* register(me, "token", "APNS")).DeviceId).toMatch(uuid)
      expect((yield* Effect.flip(register(me, "token", "APNS_SANDBOX")))._tag).toBe("InvalidConfigurationException")
      yield* configurePush(me.identityPoolId, [apnsArn, gcmArn])
      expect((yield* register(me, "token", "GCM")).DeviceId).toMatch(uuid)
    }))
  })

  it("validates the platform against the model's enum (SPEC 33)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* configurePush(me.identityPoolId)
      const error = yield* Effect.flip(
        sync.registerDevice({ ...me.ids, Platform: "FOO" as "GCM", Token: "token" }, me.caller)
      )
      expect(error._tag).toBe("InvalidParameterException")
      expect(error.message).toBe(
        "1 validation error detected: Value 'FOO' at 'platform' failed to satisfy constraint: Member must satisfy enum value set: [APNS, APNS_SANDBOX, GCM, ADM]"
      )
      const missing = yield* Effect.flip(sync.registerDevice({ ...me.ids, Platform: "GCM" } as never, me.caller))
      expect(missing.message).toBe(
        "1 validation error detected: Value null at 'token' failed to satisfy constraint: Member must not be null"
      )
    }))
  })

  it("refuses developer credentials and other identities (SPEC 26)", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* configurePush(me.identityPoolId)
      const input = { ...me.ids, Platform: "GCM" as const, Token: "token" }
      const byDeveloper = yield* Effect.flip(sync.registerDevice(input, developer))
      expect(byDeveloper._tag).toBe("NotAuthorizedException")
      expect(byDeveloper.message).toBe("These credentials are not valid for accessing this resource")
      expect((yield* Effect.flip(sync.registerDevice(input, other.caller)))._tag).toBe("NotAuthorizedException")
    }))
  })
})

describe("SubscribeToDataset and UnsubscribeFromDataset", () => {
  it("subscribe a registered device to an existing dataset, and unsubscribe it (SPEC 34)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const { DeviceId } = yield* register(me, "token")
      expect(yield* subscribe(me, "d", DeviceId)).toEqual({})
      // subscribing twice is harmless
      expect(yield* subscribe(me, "d", DeviceId)).toEqual({})
      expect(yield* unsubscribe(me, "d", DeviceId)).toEqual({})
      const again = yield* Effect.flip(unsubscribe(me, "d", DeviceId))
      expect(again._tag).toBe("ResourceNotFoundException")
    }))
  })

  it("answer ResourceNotFoundException for a dataset not subscribed, an unknown device or a missing dataset (SPEC 34)", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    await runTest(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      yield* write(other.ref("d"), other.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const { DeviceId } = yield* register(me, "token")
      const notSubscribed = yield* Effect.flip(unsubscribe(me, "d", DeviceId))
      expect(notSubscribed._tag).toBe("ResourceNotFoundException")
      expect((notSubscribed as { status?: number }).status).toBe(404)
      const unknownDevice = yield* Effect.flip(subscribe(me, "d", "00000000-0000-4000-8000-000000000000"))
      expect(unknownDevice._tag).toBe("ResourceNotFoundException")
      expect(unknownDevice.message).toContain("00000000-0000-4000-8000-000000000000")
      expect((yield* Effect.flip(unsubscribe(me, "d", "00000000-0000-4000-8000-000000000000")))._tag).toBe(
        "ResourceNotFoundException"
      )
      const missingDataset = yield* Effect.flip(subscribe(me, "never-written", DeviceId))
      expect(missingDataset._tag).toBe("ResourceNotFoundException")
      // a device of another identity is unknown to this one
      expect((yield* Effect.flip(subscribe(other, "d", DeviceId)))._tag).toBe("ResourceNotFoundException")
      // a deleted dataset cannot be subscribed to
      const sync = yield* CognitoSync.CognitoSync
      yield* sync.deleteDataset(me.ref("d"), me.caller)
      expect((yield* Effect.flip(subscribe(me, "d", DeviceId)))._tag).toBe("ResourceNotFoundException")
    }))
  })

  it("fail with InvalidConfigurationException without push configuration", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* configurePush(me.identityPoolId)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const { DeviceId } = yield* register(me, "token")
      yield* subscribe(me, "d", DeviceId)
      yield* sync.setIdentityPoolConfiguration({ IdentityPoolId: me.identityPoolId, PushSync: {} }, developer)
      expect((yield* Effect.flip(subscribe(me, "d", DeviceId)))._tag).toBe("InvalidConfigurationException")
      expect((yield* Effect.flip(unsubscribe(me, "d", DeviceId)))._tag).toBe("InvalidConfigurationException")
    }))
  })

  it("refuse developer credentials and other identities (SPEC 26)", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* configurePush(me.identityPoolId)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const { DeviceId } = yield* register(me, "token")
      const input = { ...me.ref("d"), DeviceId }
      for (const caller of [developer, other.caller]) {
        expect((yield* Effect.flip(sync.subscribeToDataset(input, caller)))._tag).toBe("NotAuthorizedException")
        expect((yield* Effect.flip(sync.unsubscribeFromDataset(input, caller)))._tag).toBe("NotAuthorizedException")
      }
    }))
  })
})

describe("push sync notifications", () => {
  it("tell every subscribed device but the writer's, with exactly the service's payload (SPEC 35)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const d1 = (yield* register(me, "token-1")).DeviceId
      const d2 = (yield* register(me, "token-2")).DeviceId
      yield* subscribe(me, "d", d1)
      yield* subscribe(me, "d", d2)
      expect(yield* delivered).toEqual([])

      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }], { DeviceId: d1 })
      const deliveries = yield* delivered
      expect(deliveries).toEqual([{
        device: { deviceId: d2, platform: "GCM", token: "token-2" },
        applicationArn: gcmArn,
        message: {
          source: "cognito-sync",
          identityPoolId: me.identityPoolId,
          identityId: me.identityId,
          datasetName: "d",
          syncCount: "2"
        }
      }])
      expect(Object.keys(deliveries[0]!.message).sort()).toEqual(
        ["datasetName", "identityId", "identityPoolId", "source", "syncCount"]
      )
    }))
  })

  it("tell every subscribed device when the writer sends no DeviceId, developer writes included", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const d1 = (yield* register(me, "token-1")).DeviceId
      const d2 = (yield* register(me, "token-2")).DeviceId
      yield* subscribe(me, "d", d1)
      yield* subscribe(me, "d", d2)
      yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }])
      const deliveries = yield* delivered
      expect(deliveries.map((delivery) => delivery.device.deviceId).sort()).toEqual([d1, d2].sort())
      expect(deliveries.every((delivery) => delivery.message.syncCount === "2")).toBe(true)
    }))
  })

  it("are not sent for other datasets, after unsubscribing, for refused writes or without push configuration", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* configurePush(me.identityPoolId)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const d1 = (yield* register(me, "token-1")).DeviceId
      yield* subscribe(me, "d", d1)

      yield* write(me.ref("other"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      expect(yield* delivered).toEqual([])

      const conflict = yield* Effect.flip(
        write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "x", SyncCount: 0 }])
      )
      expect(conflict._tag).toBe("ResourceConflictException")
      expect(yield* delivered).toEqual([])

      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }])
      expect((yield* delivered).length).toBe(1)

      yield* unsubscribe(me, "d", d1)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "x", SyncCount: 2 }])
      expect((yield* delivered).length).toBe(1)

      yield* subscribe(me, "d", d1)
      yield* sync.setIdentityPoolConfiguration({ IdentityPoolId: me.identityPoolId, PushSync: {} }, developer)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "y", SyncCount: 3 }])
      expect((yield* delivered).length).toBe(1)
    }))
  })

  it("work through the Promise facade and its push function", async () => {
    const me = newIdentity()
    const deliveries: Array<PushNotifier.PushDelivery> = []
    const sync = createCognitoSync({ tokenSecret, push: (delivery) => void deliveries.push(delivery) })
    try {
      await expect(sync.registerDevice({ ...me.ids, Platform: "GCM", Token: "t1" }, me.caller)).rejects.toMatchObject({
        name: "InvalidConfigurationException"
      })
      await sync.setIdentityPoolConfiguration({ IdentityPoolId: me.identityPoolId, PushSync: { ApplicationArns: [gcmArn] } })
      // the default caller is a developer: refused
      await expect(sync.registerDevice({ ...me.ids, Platform: "GCM", Token: "t1" })).rejects.toMatchObject({
        name: "NotAuthorizedException"
      })
      const { DeviceId: d1 } = await sync.registerDevice({ ...me.ids, Platform: "GCM", Token: "t1" }, me.caller)
      const { DeviceId: d2 } = await sync.registerDevice({ ...me.ids, Platform: "GCM", Token: "t2" }, me.caller)
      await expect(sync.subscribeToDataset({ ...me.ref("d"), DeviceId: d2 }, me.caller)).rejects.toMatchObject({
        name: "ResourceNotFoundException"
      })
      const first = await sync.listRecords(me.ref("d"), me.caller)
      await sync.updateRecords({
        ...me.ref("d"),
        SyncSessionToken: first.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
      }, me.caller)
      expect(await sync.subscribeToDataset({ ...me.ref("d"), DeviceId: d2 }, me.caller)).toEqual({})
      const second = await sync.listRecords(me.ref("d"), me.caller)
      await sync.updateRecords({
        ...me.ref("d"),
        DeviceId: d1,
        SyncSessionToken: second.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }]
      }, me.caller)
      expect(deliveries.map((delivery) => [delivery.device.deviceId, delivery.message])).toEqual([[d2, {
        source: "cognito-sync",
        identityPoolId: me.identityPoolId,
        identityId: me.identityId,
        datasetName: "d",
        syncCount: "2"
      }]])
      expect(await sync.unsubscribeFromDataset({ ...me.ref("d"), DeviceId: d2 }, me.caller)).toEqual({})
      await expect(sync.unsubscribeFromDataset({ ...me.ref("d"), DeviceId: d2 }, Caller.identity(me.identityPoolId, me.identityId)))
        .rejects.toMatchObject({ name: "ResourceNotFoundException" })
    } finally {
      await sync.close()
    }
  })
})

describe("a notifier that hangs", () => {
  /** The service with this notifier, a subscribed device, and a first write to "d"; pushWaitMillis is 250. */
  const subscribed = <A, E>(
    notify: PushNotifier.PushNotifierShape["notify"],
    body: (me: ReturnType<typeof newIdentity>) => Effect.Effect<A, E, CognitoSync.CognitoSync>
  ) => {
    const me = newIdentity()
    const service = CognitoSync.layer.pipe(Layer.provide(Layer.mergeAll(
      SyncStore.layerMemory,
      Layer.succeed(PushNotifier.PushNotifier, { notify }),
      StreamPublisher.layerNoop,
      SyncTrigger.layerNoop,
      CognitoSyncConfig.layer({ tokenSecret, limits: { pushWaitMillis: 250 } })
    )))
    return runWith(Effect.gen(function*() {
      yield* configurePush(me.identityPoolId)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const device = (yield* register(me, "token-1")).DeviceId
      yield* subscribe(me, "d", device)
      return yield* body(me)
    }), service)
  }

  it("holds a write exactly pushWaitMillis, as configured, then the write answers", () =>
    subscribed(() => Effect.never, (me) =>
      Effect.gen(function*() {
        const writing = yield* Effect.fork(write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }]))
        while (Chunk.isEmpty(yield* TestClock.sleeps())) yield* Effect.yieldNow()
        yield* TestClock.adjust(249)
        expect(writing.unsafePoll()).toBeNull()
        yield* TestClock.adjust(1)
        expect((yield* Fiber.join(writing)).Records.map((record) => record.SyncCount)).toEqual([2])
      })))

  it("is interrupted when the write waiting for it is, and when pushWaitMillis have passed", () => {
    const started: Array<string> = []
    const ended: Array<string> = []
    const notify: PushNotifier.PushNotifierShape["notify"] = (deliveries) =>
      Effect.suspend(() => {
        started.push(deliveries[0]!.message.syncCount)
        return Effect.onInterrupt(Effect.never, () => Effect.sync(() => ended.push(deliveries[0]!.message.syncCount)))
      })
    return subscribed(notify, (me) =>
      Effect.gen(function*() {
        // the write waits for its delivery on a sleep of pushWaitMillis; the service has sleeps of its own
        const waiting = (end: number) => Effect.map(TestClock.sleeps(), Chunk.some((wakeUp) => wakeUp === end))
        const first = (yield* Clock.currentTimeMillis) + 250
        const writing = yield* Effect.fork(write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }]))
        while (!(yield* waiting(first)) || started.length < 1) yield* Effect.yieldNow()
        yield* Fiber.interrupt(writing)
        while (ended.length < 1) yield* Effect.yieldNow()
        expect(ended).toEqual(["2"])
        // the next write's delivery is not held behind the interrupted one, and ends at pushWaitMillis
        yield* TestClock.adjust(1)
        const second = (yield* Clock.currentTimeMillis) + 250
        const next = yield* Effect.fork(write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "x", SyncCount: 2 }]))
        while (!(yield* waiting(second)) || started.length < 2) yield* Effect.yieldNow()
        yield* TestClock.adjust(250)
        expect((yield* Fiber.join(next)).Records.map((record) => record.SyncCount)).toEqual([3])
        while (ended.length < 2) yield* Effect.yieldNow()
        expect(ended).toEqual(["2", "3"])
      }))
  })
})
