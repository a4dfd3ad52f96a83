/**
 * The memory push hub keeps each device's window while the device is notified, and forgets a
 * device idle past `retainMillis`, however few notifications it had.
 */
import { Effect, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import { PushHub, type PushNotifier } from "@syncalite/core"

const identity = { identityPoolId: "us-east-1:0e1a2b3c", identityId: "us-east-1:5f6a7b8c" }
const device = (deviceId: string): PushHub.DeviceAddress => ({ ...identity, deviceId })

const notification = (deviceId: string, syncCount: number): PushNotifier.PushDelivery => ({
  device: { deviceId, platform: "GCM", token: "t" },
  message: { source: "cognito-sync", ...identity, datasetName: "notes", syncCount: String(syncCount) }
})

/** The sync counts a stream attaching from the start of the window replays. */
const replayed = (hub: PushHub.PushHubShape, deviceId: string) =>
  Effect.gen(function*() {
    const counts: Array<string> = []
    const detach = yield* hub.attach(device(deviceId), "0", { event: (event) => counts.push(event.message.syncCount), end: () => undefined })
    yield* detach
    return counts
  })

describe("PushHub.makeMemory", () => {
  it("forgets a device idle past retainMillis, and keeps the window of a device notified since", () =>
    Effect.gen(function*() {
      const hub = yield* PushHub.makeMemory({ replayCount: 3, replayMillis: 1000, retainMillis: 2000 })
      yield* hub.notify([notification("a", 1), notification("b", 1)])
      yield* TestClock.adjust(600)
      yield* hub.notify([notification("a", 2)])
      yield* TestClock.adjust(1400)
      // past replayMillis, the last replayCount are still kept
      expect(yield* replayed(hub, "a")).toEqual(["1", "2"])
      expect(yield* replayed(hub, "b")).toEqual(["1"])

      yield* TestClock.adjust(1)
      expect(yield* replayed(hub, "a")).toEqual(["1", "2"])
      expect(yield* replayed(hub, "b")).toEqual([])

      yield* TestClock.adjust(600)
      expect(yield* replayed(hub, "a")).toEqual([])
      // a forgotten device is notified afresh like a new one
      yield* hub.notify([notification("a", 3)])
      expect(yield* replayed(hub, "a")).toEqual(["3"])
    }).pipe(Effect.scoped, Effect.provide(TestContext.TestContext), Effect.runPromise))

  it("keeps the last replayCount notifications of a device notified within replayMillis, whatever their age", () =>
    Effect.gen(function*() {
      const hub = yield* PushHub.makeMemory({ replayCount: 3, replayMillis: 1000 })
      for (let count = 1; count <= 5; count++) {
        yield* hub.notify([notification("a", count)])
        yield* TestClock.adjust(900)
      }
      expect(yield* replayed(hub, "a")).toEqual(["3", "4", "5"])
    }).pipe(Effect.scoped, Effect.provide(TestContext.TestContext), Effect.runPromise))
})
