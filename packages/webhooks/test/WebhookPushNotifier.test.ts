import { randomUUID } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { Context, Effect, Layer, type Scope } from "effect"
import { Webhook } from "standardwebhooks"
import { describe, expect, it } from "vitest"
import {
  Caller,
  CognitoSync,
  CognitoSyncConfig,
  PushNotifier,
  StreamPublisher,
  SyncStore,
  SyncTrigger
} from "@syncalite/core"
import { WebhookPushNotifier } from "@syncalite/webhooks"
import { listen, receiver, secret } from "./services.js"

type Notifier = PushNotifier.PushNotifierShape & Context.Tag.Service<WebhookPushNotifier.WebhookPushNotifier>

// an attempt's timeout far above a local answer, even on a loaded machine
const fast = { timeout: "1 second", retries: 2, backoff: "20 millis" } as const

/** The notifier over `url`, built in the test's scope. */
const notifier = (url: string, options: Partial<WebhookPushNotifier.Options> = {}): Effect.Effect<Notifier, unknown, Scope.Scope> =>
  Effect.map(
    Layer.build(WebhookPushNotifier.layer({ url, secret, ...fast, ...options })),
    (context) => ({ ...Context.get(context, PushNotifier.PushNotifier), ...Context.get(context, WebhookPushNotifier.WebhookPushNotifier) })
  )

const delivery = (syncCount: number, deviceId = "device-1"): PushNotifier.PushDelivery => ({
  device: { deviceId, platform: "GCM", token: `token-of-${deviceId}` },
  message: {
    source: "cognito-sync",
    identityPoolId: "us-east-1:pool",
    identityId: "us-east-1:identity",
    datasetName: "d",
    syncCount: String(syncCount)
  }
})

/** Waits (up to 5 s) until `done` holds. */
const until = (done: () => boolean) =>
  Effect.promise(async () => {
    for (const end = Date.now() + 5000; !done();) {
      if (Date.now() > end) throw new Error("timed out waiting")
      await sleep(5)
    }
  })

const run = <A>(body: Effect.Effect<A, unknown, Scope.Scope>) => Effect.runPromise(Effect.scoped(body))

