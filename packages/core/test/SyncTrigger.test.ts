import { Duration, Effect, Exit, Fiber, Layer, Option, TestClock } from "effect"
import { describe, expect, it, vi } from "vitest"
import { CognitoSync, CognitoSyncConfig, createCognitoSync, SyncTrigger } from "@syncalite/core"
import {
  developer,
  newIdentity,
  records,
  runTest,
  setTrigger,
  tokenSecret,
  triggerArn,
  write
} from "./poolHelpers.js"

type Event = SyncTrigger.SyncTriggerEvent

/** A trigger that records the events it receives and answers what `answer` makes of them. */
const recorder = (answer: (event: Event) => unknown = (event) => event) => {
  const events: Array<Event> = []
  const fn: SyncTrigger.SyncTriggerFunction = (event) => {
    events.push(structuredClone(event))
    return answer(event)
  }
  return { events, fn }
}

/** A dataset "d" holding k1 = "a", k2 = "b", k4 = "d" at sync count 1, written without the trigger. */
const seeded = (me: ReturnType<typeof newIdentity>) =>
  write(me.ref("d"), developer, [
    { Op: "replace", Key: "k1", Value: "a", SyncCount: 0 },
    { Op: "replace", Key: "k2", Value: "b", SyncCount: 0 },
    { Op: "replace", Key: "k4", Value: "d", SyncCount: 0 }
  ])

const initial = [["k1", "a", 1], ["k2", "b", 1], ["k4", "d", 1]] as const

