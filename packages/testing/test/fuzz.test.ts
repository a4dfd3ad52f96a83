import { describe, expect, it } from "vitest"
import { Effect, Layer } from "effect"
import { Caller, SyncStore } from "@syncalite/core"
import { createServer } from "@syncalite/http"
import { HttpSuite, Services } from "@syncalite/testing"
import * as Fuzzing from "../src/fuzzing.js"
import { bindings, stores } from "../scripts/targets.js"

/** The short pass of `npm run fuzz`: every store behind the standalone server, every binding over memory. */
const redis = await Services.check("redis")
const passes: ReadonlyArray<readonly [binding: string, store: string]> = [
  ["standalone", "memory"],
  ["standalone", "sqlite"],
  ...(redis.available ? [["standalone", "redis"] as const] : []),
  ["express", "memory"],
  ["koa", "memory"]
]

describe("fuzz", () => {
  for (const [binding, storeName] of passes) {
    it(`${binding} over ${storeName}: 300 mutated, random and raw requests, with store faults`, async () => {
      const store = stores[storeName]!(redis.url)
      try {
        const report = await Fuzzing.run({
          start: bindings[binding]!,
          ...(store.layer === undefined ? {} : { store: store.layer }),
          requests: 300,
          faultRate: 0.05
        })
        expect({ seed: report.seed, failures: report.failures }).toEqual({ seed: report.seed, failures: [] })
        expect(report.requests).toBe(300)
        // the run reached successes, refusals of every kind, and the faults it injected
        expect(Object.keys(report.statuses)).toEqual(expect.arrayContaining(["200", "400", "403", "404"]))
        expect(report.faults).toBeGreaterThan(0)
      } finally {
        await store.cleanUp()
      }
    }, 120_000)
  }

  it("catches a server that lets any caller write anything, and one that answers 500 for what is not a fault", async () => {
    const everyone = await Fuzzing.run({
      start: (options, prefix) => HttpSuite.serve(createServer({ ...options, prefix, authenticate: () => Caller.developer("123456789012") }), prefix),
      requests: 1000,
      seed: 1
    })
    expect(everyone.failures).toEqual(expect.arrayContaining([expect.stringMatching(/^a victim.s data changed/)]))
    const memory = SyncStore.makeMemory()
    const broken = await Fuzzing.run({
      start: bindings["standalone"]!,
      // a store with a bug: DescribeIdentityUsage dies
      store: Layer.succeed(SyncStore.SyncStore, { ...memory, identityUsage: () => Effect.die(new Error("a bug")) }),
      requests: 300,
      faultRate: 0
    })
    expect(broken.failures.some((failure) => /^500 InternalErrorException without an injected fault/.test(failure))).toBe(true)
  }, 120_000)
})
