import { describe, expect, it } from "vitest"
import { Caller, CognitoSync } from "@syncalite/core"
import { Effect } from "effect"
import {
  advanceTo,
  developer,
  facade,
  listAll,
  newIdentity,
  rejectionOf,
  remove,
  replace,
  run,
  triples,
  write
} from "./helpers.js"

describe("ListRecords", () => {
  it("answers a never-written dataset with an empty, non-existent dataset and a token (B 1)", async () => {
    const me = newIdentity()
    const out = await run(Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.listRecords(me.ref("settings"), me.caller)))
    expect(out).toEqual({
      Records: [],
      Count: 0,
      DatasetSyncCount: 0,
      DatasetExists: false,
      DatasetDeletedAfterRequestedSyncCount: false,
      SyncSessionToken: expect.any(String)
    })
    expect(out.SyncSessionToken.length).toBeGreaterThan(0)
    expect(out).not.toHaveProperty("LastModifiedBy")
    expect(out).not.toHaveProperty("MergedDatasetNames")
    expect(out).not.toHaveProperty("NextToken")
  })

  it("answers the same through the Promise facade", async () => {
    const sync = facade()
    const me = newIdentity()
    const out = await sync.listRecords(me.ref("settings"), me.caller)
    expect(out.Count).toBe(0)
    expect(out.DatasetExists).toBe(false)
    expect(out.DatasetSyncCount).toBe(0)
    expect(typeof out.SyncSessionToken).toBe("string")
    await sync.close()
  })

  it("reports the dataset after its first write (B 2)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      yield* write(ref, [replace("k1", "v", 0)], me.caller)
      return yield* (yield* CognitoSync.CognitoSync).listRecords(ref, me.caller)
    }))
    expect(out.DatasetExists).toBe(true)
    expect(out.DatasetSyncCount).toBe(1)
    expect(out.Count).toBe(1)
    expect(triples(out.Records)).toEqual([["k1", "v", 1]])
    expect(out.LastModifiedBy).toBe(me.identityId)
    expect(out.DatasetDeletedAfterRequestedSyncCount).toBe(false)
  })

  it("returns the records changed strictly after LastSyncCount (B 4)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* advanceTo(ref, 4)
      yield* write(ref, [replace("k1", "a", 0), replace("k2", "b", 0), replace("k3", "c", 0)])
      return {
        at5: yield* sync.listRecords({ ...ref, LastSyncCount: 5 }, developer),
        at4: yield* sync.listRecords({ ...ref, LastSyncCount: 4 }, developer),
        at3: yield* sync.listRecords({ ...ref, LastSyncCount: 3 }, developer),
        at0: yield* sync.listRecords({ ...ref, LastSyncCount: 0 }, developer),
        all: yield* sync.listRecords(ref, developer)
      }
    }))
    expect(out.at5.Records).toEqual([])
    expect(out.at5.Count).toBe(0)
    expect(out.at5.DatasetSyncCount).toBe(5)
    expect(triples(out.at4.Records)).toEqual([["k1", "a", 5], ["k2", "b", 5], ["k3", "c", 5]])
    expect(triples(out.at3.Records)).toEqual([["filler3", "f3", 4], ["k1", "a", 5], ["k2", "b", 5], ["k3", "c", 5]])
    expect(out.at0.Count).toBe(7)
    expect(triples(out.all.Records)).toEqual(triples(out.at0.Records))
    expect(out.all.DatasetSyncCount).toBe(5)
  })

  it("keeps returning a record whose value did not change but whose count did", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      yield* write(ref, [replace("k", "same", 0)])
      yield* write(ref, [replace("k", "same", 1)])
      return yield* (yield* CognitoSync.CognitoSync).listRecords({ ...ref, LastSyncCount: 1 }, developer)
    }))
    expect(triples(out.Records)).toEqual([["k", "same", 2]])
  })

  it("fails for a LastSyncCount beyond an existing dataset's count (B 5)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const error = await run(Effect.gen(function*() {
      yield* advanceTo(ref, 5)
      return yield* Effect.flip((yield* CognitoSync.CognitoSync).listRecords({ ...ref, LastSyncCount: 9 }, developer))
    }))
    expect(error._tag).toBe("InvalidParameterException")
    expect(error.message).toBe("No such SyncCount: 9 exists for this Dataset")
  })

  it("accepts LastSyncCount equal to the dataset's count", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      yield* advanceTo(ref, 2)
      return yield* (yield* CognitoSync.CognitoSync).listRecords({ ...ref, LastSyncCount: 2 }, developer)
    }))
    expect(out.Records).toEqual([])
    expect(out.DatasetSyncCount).toBe(2)
  })

  it("never fails for a dataset that does not exist, whatever LastSyncCount (A 9)", async () => {
    const me = newIdentity()
    const out = await run(Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
      sync.listRecords({ ...me.ref(), LastSyncCount: 9 }, developer)))
    expect(out.DatasetExists).toBe(false)
    expect(out.DatasetSyncCount).toBe(0)
    expect(out.DatasetDeletedAfterRequestedSyncCount).toBe(false)
  })

  it("rejects a LastSyncCount that is too high through the facade with status 400", async () => {
    const sync = facade()
    const me = newIdentity()
    const ref = me.ref()
    const { SyncSessionToken } = await sync.listRecords(ref)
    await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "v", 0)] })
    const error = await rejectionOf(sync.listRecords({ ...ref, LastSyncCount: 2 }))
    expect(error.name).toBe("InvalidParameterException")
    expect(error.status).toBe(400)
    expect(error.message).toBe("No such SyncCount: 2 exists for this Dataset")
    await sync.close()
  })

  it("lists tombstones with no Value", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      yield* write(ref, [replace("gone", "x", 0), replace("kept", "y", 0)])
      yield* write(ref, [remove("gone", 1)])
      return yield* (yield* CognitoSync.CognitoSync).listRecords(ref, developer)
    }))
    expect(triples(out.Records)).toEqual([["gone", null, 2], ["kept", "y", 1]])
    expect(out.Records.find((r) => r.Key === "gone")).not.toHaveProperty("Value")
  })

  it("reports LastModifiedBy of the dataset: the identity id, or the developer's account id", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("k", "v", 0)], me.caller)
      const byIdentity = yield* sync.listRecords(ref, developer)
      yield* write(ref, [replace("k", "w", 1)], Caller.developer("210987654321"))
      const byDeveloper = yield* sync.listRecords(ref, me.caller)
      return { byIdentity, byDeveloper }
    }))
    expect(out.byIdentity.LastModifiedBy).toBe(me.identityId)
    expect(out.byIdentity.Records[0]!.LastModifiedBy).toBe(me.identityId)
    expect(out.byDeveloper.LastModifiedBy).toBe("210987654321")
    expect(out.byDeveloper.Records[0]!.LastModifiedBy).toBe("210987654321")
  })

  describe("MergedDatasetNames", () => {
    it("lists the existing datasets `<name>.<identityId>` of the same identity", async () => {
      const me = newIdentity()
      const other = newIdentity(me.pool)
      const merged1 = "us-east-1:0000aaaa-bbbb"
      const merged2 = "eu-west-1:1234"
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        for (const name of [`game.${merged2}`, `game.${merged1}`, `gamer.${merged1}`, "game.notmerged", "game"]) {
          yield* write(me.ref(name), [replace("k", "v", 0)])
        }
        yield* write(other.ref(`game.${merged1}`), [replace("k", "v", 0)])
        const parent = yield* sync.listRecords(me.ref("game"), me.caller)
        const missingParent = yield* sync.listRecords(me.ref("gam"), me.caller)
        const child = yield* sync.listRecords(me.ref(`game.${merged1}`), me.caller)
        const otherParent = yield* sync.listRecords(other.ref("game"), other.caller)
        yield* sync.deleteDataset(me.ref(`game.${merged2}`), me.caller)
        const afterDelete = yield* sync.listRecords(me.ref("game"), me.caller)
        yield* sync.deleteDataset(me.ref(`game.${merged1}`), me.caller)
        const afterBoth = yield* sync.listRecords(me.ref("game"), me.caller)
        return { parent, missingParent, child, otherParent, afterDelete, afterBoth }
      }))
      expect(out.parent.MergedDatasetNames).toEqual([`game.${merged2}`, `game.${merged1}`].sort())
      expect(out.missingParent).not.toHaveProperty("MergedDatasetNames")
      expect(out.child).not.toHaveProperty("MergedDatasetNames")
      expect(out.otherParent.MergedDatasetNames).toEqual([`game.${merged1}`])
      expect(out.afterDelete.MergedDatasetNames).toEqual([`game.${merged1}`])
      expect(out.afterBoth).not.toHaveProperty("MergedDatasetNames")
    })

    it("reports merged datasets even when the parent dataset does not exist yet", async () => {
      const me = newIdentity()
      const out = await run(Effect.gen(function*() {
        yield* write(me.ref(`prefs.${me.identityId}`), [replace("k", "v", 0)])
        return yield* (yield* CognitoSync.CognitoSync).listRecords(me.ref("prefs"), me.caller)
      }))
      expect(out.DatasetExists).toBe(false)
      expect(out.MergedDatasetNames).toEqual([`prefs.${me.identityId}`])
    })
  })

  describe("paging", () => {
    it("pages 5 records by 2: pages of 2, 2, 1 with the same count and token (B 20)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const pages = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        yield* write(ref, ["a", "b", "c", "d", "e"].map((k) => replace(k, k.toUpperCase(), 0)))
        yield* write(ref, [replace("a", "A2", 1)])
        const pages = [yield* sync.listRecords({ ...ref, MaxResults: 2 }, me.caller)]
        while (pages[pages.length - 1]!.NextToken !== undefined) {
          pages.push(yield* sync.listRecords({ ...ref, MaxResults: 2, NextToken: pages[pages.length - 1]!.NextToken! }, me.caller))
        }
        return pages
      }))
      expect(pages.map((page) => page.Count)).toEqual([2, 2, 1])
      expect(pages.map((page) => page.Records.length)).toEqual([2, 2, 1])
      expect(pages.flatMap((page) => page.Records.map((r) => r.Key)).sort()).toEqual(["a", "b", "c", "d", "e"])
      for (const page of pages) {
        expect(page.DatasetSyncCount).toBe(2)
        expect(page.SyncSessionToken).toBe(pages[0]!.SyncSessionToken)
        expect(page.DatasetExists).toBe(true)
      }
      expect(pages[0]!.NextToken).toEqual(expect.any(String))
      expect(pages[1]!.NextToken).toEqual(expect.any(String))
      expect(pages[2]).not.toHaveProperty("NextToken")
    })

    it("pages only the records changed after LastSyncCount", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, ["a", "b", "c", "d"].map((k) => replace(k, k, 0)))
        yield* write(ref, [replace("b", "b2", 1), replace("d", "d2", 1), replace("e", "e", 0)])
        const sync = yield* CognitoSync.CognitoSync
        const first = yield* sync.listRecords({ ...ref, LastSyncCount: 1, MaxResults: 2 }, developer)
        const second = yield* sync.listRecords({ ...ref, LastSyncCount: 1, MaxResults: 2, NextToken: first.NextToken! }, developer)
        return { first, second }
      }))
      expect(triples(out.first.Records)).toEqual([["b", "b2", 2], ["d", "d2", 2]])
      expect(triples(out.second.Records)).toEqual([["e", "e", 2]])
      expect(out.second).not.toHaveProperty("NextToken")
    })

    it("keeps DatasetSyncCount and SyncSessionToken of the first page when a write happens between pages", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        yield* write(ref, ["a", "b", "c", "d"].map((k) => replace(k, k, 0)))
        const first = yield* sync.listRecords({ ...ref, MaxResults: 2 }, developer)
        yield* write(ref, [replace("z", "z", 0)])
        const second = yield* sync.listRecords({ ...ref, MaxResults: 2, NextToken: first.NextToken! }, developer)
        const fresh = yield* sync.listRecords(ref, developer)
        return { first, second, fresh }
      }))
      expect(out.first.DatasetSyncCount).toBe(1)
      expect(out.second.DatasetSyncCount).toBe(1)
      expect(out.second.SyncSessionToken).toBe(out.first.SyncSessionToken)
      expect(out.fresh.DatasetSyncCount).toBe(2)
      expect(out.fresh.SyncSessionToken).not.toBe(out.first.SyncSessionToken)
    })

    it("clamps MaxResults to the configured page size", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, ["a", "b", "c"].map((k) => replace(k, k, 0)))
        const sync = yield* CognitoSync.CognitoSync
        return {
          unbounded: yield* sync.listRecords({ ...ref, MaxResults: 1000 }, developer),
          all: yield* listAll(ref)
        }
      }), { limits: { maxRecordsPerPage: 2 } })
      expect(out.unbounded.Count).toBe(2)
      expect(out.unbounded.NextToken).toEqual(expect.any(String))
      expect(out.all.Records.map((r) => r.Key)).toEqual(["a", "b", "c"])
    })

    it("refuses an altered, foreign or made-up NextToken", async () => {
      const me = newIdentity()
      const ref = me.ref("one")
      const errors = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        yield* write(ref, ["a", "b", "c"].map((k) => replace(k, k, 0)))
        yield* write(me.ref("two"), ["a", "b", "c"].map((k) => replace(k, k, 0)))
        yield* write(me.ref("ds1"), [replace("a", "a", 0)])
        yield* write(me.ref("ds2"), [replace("a", "a", 0)])
        const { NextToken } = yield* sync.listRecords({ ...ref, MaxResults: 1 }, developer)
        const foreign = (yield* sync.listRecords({ ...me.ref("two"), MaxResults: 1 }, developer)).NextToken!
        const datasetsToken = (yield* sync.listDatasets({ ...me.ids, MaxResults: 1 }, developer)).NextToken!
        const token = NextToken!
        const flipped = token.slice(0, 5) + (token[5] === "A" ? "B" : "A") + token.slice(6)
        const attempt = (input: { readonly NextToken: string; readonly LastSyncCount?: number }) =>
          Effect.flip(sync.listRecords({ ...ref, MaxResults: 1, ...input }, developer))
        return [
          yield* attempt({ NextToken: flipped }),
          yield* attempt({ NextToken: `${token}x` }),
          yield* attempt({ NextToken: foreign }),
          yield* attempt({ NextToken: datasetsToken }),
          yield* attempt({ NextToken: token, LastSyncCount: 1 }),
          yield* attempt({ NextToken: "bm90IGEgdG9rZW4" }),
          yield* attempt({ NextToken: "" })
        ]
      }))
      for (const error of errors) {
        expect(error._tag).toBe("InvalidParameterException")
      }
    })

    it("refuses a NextToken sealed with another secret", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const one = facade()
      const other = facade({ tokenSecret: "another-secret-entirely-0123" })
      for (const sync of [one, other]) {
        const { SyncSessionToken } = await sync.listRecords(ref)
        await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("a", "a", 0), replace("b", "b", 0)] })
      }
      const { NextToken } = await other.listRecords({ ...ref, MaxResults: 1 })
      expect(NextToken).toEqual(expect.any(String))
      const error = await rejectionOf(one.listRecords({ ...ref, MaxResults: 1, NextToken: NextToken! }))
      expect(error.name).toBe("InvalidParameterException")
      expect(error.status).toBe(400)
      await one.close()
      await other.close()
    })
  })
})
