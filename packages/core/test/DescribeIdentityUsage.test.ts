import { describe, expect, it } from "vitest"
import { CognitoSync } from "@syncalite/core"
import { Effect, TestClock } from "effect"
import { developer, newIdentity, remove, replace, run, start, write } from "./helpers.js"

describe("DescribeIdentityUsage", () => {
  it("sums DataStorage over the identity's datasets and counts them (B 23)", async () => {
    const me = newIdentity()
    const neighbour = newIdentity(me.pool)
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(me.ref("a"), [replace("k1", "héllo", 0)], me.caller)
      yield* TestClock.adjust("1 minute")
      yield* write(me.ref("b"), [replace("key", "value", 0), replace("gone", "x", 0)], me.caller)
      yield* write(me.ref("b"), [remove("gone", 1)], me.caller)
      yield* write(neighbour.ref("a"), [replace("other", "identity", 0)], neighbour.caller)
      const both = yield* sync.describeIdentityUsage(me.ids, me.caller)
      const asDeveloper = yield* sync.describeIdentityUsage(me.ids, developer)
      yield* sync.deleteDataset(me.ref("a"), me.caller)
      const afterDelete = yield* sync.describeIdentityUsage(me.ids, me.caller)
      return { both, asDeveloper, afterDelete }
    }))
    expect(out.both.IdentityUsage).toEqual({
      IdentityId: me.identityId,
      IdentityPoolId: me.pool,
      DatasetCount: 2,
      DataStorage: 8 + 8,
      LastModifiedDate: new Date(start + 60_000)
    })
    expect(out.asDeveloper).toEqual(out.both)
    expect(out.afterDelete.IdentityUsage.DatasetCount).toBe(1)
    expect(out.afterDelete.IdentityUsage.DataStorage).toBe(8)
  })
})