describe("WebhookPushNotifier", () => {
  it("delivers on the third attempt to a receiver that answers 500 twice, under one webhook-id, accepted once", () =>
    run(Effect.gen(function*() {
      const service = yield* receiver((_, i) => i < 2 ? 500 : 200)
      const push = yield* notifier(service.url)
      yield* push.notify([delivery(7)])
      yield* until(() => service.received.length === 3)
      yield* Effect.promise(() => sleep(150))
      expect(service.received).toHaveLength(3)
      const ids = new Set(service.received.map((request) => request.headers["webhook-id"]))
      expect(ids.size).toBe(1)
      for (const request of service.received) {
        expect(request.headers["content-type"]).toBe("application/json")
        expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toEqual({
          message: delivery(7).message,
          device: { deviceId: "device-1", platform: "GCM", token: "token-of-device-1" }
        })
      }
      expect(yield* push.deadLetters).toEqual([])
    })))

  it("makes a dead letter of a delivery whose receiver never answers, after every retry, without slowing the write", () =>
    run(Effect.gen(function*() {
      const service = yield* receiver(() => undefined)
      const letters: Array<WebhookPushNotifier.DeadLetter> = []
      const context = yield* Layer.build(CognitoSync.layer.pipe(
        Layer.provideMerge(Layer.mergeAll(
          SyncStore.layerMemory,
          StreamPublisher.layerNoop,
          SyncTrigger.layerNoop,
          WebhookPushNotifier.layer({ url: service.url, secret, ...fast, timeout: "500 millis", onDeadLetter: (letter) => void letters.push(letter) })
        )),
        Layer.provide(CognitoSyncConfig.layer({ tokenSecret: "push-webhook-tests-0123456789abcdef" }))
      ))
      const sync = Context.get(context, CognitoSync.CognitoSync)
      const developer = Caller.developer("123456789012")
      const ref = { IdentityPoolId: `us-east-1:${randomUUID()}`, IdentityId: `us-east-1:${randomUUID()}`, DatasetName: "d" }
      const me = Caller.identity(ref.IdentityPoolId, ref.IdentityId)
      yield* sync.setIdentityPoolConfiguration({
        IdentityPoolId: ref.IdentityPoolId,
        PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/MyApp"] }
      }, developer)
      const write = (Value: string, SyncCount: number) =>
        Effect.flatMap(sync.listRecords(ref, me), ({ SyncSessionToken }) =>
          sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value, SyncCount }] }, me))
      yield* write("a", 0)
      const { DeviceId } = yield* sync.registerDevice({ ...ref, Platform: "GCM", Token: "t" }, me)
      yield* sync.subscribeToDataset({ ...ref, DeviceId }, me)
      const started = Date.now()
      yield* write("b", 1)
      // three attempts of 500 ms each would take 1.5 s
      expect(Date.now() - started).toBeLessThan(500)
      yield* until(() => letters.length === 1)
      expect(service.received).toHaveLength(3)
      expect(new Set(service.received.map((request) => request.headers["webhook-id"])).size).toBe(1)
      const [letter] = yield* Context.get(context, WebhookPushNotifier.WebhookPushNotifier).deadLetters
      expect(letters).toEqual([letter])
      expect(letter).toMatchObject({
        webhookId: service.received[0]!.headers["webhook-id"],
        attempts: 3,
        reason: "no answer in time",
        delivery: { message: { identityId: ref.IdentityId, datasetName: "d", syncCount: "2" }, device: { deviceId: DeviceId, token: "t" } }
      })
    })))

  it("does not try again after a 4xx answer but 429: a dead letter after one attempt", () =>
    run(Effect.gen(function*() {
      const service = yield* receiver(() => 410)
      const push = yield* notifier(service.url)
      yield* push.notify([delivery(1)])
      yield* until(() => Effect.runSync(push.deadLetters).length === 1)
      expect(yield* push.deadLetters).toMatchObject([{ attempts: 1, reason: "HTTP 410" }])
      expect(service.received).toHaveLength(1)
    })))

  it("delivers one device's notifications one at a time in the order of the writes, a retry before the next", () =>
    run(Effect.gen(function*() {
      const service = yield* receiver((_, i) => i === 0 ? 503 : 200)
      const push = yield* notifier(service.url, { lanes: 4 })
      yield* push.notify([1, 2, 3].map((n) => delivery(n)))
      yield* push.notify([4, 5].map((n) => delivery(n)))
      yield* until(() => service.received.length === 6)
      expect(service.received.map((request) => JSON.parse(request.body).message.syncCount)).toEqual(["1", "1", "2", "3", "4", "5"])
    })))

  it("makes a dead letter at once of a delivery that finds the queue full", () =>
    run(Effect.gen(function*() {
      const service = yield* receiver(() => undefined)
      const push = yield* notifier(service.url, { lanes: 1, queueCapacity: 1, timeout: "1 second" })
      yield* push.notify([delivery(1)])
      yield* until(() => service.received.length === 1)
      const started = Date.now()
      yield* push.notify([delivery(2), delivery(3)])
      expect(Date.now() - started).toBeLessThan(200)
      yield* until(() => Effect.runSync(push.deadLetters).length === 1)
      expect(yield* push.deadLetters).toMatchObject([{ attempts: 0, reason: "the queue is full", delivery: { message: { syncCount: "3" } } }])
    })))

  it("on closing, waits for the attempt under way, tries nothing again, and makes dead letters of what is queued", async () => {
    const letters: Array<WebhookPushNotifier.DeadLetter> = []
    await run(Effect.gen(function*() {
      const service = yield* receiver(() => undefined)
      const started = Date.now()
      yield* Effect.scoped(Effect.gen(function*() {
        const push = yield* notifier(service.url, { lanes: 1, timeout: "300 millis", onDeadLetter: (letter) => void letters.push(letter) })
        yield* push.notify([delivery(1), delivery(2)])
        yield* until(() => service.received.length === 1)
      }))
      expect(Date.now() - started).toBeLessThan(2000)
      expect(service.received).toHaveLength(1)
    }))
    expect(letters.map((letter) => [letter.delivery.message.syncCount, letter.attempts, letter.reason]).sort()).toEqual([
      ["1", 1, "no answer in time"],
      ["2", 0, "the service closed before it was sent"]
    ])
  })

  it("on closing, an attempt answered in time is delivered, not a dead letter", async () => {
    const letters: Array<WebhookPushNotifier.DeadLetter> = []
    let answered = 0
    await run(Effect.gen(function*() {
      const service = yield* listen((request, response) => {
        request.resume()
        setTimeout(() => {
          answered++
          response.writeHead(204).end()
        }, 100)
      })
      yield* Effect.scoped(Effect.gen(function*() {
        const push = yield* notifier(service.url, { timeout: "2 seconds", onDeadLetter: (letter) => void letters.push(letter) })
        yield* push.notify([delivery(1)])
        yield* Effect.promise(() => sleep(20))
      }))
    }))
    expect(letters).toEqual([])
    expect(answered).toBe(1)
  })
})
