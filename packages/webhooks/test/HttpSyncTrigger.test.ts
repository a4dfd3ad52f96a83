import { Effect, Exit, Layer, type Scope } from "effect"
import { Webhook } from "standardwebhooks"
import { describe, expect, it } from "vitest"
import { CognitoSyncConfig, type SyncTrigger } from "@syncalite/core"
import { HttpSyncTrigger } from "@syncalite/webhooks"
import { listen, receiver, secret, triggerService } from "./services.js"

const arn = "arn:aws:lambda:us-east-1:123456789012:function:t"

const event: SyncTrigger.SyncTriggerEvent = {
  version: 2,
  eventType: "SyncTrigger",
  region: "us-east-1",
  identityPoolId: "us-east-1:pool",
  identityId: "us-east-1:identity",
  datasetName: "d",
  datasetRecords: { k: { oldValue: null, newValue: "v", op: "replace" } }
}

/** Runs a test body in a scope, with the service's configuration (a 5 s trigger timeout). */
const run = <A>(body: Effect.Effect<A, unknown, CognitoSyncConfig.CognitoSyncConfig | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(body, CognitoSyncConfig.layer({ tokenSecret: "http-trigger-tests-0123456789abcdef" }))))

/** The trigger over one URL for `arn`. */
const trigger = (url: string, options: Partial<HttpSyncTrigger.Options> = {}) =>
  HttpSyncTrigger.make({ targets: { [arn]: url }, secret, ...options })

describe("HttpSyncTrigger", () => {
  it("POSTs the event as JSON signed per Standard Webhooks, each call with an id of its own", () =>
    run(Effect.gen(function*() {
      const service = yield* receiver(() => 500)
      const invoke = (yield* trigger(service.url)).invoke
      yield* Effect.exit(invoke(arn, event))
      yield* Effect.exit(invoke(arn, event))
      expect(service.received).toHaveLength(2)
      const [first, second] = service.received
      expect(first!.headers["content-type"]).toBe("application/json")
      expect(new Webhook(secret).verify(first!.body, first!.headers as Record<string, string>)).toEqual(event)
      expect(() => new Webhook("whsec_" + Buffer.from("another secret").toString("base64")).verify(first!.body, first!.headers as Record<string, string>))
        .toThrow(/signature/)
      expect(first!.headers["webhook-id"]).not.toBe(second!.headers["webhook-id"])
    })))

  it("is refused by a trigger service holding another secret: InvalidLambdaFunctionOutputException", () =>
    run(Effect.gen(function*() {
      const service = yield* triggerService({ [arn]: (input) => input })
      const other = yield* trigger(service.targets[arn]!, { secret: "whsec_" + Buffer.from("not the service's secret").toString("base64") })
      const error = yield* Effect.flip(other.invoke(arn, event))
      expect(error).toMatchObject({ _tag: "InvalidLambdaFunctionOutputException", message: "The sync trigger answered HTTP 401" })
      expect(yield* (yield* trigger(service.targets[arn]!)).invoke(arn, event)).toEqual(event)
    })))

  it.each([
    [429, "LambdaThrottledException"],
    [500, "InvalidLambdaFunctionOutputException"],
    [404, "InvalidLambdaFunctionOutputException"],
    [302, "InvalidLambdaFunctionOutputException"],
    [400, "InvalidLambdaFunctionOutputException"]
  ])("maps an HTTP %i answer to %s", (status, tag) =>
    run(Effect.gen(function*() {
      const service = yield* receiver(() => status)
      const error = yield* Effect.flip((yield* trigger(service.url)).invoke(arn, event))
      expect(error._tag).toBe(tag)
    })))

  it.each([
    ["a body that is not JSON", "<html>oops</html>", /not JSON/],
    ["an empty body", "", /not JSON/],
    ["JSON that is not the event", "[1, 2]", /not a sync trigger event/]
  ])("refuses a 200 answer with %s: InvalidLambdaFunctionOutputException", (_, body, message) =>
    run(Effect.gen(function*() {
      const service = yield* listen((request, response) => {
        request.resume()
        request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end(body))
      })
      const error = yield* Effect.flip((yield* trigger(service.url)).invoke(arn, event))
      expect(error._tag).toBe("InvalidLambdaFunctionOutputException")
      expect(error.message).toMatch(message)
    })))

  it("maps an unreachable service and an unknown ARN to InvalidLambdaFunctionOutputException", () =>
    run(Effect.gen(function*() {
      const closed = yield* Effect.scoped(Effect.map(listen(() => {}), (service) => service.url))
      const invoke = (yield* trigger(closed)).invoke
      expect(yield* Effect.flip(invoke(arn, event))).toMatchObject({ _tag: "InvalidLambdaFunctionOutputException", message: expect.stringMatching(/could not be reached/) })
      expect(yield* Effect.flip(invoke("arn:aws:lambda:us-east-1:123456789012:function:other", event))).toMatchObject({
        _tag: "InvalidLambdaFunctionOutputException",
        message: expect.stringMatching(/No sync trigger URL/)
      })
    })))

  it("gives up after its own timeout when one is given, else the service's trigger timeout", () =>
    run(Effect.gen(function*() {
      const service = yield* receiver(() => undefined)
      const started = Date.now()
      const error = yield* Effect.flip((yield* trigger(service.url, { timeout: "150 millis" })).invoke(arn, event))
      expect(error._tag).toBe("LambdaSocketTimeoutException")
      expect(Date.now() - started).toBeGreaterThanOrEqual(140)
      expect(Date.now() - started).toBeLessThan(2000)
      const configured = yield* Effect.provide(
        trigger(service.url),
        CognitoSyncConfig.layer({ tokenSecret: "http-trigger-tests-0123456789abcdef", triggerTimeout: "100 millis" })
      )
      expect((yield* Effect.flip(configured.invoke(arn, event)))._tag).toBe("LambdaSocketTimeoutException")
    })))

  it("keeps its connection alive: 20 calls, one after the other, over one connection", () =>
    run(Effect.gen(function*() {
      const service = yield* triggerService({ [arn]: (input) => input })
      const invoke = (yield* trigger(service.targets[arn]!)).invoke
      for (let i = 0; i < 20; i++) expect(yield* invoke(arn, event)).toEqual(event)
      expect(service.connections()).toBe(1)
    })))

  it("refuses to start with a secret that is not a Standard Webhooks secret", async () => {
    const exit = await Effect.runPromiseExit(Layer.build(HttpSyncTrigger.layer({ targets: {}, secret: "whsec_not base64!" })).pipe(
      Effect.scoped,
      Effect.provide(CognitoSyncConfig.layer({ tokenSecret: "http-trigger-tests-0123456789abcdef" }))
    ))
    expect(exit).toMatchObject({ _tag: "Failure" })
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toMatch(/InvalidWebhookSecret/)
  })
})
