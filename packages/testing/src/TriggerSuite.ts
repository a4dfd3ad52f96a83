/**
 * The sync trigger conformance suite: every `SyncTrigger` adapter proves itself by running it
 * with one call (SPEC B §7). The adapter is built around functions the suite gives by ARN, as
 * its remote side would run them; a function that throws `SyncTriggerThrottled` is a throttled
 * function, one that throws anything else failed, one that takes longer than the timeout did not
 * answer. The suite writes through a whole in-memory `CognitoSync` and checks the event sent, the
 * answer's rules, each error writing nothing, and that developer callers never reach the trigger.
 *
 * @example
 * ```ts
 * import { SyncTrigger } from "@syncalite/core"
 * import { TriggerSuite } from "@syncalite/testing"
 *
 * TriggerSuite.run("in-process functions", { make: SyncTrigger.layerFunctions })
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { Cause, Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import {
  Caller,
  CognitoSync,
  CognitoSyncConfig,
  PushNotifier,
  type Shapes,
  StreamPublisher,
  SyncStore,
  SyncTrigger
} from "@syncalite/core"

type Functions = { readonly [arn: string]: SyncTrigger.SyncTriggerFunction }
type Event = SyncTrigger.SyncTriggerEvent

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** the adapter, calling each function by its ARN; ARNs it does not know are not given */
  readonly make: (functions: Functions) => Layer.Layer<SyncTrigger.SyncTrigger, unknown, CognitoSyncConfig.CognitoSyncConfig>
  /** the trigger timeout the service is configured with; 300 ms by default */
  readonly triggerTimeout?: number
  /** the timeout of each test in milliseconds; 30 000 by default */
  readonly timeout?: number
}

const arn = "arn:aws:lambda:us-east-1:123456789012:function:syncTrigger"
const unknownArn = "arn:aws:lambda:us-east-1:123456789012:function:nowhere"
const developer = Caller.developer("123456789012")
const region = "eu-west-1"

/** A function that keeps the events it receives and answers what `answer` makes of them. */
const recorder = (answer: (event: Event) => unknown = (event) => event) => {
  const events: Array<Event> = []
  const fn: SyncTrigger.SyncTriggerFunction = (event) => {
    events.push(structuredClone(event))
    return answer(event)
  }
  return { events, fn }
}

type Patch = { readonly Op: "replace" | "remove"; readonly Key: string; readonly Value?: string; readonly SyncCount: number }

/** One identity of a fresh pool whose SyncTrigger names `trigger`, and how to write and read its datasets. */
const identity = (sync: CognitoSync.CognitoSyncShape, trigger: string = arn) =>
  Effect.gen(function*() {
    const IdentityPoolId = `us-east-1:${randomUUID()}`
    const IdentityId = `us-east-1:${randomUUID()}`
    yield* sync.setCognitoEvents({ IdentityPoolId, Events: { SyncTrigger: trigger } }, developer)
    const caller = Caller.identity(IdentityPoolId, IdentityId)
    const ref = { IdentityPoolId, IdentityId, DatasetName: "d" }
    const write = (patches: ReadonlyArray<Patch>, by: Caller.Caller = caller) =>
      Effect.flatMap(
        sync.listRecords(ref, by),
        ({ SyncSessionToken }) => sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: patches }, by)
      )
    const records = Effect.map(
      sync.listRecords(ref, developer),
      (out) => out.Records.map((record) => [record.Key, record.Value ?? null, record.SyncCount] as const)
    )
    return { IdentityPoolId, IdentityId, write, records }
  })

/** k1 = "a", k2 = "b", k4 = "d" at sync count 1, written by a developer (no trigger). */
const seed = [
  { Op: "replace", Key: "k1", Value: "a", SyncCount: 0 },
  { Op: "replace", Key: "k2", Value: "b", SyncCount: 0 },
  { Op: "replace", Key: "k4", Value: "d", SyncCount: 0 }
] as const
const seeded = [["k1", "a", 1], ["k2", "b", 1], ["k4", "d", 1]] as const

/** What an UpdateRecords answered, as [key, value | null, syncCount] by key. */
const written = (out: { readonly Records: ReadonlyArray<Shapes.SyncRecord> }) =>
  out.Records.map((record) => [record.Key, record.Value ?? null, record.SyncCount] as const).sort()

