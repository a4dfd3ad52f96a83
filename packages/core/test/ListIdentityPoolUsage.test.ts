import { describe, expect, it } from "vitest"
import { CognitoSync } from "@syncalite/core"
import { Effect } from "effect"
import { developer, facade, newIdentity, replace, run, write } from "./helpers.js"

describe("ListIdentityPoolUsage", () => {
  it("pages two pools one at a time, echoing MaxResults (B 21)", async () => {
    const first = newIdentity()
    const second = newIdentity()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(first.ref(), [replace("k", "v", 0)])
      yield* write(second.ref(), [replace("key", "value", 0)])
      const one = yield* sync.listIdentityPoolUsage({ MaxResults: 1 }, developer)
      const two = yield* sync.listIdentityPoolUsage({ MaxResults: 1, NextToken: one.NextToken! }, developer)
      const all = yield* sync.listIdentityPoolUsage({}, developer)
      return { one, two, all }
    }))
    expect(out.one.Count).toBe(1)
    expect(out.one.MaxResults).toBe(1)
    expect(out.one.IdentityPoolUsages).toHaveLength(1)
    expect(out.one.NextToken).toEqual(expect.any(String))
    expect(out.two.Count).toBe(1)
    expect(out.two.MaxResults).toBe(1)
    expect(out.two).not.toHaveProperty("NextToken")
    const paged = [...out.one.IdentityPoolUsages, ...out.two.IdentityPoolUsages].map((usage) => usage.IdentityPoolId)
    expect(paged.sort()).toEqual([first.pool, second.pool].sort())
    expect(out.all.Count).toBe(2)
    expect(out.all).not.toHaveProperty("NextToken")
    const storage = Object.fromEntries(out.all.IdentityPoolUsages.map((usage) => [usage.IdentityPoolId, usage.DataStorage]))
    expect(storage).toEqual({ [first.pool]: 2, [second.pool]: 8 })
  })

  it("refuses an altered NextToken", async () => {
    const sync = facade()
    for (const me of [newIdentity(), newIdentity()]) {
      const ref = me.ref()
      const { SyncSessionToken } = await sync.listRecords(ref)
      await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "v", 0)] })
    }
    const { NextToken } = await sync.listIdentityPoolUsage({ MaxResults: 1 })
    expect(NextToken).toEqual(expect.any(String))
    await expect(sync.listIdentityPoolUsage({ MaxResults: 1, NextToken: `x${NextToken}` })).rejects.toMatchObject({
      name: "InvalidParameterException",
      status: 400
    })
    await sync.close()
  })
})