describe("SyncTrigger", () => {
  it("is called with the version 2 event holding every live record, and its answer is written (SPEC 29)", async () => {
    const me = newIdentity()
    const hook = recorder((event) => {
      const datasetRecords: Record<string, unknown> = { ...event.datasetRecords }
      datasetRecords.k1 = { ...event.datasetRecords.k1, newValue: "A!" }
      datasetRecords.k2 = { ...event.datasetRecords.k2, op: "remove" }
      datasetRecords.k3 = { newValue: "c", op: "replace" }
      delete datasetRecords.k4 // omitted: left as it would be without the trigger
      return { ...event, datasetRecords }
    })
    await runTest(
      Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        yield* seeded(me)
        yield* setTrigger(me.identityPoolId)
        const out = yield* write(me.ref("d"), me.caller, [
          { Op: "replace", Key: "k1", Value: "A", SyncCount: 1 },
          { Op: "replace", Key: "k5", Value: "e", SyncCount: 0 }
        ])
        expect(hook.events).toEqual([{
          version: 2,
          eventType: "SyncTrigger",
          region: "eu-west-1",
          identityPoolId: me.identityPoolId,
          identityId: me.identityId,
          datasetName: "d",
          datasetRecords: {
            k1: { oldValue: "a", newValue: "A", op: "replace" },
            k2: { oldValue: "b", newValue: "b", op: "replace" },
            k4: { oldValue: "d", newValue: "d", op: "replace" },
            k5: { oldValue: null, newValue: "e", op: "replace" }
          }
        }])
        const written = [...out.Records].sort((a, b) => a.Key.localeCompare(b.Key))
        expect(written.map((record) => [record.Key, record.Value ?? null, record.SyncCount])).toEqual([
          ["k1", "A!", 2],
          ["k2", null, 2],
          ["k3", "c", 2],
          ["k5", "e", 2]
        ])
        expect(written.every((record) => record.LastModifiedBy === me.identityId)).toBe(true)
        expect(yield* records(me.ref("d"))).toEqual([
          ["k1", "A!", 2],
          ["k2", null, 2],
          ["k3", "c", 2],
          ["k4", "d", 1],
          ["k5", "e", 2]
        ])
        const described = yield* sync.describeDataset(me.ref("d"), developer)
        expect(described.Dataset.NumRecords).toBe(4)
      }),
      { config: { region: "eu-west-1" }, triggers: { [triggerArn]: hook.fn } }
    )
  })

  it("shows removals with op remove, leaves tombstones out and shows a re-added key with oldValue null", async () => {
    const me = newIdentity()
    const hook = recorder()
    await runTest(
      Effect.gen(function*() {
        yield* seeded(me)
        yield* write(me.ref("d"), developer, [{ Op: "remove", Key: "k4", SyncCount: 1 }])
        yield* setTrigger(me.identityPoolId)
        const out = yield* write(me.ref("d"), me.caller, [
          { Op: "remove", Key: "k2", SyncCount: 1 },
          { Op: "replace", Key: "k4", Value: "again", SyncCount: 2 }
        ])
        expect(hook.events[0]!.datasetRecords).toEqual({
          k1: { oldValue: "a", newValue: "a", op: "replace" },
          k2: { oldValue: "b", newValue: null, op: "remove" },
          k4: { oldValue: null, newValue: "again", op: "replace" }
        })
        expect(out.Records.map((record) => [record.Key, record.Value ?? null, record.SyncCount]).sort()).toEqual([
          ["k2", null, 3],
          ["k4", "again", 3]
        ])
      }),
      { triggers: { [triggerArn]: hook.fn } }
    )
  })

  it("writes the patches as they are when the answer omits them, and a removal by newValue null", async () => {
    const me = newIdentity()
    await runTest(
      Effect.gen(function*() {
        yield* seeded(me)
        yield* setTrigger(me.identityPoolId)
        const out = yield* write(me.ref("d"), me.caller, [
          { Op: "replace", Key: "k1", Value: "patched", SyncCount: 1 },
          { Op: "replace", Key: "k2", Value: "patched too", SyncCount: 1 }
        ])
        expect(out.Records.map((record) => [record.Key, record.Value ?? null, record.SyncCount]).sort()).toEqual([
          ["k1", "patched", 2],
          ["k2", null, 2]
        ])
        expect(yield* records(me.ref("d"))).toEqual([["k1", "patched", 2], ["k2", null, 2], ["k4", "d", 1]])
      }),
      {
        triggers: {
          [triggerArn]: (event) => ({ ...event, datasetRecords: { k2: { ...event.datasetRecords.k2, newValue: null } } })
        }
      }
    )
  })

  it("carries record keys that are Object.prototype names as ordinary keys", async () => {
    const me = newIdentity()
    const hook = recorder((event) => ({
      ...event,
      datasetRecords: Object.fromEntries(
        Object.entries(event.datasetRecords).map(([key, record]) => [key, { ...record, newValue: `${record.newValue}!` }])
      )
    }))
    await runTest(
      Effect.gen(function*() {
        yield* setTrigger(me.identityPoolId)
        const out = yield* write(me.ref("d"), me.caller, [
          { Op: "replace", Key: "__proto__", Value: "p", SyncCount: 0 },
          { Op: "replace", Key: "constructor", Value: "c", SyncCount: 0 }
        ])
        expect(Object.keys(hook.events[0]!.datasetRecords).sort()).toEqual(["__proto__", "constructor"])
        expect(out.Records.map((record) => [record.Key, record.Value]).sort()).toEqual([
          ["__proto__", "p!"],
          ["constructor", "c!"]
        ])
        expect(yield* records(me.ref("d"))).toEqual([["__proto__", "p!", 1], ["constructor", "c!", 1]])
      }),
      { triggers: { [triggerArn]: hook.fn } }
    )
  })

  it("is not invoked for developer callers (SPEC 30)", async () => {
    const me = newIdentity()
    const hook = recorder(() => {
      throw new Error("must not run")
    })
    await runTest(
      Effect.gen(function*() {
        yield* setTrigger(me.identityPoolId)
        const out = yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
        expect(out.Records.map((record) => [record.Key, record.Value])).toEqual([["k", "v"]])
        expect(hook.events).toEqual([])
        // the same write by the identity goes through the (failing) trigger
        const error = yield* Effect.flip(
          write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }])
        )
        expect(error._tag).toBe("InvalidLambdaFunctionOutputException")
        expect(hook.events).toHaveLength(1)
      }),
      { triggers: { [triggerArn]: hook.fn } }
    )
  })

  it("is not invoked when a patch conflicts: the conflict is reported and nothing is written", async () => {
    const me = newIdentity()
    const hook = recorder()
    await runTest(
      Effect.gen(function*() {
        yield* seeded(me)
        yield* setTrigger(me.identityPoolId)
        const error = yield* Effect.flip(
          write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k1", Value: "x", SyncCount: 0 }])
        )
        expect(error._tag).toBe("ResourceConflictException")
        expect(error.message).toBe("Current SyncCount for: k1 is: 1 not: 0")
        expect(hook.events).toEqual([])
        expect(yield* records(me.ref("d"))).toEqual(initial)
      }),
      { triggers: { [triggerArn]: hook.fn } }
    )
  })

  const badAnswers: ReadonlyArray<readonly [string, SyncTrigger.SyncTriggerFunction, RegExp]> = [
    ["throws", () => {
      throw new Error("boom")
    }, /boom/],
    ["rejects", () => Promise.reject(new Error("async boom")), /async boom/],
    ["returns a number", () => 42, /not a sync trigger event/],
    ["returns null", () => null, /not a sync trigger event/],
    ["returns nothing", () => undefined, /not a sync trigger event/],
    ["edits identityId", (event) => ({ ...event, identityId: "us-east-1:00000000-0000" }), /identityId/],
    ["edits identityPoolId", (event) => ({ ...event, identityPoolId: "us-east-1:00000000-0000" }), /identityPoolId/],
    ["edits datasetName", (event) => ({ ...event, datasetName: "other" }), /datasetName/],
    ["edits the version", (event) => ({ ...event, version: 3 }), /not a sync trigger event/],
    ["adds a top-level field", (event) => ({ ...event, extra: true }), /not a sync trigger event/],
    ["answers a record with a bad op", (event) => ({
      ...event,
      datasetRecords: { k1: { oldValue: "a", newValue: "x", op: "upsert" } }
    }), /not a sync trigger event/],
    ["answers a record with a non-string value", (event) => ({
      ...event,
      datasetRecords: { k1: { oldValue: "a", newValue: 7, op: "replace" } }
    }), /not a sync trigger event/],
    ["answers datasetRecords as an array", (event) => ({ ...event, datasetRecords: [] }), /not a sync trigger event/],
    ["answers an empty key", (event) => ({
      ...event,
      datasetRecords: { "": { newValue: "x", op: "replace" } }
    }), /not a sync trigger event/]
  ]

  it.each(badAnswers)(
    "fails with InvalidLambdaFunctionOutputException when it %s, writes nothing and keeps the token (SPEC 31)",
    async (_, answer, message) => {
      const me = newIdentity()
      let calls = 0
      await runTest(
        Effect.gen(function*() {
          const sync = yield* CognitoSync.CognitoSync
          yield* seeded(me)
          yield* setTrigger(me.identityPoolId)
          const { SyncSessionToken } = yield* sync.listRecords(me.ref("d"), me.caller)
          const input = {
            ...me.ref("d"),
            SyncSessionToken,
            RecordPatches: [{ Op: "replace" as const, Key: "k1", Value: "x", SyncCount: 1 }]
          }
          const error = yield* Effect.flip(sync.updateRecords(input, me.caller))
          expect(error._tag).toBe("InvalidLambdaFunctionOutputException")
          expect(error.message).toMatch(message)
          expect(calls).toBe(1)
          const after = yield* sync.listRecords(me.ref("d"), developer)
          expect(after.DatasetSyncCount).toBe(1)
          expect(yield* records(me.ref("d"))).toEqual(initial)
          // the session token was not consumed: the same write succeeds without the trigger
          yield* sync.setCognitoEvents({ IdentityPoolId: me.identityPoolId, Events: { SyncTrigger: "" } }, developer)
          const out = yield* sync.updateRecords(input, me.caller)
          expect(out.Records.map((record) => [record.Key, record.Value, record.SyncCount])).toEqual([["k1", "x", 2]])
        }),
        {
          triggers: {
            [triggerArn]: (event) => {
              calls++
              return answer(event)
            }
          }
        }
      )
    }
  )

  it("fails with InvalidLambdaFunctionOutputException when no function is registered for the ARN", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* setTrigger(me.identityPoolId, "arn:aws:lambda:us-east-1:123456789012:function:missing")
      const error = yield* Effect.flip(write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]))
      expect(error._tag).toBe("InvalidLambdaFunctionOutputException")
      expect(error.message).toContain("arn:aws:lambda:us-east-1:123456789012:function:missing")
      const after = yield* CognitoSync.CognitoSync.pipe(Effect.flatMap((sync) => sync.listRecords(me.ref("d"), developer)))
      expect(after.DatasetExists).toBe(false)
      expect(after.DatasetSyncCount).toBe(0)
    }))
  })

  it("reports throttling as LambdaThrottledException (429) and writes nothing (SPEC 31)", async () => {
    const me = newIdentity()
    await runTest(
      Effect.gen(function*() {
        yield* seeded(me)
        yield* setTrigger(me.identityPoolId)
        const error = yield* Effect.flip(
          write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k1", Value: "x", SyncCount: 1 }])
        )
        expect(error._tag).toBe("LambdaThrottledException")
        expect(error.message).toBe("slow down")
        expect((error as { status?: number }).status).toBe(429)
        expect(yield* records(me.ref("d"))).toEqual(initial)
      }),
      {
        triggers: {
          [triggerArn]: () => {
            throw new SyncTrigger.SyncTriggerThrottled({ message: "slow down" })
          }
        }
      }
    )
  })

  it("times out after 5 seconds by default with LambdaSocketTimeoutException; nothing is written (SPEC 31)", async () => {
    const me = newIdentity()
    let calls = 0
    await runTest(
      Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        yield* seeded(me)
        yield* setTrigger(me.identityPoolId)
        const { SyncSessionToken } = yield* sync.listRecords(me.ref("d"), me.caller)
        const input = {
          ...me.ref("d"),
          SyncSessionToken,
          RecordPatches: [{ Op: "replace" as const, Key: "k1", Value: "x", SyncCount: 1 }]
        }
        const fiber = yield* Effect.fork(sync.updateRecords(input, me.caller))
        yield* TestClock.adjust(Duration.millis(4999))
        expect(calls).toBe(1)
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* TestClock.adjust(Duration.millis(1))
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(error._tag).toBe("LambdaSocketTimeoutException")
        expect((error as { status?: number }).status).toBe(400)
        expect(yield* records(me.ref("d"))).toEqual(initial)
        // the token is still good
        yield* sync.setCognitoEvents({ IdentityPoolId: me.identityPoolId, Events: { SyncTrigger: "" } }, developer)
        const out = yield* sync.updateRecords(input, me.caller)
        expect(out.Records.map((record) => [record.Key, record.Value, record.SyncCount])).toEqual([["k1", "x", 2]])
      }),
      {
        triggers: {
          [triggerArn]: () => {
            calls++
            return new Promise(() => {})
          }
        }
      }
    )
  })

  it("leaves no timer behind once the function answered, or once its caller was interrupted", async () => {
    // the trigger's timers are told apart from the runtime's by their delay
    const delay = 4321
    const set = vi.spyOn(globalThis, "setTimeout")
    const clear = vi.spyOn(globalThis, "clearTimeout")
    const pending = () => {
      const made = set.mock.calls.flatMap((call, i) => call[1] === delay ? [set.mock.results[i]!.value] : [])
      const cleared = new Set(clear.mock.calls.map((call) => call[0]))
      return made.filter((handle) => !cleared.has(handle)).length
    }
    /** waits a while for `done`, as a timer is cleared once the fiber holding it has been told */
    const eventually = async (done: () => boolean) => {
      for (let turn = 0; !done() && turn < 1000; turn++) await new Promise((resolve) => setImmediate(resolve))
    }
    const answers: Array<() => void> = []
    const event: Event = {
      version: 2,
      eventType: "SyncTrigger",
      region: "eu-west-1",
      identityPoolId: "eu-west-1:pool",
      identityId: "eu-west-1:identity",
      datasetName: "d",
      datasetRecords: { k: { oldValue: null, newValue: "v", op: "replace" } }
    }
    const layer = SyncTrigger.layerFunctions({
      [triggerArn]: (received) => new Promise((resolve) => answers.push(() => resolve(received)))
    }).pipe(Layer.provide(CognitoSyncConfig.layer({ tokenSecret, triggerTimeout: Duration.millis(delay) })))
    const invoke = Effect.flatMap(SyncTrigger.SyncTrigger, (trigger) => trigger.invoke(triggerArn, event)).pipe(Effect.provide(layer))
    try {
      const answered = Effect.runPromise(invoke)
      await eventually(() => answers.length === 1)
      expect(pending()).toBe(1)
      answers[0]!()
      expect(await answered).toEqual(event)
      await eventually(() => pending() === 0)
      expect(pending()).toBe(0)

      const interrupted = Effect.runFork(invoke)
      await eventually(() => answers.length === 2)
      expect(pending()).toBe(1)
      expect(Exit.isInterrupted(await Effect.runPromise(Fiber.interrupt(interrupted)))).toBe(true)
      await eventually(() => pending() === 0)
      expect(pending()).toBe(0)
    } finally {
      set.mockRestore()
      clear.mockRestore()
    }
  })

  it("waits as long as config.triggerTimeout says", async () => {
    const me = newIdentity()
    let answer: ((value: unknown) => void) | undefined
    let pending: Event | undefined
    await runTest(
      Effect.gen(function*() {
        yield* seeded(me)
        yield* setTrigger(me.identityPoolId)
        const fiber = yield* Effect.fork(
          write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k1", Value: "x", SyncCount: 1 }])
        )
        // past the default 5 seconds, within the configured 10
        yield* TestClock.adjust(Duration.seconds(9))
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        expect(answer).toBeDefined()
        answer!({ ...pending!, datasetRecords: { k1: { newValue: "late but fine", op: "replace" } } })
        const out = yield* Fiber.join(fiber)
        expect(out.Records.map((record) => [record.Key, record.Value, record.SyncCount])).toEqual([["k1", "late but fine", 2]])

        const slow = yield* Effect.fork(
          write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k1", Value: "y", SyncCount: 2 }])
        )
        yield* TestClock.adjust(Duration.seconds(10))
        const error = yield* Effect.flip(Fiber.join(slow))
        expect(error._tag).toBe("LambdaSocketTimeoutException")
        expect(yield* records(me.ref("d"))).toEqual([["k1", "late but fine", 2], ["k2", "b", 1], ["k4", "d", 1]])
      }),
      {
        config: { triggerTimeout: "10 seconds" },
        triggers: {
          [triggerArn]: (event) => {
            pending = event
            return new Promise((resolve) => {
              answer = resolve
            })
          }
        }
      }
    )
  })

  it("runs again on the new state when the dataset changed while it ran; a conflicting change is a conflict", async () => {
    const me = newIdentity()
    const resolvers: Array<() => void> = []
    const hook = recorder()
    await runTest(
      Effect.gen(function*() {
        yield* seeded(me)
        yield* setTrigger(me.identityPoolId)
        const waitForCalls = (n: number) =>
          Effect.gen(function*() {
            for (let i = 0; i < 100 && hook.events.length < n; i++) yield* Effect.yieldNow()
            expect(hook.events).toHaveLength(n)
          })

        // another key changes while the trigger runs: the trigger is asked again, seeing it
        const fiber = yield* Effect.fork(
          write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k1", Value: "mine", SyncCount: 1 }])
        )
        yield* waitForCalls(1)
        yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k2", Value: "theirs", SyncCount: 1 }])
        resolvers.shift()!()
        yield* waitForCalls(2)
        expect(hook.events[1]!.datasetRecords.k2).toEqual({ oldValue: "theirs", newValue: "theirs", op: "replace" })
        resolvers.shift()!()
        const out = yield* Fiber.join(fiber)
        expect(out.Records.map((record) => [record.Key, record.Value, record.SyncCount])).toEqual([["k1", "mine", 3]])
        expect(yield* records(me.ref("d"))).toEqual([["k1", "mine", 3], ["k2", "theirs", 2], ["k4", "d", 1]])

        // the same key changes while the trigger runs: the write conflicts
        const loser = yield* Effect.fork(
          write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k4", Value: "mine", SyncCount: 1 }])
        )
        yield* waitForCalls(3)
        yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k4", Value: "theirs", SyncCount: 1 }])
        resolvers.shift()!()
        const error = yield* Effect.flip(Fiber.join(loser))
        expect(error._tag).toBe("ResourceConflictException")
        expect(error.message).toBe("Current SyncCount for: k4 is: 4 not: 1")
        expect(hook.events).toHaveLength(3)
        expect(yield* records(me.ref("d"))).toEqual([["k1", "mine", 3], ["k2", "theirs", 2], ["k4", "theirs", 4]])
      }),
      {
        triggers: {
          [triggerArn]: (event) => {
            hook.fn(event)
            return new Promise((resolve) => resolvers.push(() => resolve(event)))
          }
        }
      }
    )
  })

  it("checks the written result against the limits after the trigger ran", async () => {
    const me = newIdentity()
    const other = newIdentity()
    await runTest(
      Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        yield* setTrigger(me.identityPoolId)
        // records: the trigger adds two keys to a one-key write, over the limit of 2
        const error = yield* Effect.flip(
          write(me.ref("grow"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
        )
        expect(error._tag).toBe("LimitExceededException")
        const after = yield* sync.listRecords(me.ref("grow"), developer)
        expect(after.DatasetExists).toBe(false)
        expect(after.Records).toEqual([])

        // bytes: a write over the 20-byte limit passes because the trigger removes a record
        yield* write(other.ref("shrink"), developer, [{ Op: "replace", Key: "k1", Value: "aaaaaaaaaa", SyncCount: 0 }])
        yield* setTrigger(other.identityPoolId, "arn:aws:lambda:us-east-1:123456789012:function:shrink")
        const out = yield* write(other.ref("shrink"), other.caller, [
          { Op: "replace", Key: "k2", Value: "bbbbbbbbbb", SyncCount: 0 }
        ])
        expect(out.Records.map((record) => [record.Key, record.Value ?? null]).sort()).toEqual([
          ["k1", null],
          ["k2", "bbbbbbbbbb"]
        ])
        // without the trigger the same write is over the limit
        yield* write(other.ref("plain"), developer, [{ Op: "replace", Key: "k1", Value: "aaaaaaaaaa", SyncCount: 0 }])
        const refused = yield* Effect.flip(
          write(other.ref("plain"), developer, [{ Op: "replace", Key: "k2", Value: "bbbbbbbbbb", SyncCount: 0 }])
        )
        expect(refused._tag).toBe("LimitExceededException")
      }),
      {
        config: { limits: { recordsPerDataset: 2, bytesPerDataset: 20 } },
        triggers: {
          [triggerArn]: (event) => ({
            ...event,
            datasetRecords: { ...event.datasetRecords, extra1: { newValue: "1" }, extra2: { newValue: "2" } }
          }),
          "arn:aws:lambda:us-east-1:123456789012:function:shrink": (event) => ({
            ...event,
            datasetRecords: { k1: { oldValue: "aaaaaaaaaa", newValue: null, op: "remove" } }
          })
        }
      }
    )
  })

  it("works through the Promise facade, rejecting with Errors named after the AWS exception", async () => {
    const me = newIdentity()
    let fail = false
    const sync = createCognitoSync({
      tokenSecret,
      triggers: {
        [triggerArn]: (event) => {
          if (fail) throw new Error("nope")
          return { ...event, datasetRecords: { ...event.datasetRecords, audit: { newValue: "seen", op: "replace" } } }
        }
      }
    })
    try {
      await sync.setCognitoEvents({ IdentityPoolId: me.identityPoolId, Events: { SyncTrigger: triggerArn } })
      const first = await sync.listRecords(me.ref("d"), me.caller)
      const out = await sync.updateRecords({
        ...me.ref("d"),
        SyncSessionToken: first.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
      }, me.caller)
      expect(out.Records.map((record) => [record.Key, record.Value, record.SyncCount]).sort()).toEqual([
        ["audit", "seen", 1],
        ["k", "v", 1]
      ])
      fail = true
      const second = await sync.listRecords(me.ref("d"), me.caller)
      const rejected = sync.updateRecords({
        ...me.ref("d"),
        SyncSessionToken: second.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }]
      }, me.caller)
      await expect(rejected).rejects.toBeInstanceOf(Error)
      await expect(rejected).rejects.toMatchObject({ name: "InvalidLambdaFunctionOutputException" })
      const after = await sync.listRecords(me.ref("d"))
      expect(after.DatasetSyncCount).toBe(1)
    } finally {
      await sync.close()
    }
  })
})