/**
 * Registers the suite's `describe`/`it` blocks for one adapter.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = (name: string, options: Options): void => {
  const triggerTimeout = options.triggerTimeout ?? 300
  const timeout = options.timeout ?? 30_000
  const test = (
    title: string,
    functions: Functions,
    body: (sync: CognitoSync.CognitoSyncShape) => Effect.Effect<void, unknown>
  ) =>
    it(title, async () => {
      const config = CognitoSyncConfig.layer({ tokenSecret: "trigger-suite-secret-0123456789abcdef", region, triggerTimeout })
      const service = CognitoSync.layer.pipe(
        Layer.provide(Layer.mergeAll(SyncStore.layerMemory, PushNotifier.layerNoop, StreamPublisher.layerNoop, options.make(functions))),
        Layer.provide(config)
      )
      const exit = await Effect.runPromiseExit(Effect.provide(Effect.flatMap(CognitoSync.CognitoSync, body), service))
      if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
    }, timeout)

  /** An identity's write through the trigger fails with `tag` and leaves the seeded dataset as it was. */
  const refused = (sync: CognitoSync.CognitoSyncShape, tag: string) =>
    Effect.gen(function*() {
      const me = yield* identity(sync)
      yield* me.write(seed, developer)
      const error = yield* Effect.flip(me.write([{ Op: "replace", Key: "k1", Value: "x", SyncCount: 1 }]))
      expect(error._tag).toBe(tag)
      expect(yield* me.records).toEqual(seeded)
      return me
    })

  describe(name, () => {
    const changed = recorder((event) => ({
      ...event,
      datasetRecords: {
        k1: { ...event.datasetRecords.k1, newValue: "A!" },
        k2: { ...event.datasetRecords.k2, op: "remove" },
        k3: { newValue: "c", op: "replace" },
        k5: { ...event.datasetRecords.k5, newValue: null }
        // k4 and k6 omitted: left as they would be without the trigger
      }
    }))
    test("sends the version 2 event with every live record, and writes and answers the function's version", { [arn]: changed.fn }, (sync) =>
      Effect.gen(function*() {
        const me = yield* identity(sync)
        yield* me.write(seed, developer)
        const out = yield* me.write([
          { Op: "replace", Key: "k1", Value: "A", SyncCount: 1 },
          { Op: "replace", Key: "k5", Value: "e", SyncCount: 0 },
          { Op: "replace", Key: "k6", Value: "f", SyncCount: 0 }
        ])
        expect(changed.events).toEqual([{
          version: 2,
          eventType: "SyncTrigger",
          region,
          identityPoolId: me.IdentityPoolId,
          identityId: me.IdentityId,
          datasetName: "d",
          datasetRecords: {
            k1: { oldValue: "a", newValue: "A", op: "replace" },
            k2: { oldValue: "b", newValue: "b", op: "replace" },
            k4: { oldValue: "d", newValue: "d", op: "replace" },
            k5: { oldValue: null, newValue: "e", op: "replace" },
            k6: { oldValue: null, newValue: "f", op: "replace" }
          }
        }])
        expect(written(out)).toEqual([["k1", "A!", 2], ["k2", null, 2], ["k3", "c", 2], ["k5", null, 2], ["k6", "f", 2]])
        expect(yield* me.records).toEqual([["k1", "A!", 2], ["k2", null, 2], ["k3", "c", 2], ["k4", "d", 1], ["k5", null, 2], ["k6", "f", 2]])
      }))

    const removals = recorder()
    test("shows a removal with op remove and newValue null", { [arn]: removals.fn }, (sync) =>
      Effect.gen(function*() {
        const me = yield* identity(sync)
        yield* me.write(seed, developer)
        const out = yield* me.write([{ Op: "remove", Key: "k2", SyncCount: 1 }])
        expect(removals.events[0]!.datasetRecords.k2).toEqual({ oldValue: "b", newValue: null, op: "remove" })
        expect(written(out)).toEqual([["k2", null, 2]])
      }))

    const developerHook = recorder()
    test("is never called for developer callers", { [arn]: developerHook.fn }, (sync) =>
      Effect.gen(function*() {
        const me = yield* identity(sync)
        const out = yield* me.write(seed, developer)
        expect(written(out)).toEqual(seeded)
        expect(developerHook.events).toEqual([])
        yield* me.write([{ Op: "replace", Key: "k1", Value: "x", SyncCount: 1 }])
        expect(developerHook.events).toHaveLength(1)
      }))

    const invalidAnswers: ReadonlyArray<readonly [string, SyncTrigger.SyncTriggerFunction]> = [
      ["throws", () => {
        throw new Error("boom")
      }],
      ["answers nothing", () => undefined],
      ["answers a string", () => "garbage"],
      ["changes identityId", (event) => ({ ...event, identityId: "us-east-1:00000000-0000" })],
      ["changes datasetName", (event) => ({ ...event, datasetName: "other" })],
      ["adds a top-level field", (event) => ({ ...event, extra: true })],
      ["answers a record with a bad op", (event) => ({ ...event, datasetRecords: { k1: { newValue: "x", op: "upsert" } } })],
      ["answers a non-string value", (event) => ({ ...event, datasetRecords: { k1: { newValue: 7, op: "replace" } } })]
    ]
    for (const [what, fn] of invalidAnswers) {
      test(`InvalidLambdaFunctionOutputException, nothing written, when the function ${what}`, { [arn]: fn }, (sync) =>
        Effect.asVoid(refused(sync, "InvalidLambdaFunctionOutputException")))
    }

    test("InvalidLambdaFunctionOutputException, nothing written, for an ARN with no function", {}, (sync) =>
      Effect.gen(function*() {
        const me = yield* identity(sync, unknownArn)
        const error = yield* Effect.flip(me.write(seed))
        expect(error._tag).toBe("InvalidLambdaFunctionOutputException")
        expect(yield* me.records).toEqual([])
      }))

    test("LambdaThrottledException, nothing written, when the function is throttled", {
      [arn]: () => {
        throw new SyncTrigger.SyncTriggerThrottled({ message: "slow down" })
      }
    }, (sync) => Effect.asVoid(refused(sync, "LambdaThrottledException")))

    let lateAnswers = 0
    test("LambdaSocketTimeoutException, nothing written, when the function answers after the timeout", {
      [arn]: async (event) => {
        await sleep(triggerTimeout * 3)
        lateAnswers++
        return { ...event, datasetRecords: { k1: { newValue: "late", op: "replace" } } }
      }
    }, (sync) =>
      Effect.gen(function*() {
        const started = Date.now()
        const me = yield* refused(sync, "LambdaSocketTimeoutException")
        expect(Date.now() - started).toBeLessThan(triggerTimeout * 3)
        yield* Effect.promise(() => sleep(triggerTimeout * 3))
        expect(lateAnswers).toBe(1)
        expect(yield* me.records).toEqual(seeded)
      }))
  })
}
