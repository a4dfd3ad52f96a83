import { describe, expect, it } from "vitest"
import { CognitoSync } from "@syncalite/core"
import { Effect, TestClock } from "effect"
import { developer, facade, newIdentity, rejectionOf, replace, run, start, write } from "./helpers.js"

describe("ListDatasets", () => {
  it("answers an identity without datasets with an empty page", async () => {
    const me = newIdentity()
    const out = await run(Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.listDatasets(me.ids, me.caller)))
    expect(out).toEqual({ Datasets: [], Count: 0 })
  })

  it("lists the datasets of one identity by name, with their metadata", async () => {
    const me = newIdentity()
    const neighbour = newIdentity(me.pool)
    const out = await run(Effect.gen(function*() {
      yield* write(me.ref("zeta"), [replace("k", "v", 0)], me.caller)
      yield* TestClock.adjust("1 second")
      yield* write(me.ref("alpha"), [replace("key", "välue", 0), replace("k2", "v", 0)], me.caller)
      yield* write(neighbour.ref("other"), [replace("k", "v", 0)], neighbour.caller)
      return yield* (yield* CognitoSync.CognitoSync).listDatasets(me.ids, me.caller)
    }))
    expect(out.Count).toBe(2)
    expect(out).not.toHaveProperty("NextToken")
    expect(out.Datasets).toEqual([
      {
        IdentityId: me.identityId,
        DatasetName: "alpha",
        CreationDate: new Date(start + 1000),
        LastModifiedDate: new Date(start + 1000),
        LastModifiedBy: me.identityId,
        DataStorage: 3 + 6 + 2 + 1,
        NumRecords: 2
      },
      {
        IdentityId: me.identityId,
        DatasetName: "zeta",
        CreationDate: new Date(start),
        LastModifiedDate: new Date(start),
        LastModifiedBy: me.identityId,
        DataStorage: 2,
        NumRecords: 1
      }
    ])
  })

  it("includes merged datasets and omits deleted ones", async () => {
    const me = newIdentity()
    const merged = `game.${me.identityId}`
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      for (const name of ["game", merged, "old"]) yield* write(me.ref(name), [replace("k", "v", 0)])
      yield* sync.deleteDataset(me.ref("old"), developer)
      return yield* sync.listDatasets(me.ids, developer)
    }))
    expect(out.Datasets.map((d) => d.DatasetName)).toEqual(["game", merged])
  })

  it("pages with MaxResults and an opaque NextToken", async () => {
    const me = newIdentity()
    const names = ["d1", "d2", "d3", "d4", "d5"]
    const pages = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      for (const name of names) yield* write(me.ref(name), [replace("k", "v", 0)])
      const pages = [yield* sync.listDatasets({ ...me.ids, MaxResults: 2 }, me.caller)]
      while (pages[pages.length - 1]!.NextToken !== undefined) {
        pages.push(yield* sync.listDatasets({ ...me.ids, MaxResults: 2, NextToken: pages[pages.length - 1]!.NextToken! }, me.caller))
      }
      return pages
    }))
    expect(pages.map((page) => page.Count)).toEqual([2, 2, 1])
    expect(pages.flatMap((page) => page.Datasets.map((d) => d.DatasetName))).toEqual(names)
    expect(pages[2]).not.toHaveProperty("NextToken")
  })

  it("gives no NextToken when the last page is exactly full", async () => {
    const me = newIdentity()
    const out = await run(Effect.gen(function*() {
      for (const name of ["a", "b"]) yield* write(me.ref(name), [replace("k", "v", 0)])
      return yield* (yield* CognitoSync.CognitoSync).listDatasets({ ...me.ids, MaxResults: 2 }, developer)
    }))
    expect(out.Count).toBe(2)
    expect(out).not.toHaveProperty("NextToken")
  })

  it("neither repeats nor skips a dataset when one is created or deleted between pages", async () => {
    const me = newIdentity()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      for (const name of ["b", "d", "f"]) yield* write(me.ref(name), [replace("k", "v", 0)])
      const first = yield* sync.listDatasets({ ...me.ids, MaxResults: 2 }, developer)
      yield* write(me.ref("a"), [replace("k", "v", 0)])
      yield* write(me.ref("e"), [replace("k", "v", 0)])
      yield* sync.deleteDataset(me.ref("b"), developer)
      const second = yield* sync.listDatasets({ ...me.ids, MaxResults: 2, NextToken: first.NextToken! }, developer)
      return { first, second }
    }))
    expect(out.first.Datasets.map((d) => d.DatasetName)).toEqual(["b", "d"])
    expect(out.second.Datasets.map((d) => d.DatasetName)).toEqual(["e", "f"])
  })

  it("uses the configured page size when MaxResults is absent or larger", async () => {
    const me = newIdentity()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      for (const name of ["a", "b", "c"]) yield* write(me.ref(name), [replace("k", "v", 0)])
      return {
        absent: yield* sync.listDatasets(me.ids, developer),
        larger: yield* sync.listDatasets({ ...me.ids, MaxResults: 64 }, developer)
      }
    }), { limits: { maxDatasetsPerPage: 2 } })
    expect(out.absent.Count).toBe(2)
    expect(out.absent.NextToken).toEqual(expect.any(String))
    expect(out.larger.Count).toBe(2)
  })

  it("refuses an altered, foreign or made-up NextToken", async () => {
    const me = newIdentity()
    const other = newIdentity(me.pool)
    const errors = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      for (const name of ["a", "b", "c"]) {
        yield* write(me.ref(name), [replace("k", "v", 0)])
        yield* write(other.ref(name), [replace("k", "v", 0)])
      }
      yield* write(me.ref("records"), [replace("a", "v", 0), replace("b", "v", 0)])
      const token = (yield* sync.listDatasets({ ...me.ids, MaxResults: 1 }, developer)).NextToken!
      const foreign = (yield* sync.listDatasets({ ...other.ids, MaxResults: 1 }, developer)).NextToken!
      const recordsToken = (yield* sync.listRecords({ ...me.ref("records"), MaxResults: 1 }, developer)).NextToken!
      const altered = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA")
      return yield* Effect.forEach(
        [altered, foreign, recordsToken, "garbage", `${token.split(".")[0]}.`],
        (NextToken) => Effect.flip(sync.listDatasets({ ...me.ids, MaxResults: 1, NextToken }, developer))
      )
    }))
    expect(errors).toHaveLength(5)
    for (const error of errors) expect(error._tag).toBe("InvalidParameterException")
  })

  it("lists and pages through the Promise facade", async () => {
    const sync = facade()
    const me = newIdentity()
    for (const DatasetName of ["x", "y"]) {
      const ref = { ...me.ids, DatasetName }
      const { SyncSessionToken } = await sync.listRecords(ref, me.caller)
      await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "v", 0)] }, me.caller)
    }
    const first = await sync.listDatasets({ ...me.ids, MaxResults: 1 }, me.caller)
    expect(first.Datasets.map((d) => d.DatasetName)).toEqual(["x"])
    const second = await sync.listDatasets({ ...me.ids, MaxResults: 1, NextToken: first.NextToken! }, me.caller)
    expect(second.Datasets.map((d) => d.DatasetName)).toEqual(["y"])
    expect(second.NextToken).toBeUndefined()
    const error = await rejectionOf(sync.listDatasets({ ...me.ids, NextToken: "nope" }, me.caller))
    expect(error.name).toBe("InvalidParameterException")
    expect(error.status).toBe(400)
    await sync.close()
  })
})
