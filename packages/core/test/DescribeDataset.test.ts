import { describe, expect, it } from "vitest"
import { Caller, CognitoSync } from "@syncalite/core"
import { Effect, TestClock } from "effect"
import { developer, facade, newIdentity, rejectionOf, remove, replace, run, start, write } from "./helpers.js"

describe("DescribeDataset", () => {
  it("fails with ResourceNotFoundException for a dataset that does not exist (B 16)", async () => {
    const me = newIdentity()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const never = yield* Effect.flip(sync.describeDataset(me.ref("never"), me.caller))
      // a ListRecords does not create the dataset
      yield* sync.listRecords(me.ref("listed"), me.caller)
      const listed = yield* Effect.flip(sync.describeDataset(me.ref("listed"), me.caller))
      // nor does a refused write
      const refused = yield* Effect.flip(write(me.ref("refused"), [replace("k", "v", 5)], me.caller))
      const afterRefusal = yield* Effect.flip(sync.describeDataset(me.ref("refused"), me.caller))
      return { never, listed, refused, afterRefusal }
    }))
    expect(out.never._tag).toBe("ResourceNotFoundException")
    expect(out.listed._tag).toBe("ResourceNotFoundException")
    expect(out.refused._tag).toBe("ResourceConflictException")
    expect(out.afterRefusal._tag).toBe("ResourceNotFoundException")
  })

  it("answers 404 through the Promise facade", async () => {
    const sync = facade()
    const me = newIdentity()
    const error = await rejectionOf(sync.describeDataset(me.ref("never")))
    expect(error.name).toBe("ResourceNotFoundException")
    expect(error.status).toBe(404)
    await sync.close()
  })

  it("describes a dataset: dates, LastModifiedBy, live records and their UTF-8 bytes", async () => {
    const me = newIdentity()
    const ref = me.ref("profile")
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("k1", "héllo", 0), replace("gone", "soon", 0)], me.caller)
      const first = yield* sync.describeDataset(ref, me.caller)
      yield* TestClock.adjust("2 minutes")
      yield* write(ref, [remove("gone", 1), replace("ключ", "значение", 0)], Caller.developer("123456789012"))
      const second = yield* sync.describeDataset(ref, me.caller)
      return { first, second }
    }))
    expect(out.first.Dataset).toEqual({
      IdentityId: me.identityId,
      DatasetName: "profile",
      CreationDate: new Date(start),
      LastModifiedDate: new Date(start),
      LastModifiedBy: me.identityId,
      DataStorage: 2 + 6 + 4 + 4,
      NumRecords: 2
    })
    // "ключ" is 8 bytes, "значение" 16; the tombstone "gone" counts for neither figure
    expect(out.second.Dataset).toEqual({
      IdentityId: me.identityId,
      DatasetName: "profile",
      CreationDate: new Date(start),
      LastModifiedDate: new Date(start + 120_000),
      LastModifiedBy: "123456789012",
      DataStorage: 8 + 8 + 16,
      NumRecords: 2
    })
  })

  it("counts key and value bytes in UTF-8: k1 + héllo is 8 bytes (B 23)", async () => {
    const sync = facade()
    const me = newIdentity()
    const ref = me.ref()
    const { SyncSessionToken } = await sync.listRecords(ref, me.caller)
    await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k1", "héllo", 0)] }, me.caller)
    const { Dataset } = await sync.describeDataset(ref, me.caller)
    expect(Dataset.DataStorage).toBe(8)
    expect(Dataset.NumRecords).toBe(1)
    await sync.close()
  })

  it("counts a surrogate pair as 4 bytes", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const described = await run(Effect.gen(function*() {
      yield* write(ref, [replace("e", "😀", 0)])
      return yield* (yield* CognitoSync.CognitoSync).describeDataset(ref, developer)
    }))
    expect(described.Dataset.DataStorage).toBe(5)
  })
})
