import { Deferred, Effect, Fiber, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import { inOrder, makePushLines } from "../src/internal/pushLines.js"

const ref = (datasetName: string) => ({ identityPoolId: "us-east-1:pool", identityId: "us-east-1:identity", datasetName })
const run = <A, E>(program: Effect.Effect<A, E>) => Effect.runPromise(program.pipe(Effect.provide(TestContext.TestContext)))

describe("push lines", () => {
  it("deliver a dataset's notifications one at a time, and skip one older than a count already notified", () =>
    run(Effect.gen(function*() {
      const lines = makePushLines()
      const delivered: Array<number> = []
      const gate = yield* Deferred.make<void>()
      const first = yield* Effect.fork(inOrder(lines, ref("d"), 5, Effect.zipRight(Deferred.await(gate), Effect.sync(() => delivered.push(5)))))
      const second = yield* Effect.fork(inOrder(lines, ref("d"), 7, Effect.sync(() => delivered.push(7))))
      const other = yield* Effect.fork(inOrder(lines, ref("e"), 1, Effect.sync(() => delivered.push(1))))
      yield* Fiber.join(other)
      expect(delivered).toEqual([1])
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      yield* inOrder(lines, ref("d"), 6, Effect.sync(() => delivered.push(6)))
      expect(delivered).toEqual([1, 5, 7])
    })))

  it("let go of a line idle for a minute, and keep a line in use", () =>
    run(Effect.gen(function*() {
      const lines = makePushLines()
      yield* TestClock.adjust("1 minute")
      yield* inOrder(lines, ref("idle"), 3, Effect.void)
      const gate = yield* Deferred.make<void>()
      const busy = yield* Effect.fork(inOrder(lines, ref("busy"), 1, Deferred.await(gate)))
      yield* Effect.yieldNow()
      expect([...lines.byDataset.keys()]).toHaveLength(2)
      yield* TestClock.adjust("59 seconds")
      yield* inOrder(lines, ref("other"), 1, Effect.void)
      expect(lines.byDataset.size).toBe(3)
      yield* TestClock.adjust("1 second")
      yield* inOrder(lines, ref("other"), 2, Effect.void)
      // the idle line went, the busy one stayed: the next notification of "idle" is not told apart from older ones
      expect([...lines.byDataset.keys()].map((key) => JSON.parse(key)[2]).sort()).toEqual(["busy", "other"])
      const delivered: Array<number> = []
      yield* inOrder(lines, ref("idle"), 2, Effect.sync(() => delivered.push(2)))
      expect(delivered).toEqual([2])
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(busy)
    })))
})
