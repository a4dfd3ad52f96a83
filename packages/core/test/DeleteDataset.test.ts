import { describe, expect, it } from "vitest"
import { CognitoSync } from "@syncalite/core"
import { Effect, TestClock } from "effect"
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
  start,
  triples,
  write
} from "./helpers.js"

describe("DeleteDataset", () => {
  it("fails with ResourceNotFoundException for a dataset that never existed (B 16)", async () => {
    const me = newIdentity()
    const error = await run(Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
      Effect.flip(sync.deleteDataset(me.ref("nothing"), me.caller))))
    expect(error._tag).toBe("ResourceNotFoundException")
  })

  it("answers 404 through the Promise facade", async () => {
    const sync = facade()
    const me = newIdentity()
    const error = await rejectionOf(sync.deleteDataset(me.ref("nothing"), me.caller))
    expect(error.name).toBe("ResourceNotFoundException")
    expect(error.status).toBe(404)
    await sync.close()
  })

  it("returns the deleted dataset's metadata, then the dataset is gone (B 17)", async () => {
    const me = newIdentity()
    const ref = me.ref("doomed")
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("k1", "héllo", 0), replace("k2", "x", 0)], me.caller)
      yield* TestClock.adjust("10 seconds")
      yield* write(ref, [remove("k2", 1)], me.caller)
      yield* write(me.ref("kept"), [replace("k", "v", 0)], me.caller)
      yield* TestClock.adjust("10 seconds")
      const deleted = yield* sync.deleteDataset(ref, me.caller)
      return {
        deleted,
        described: yield* Effect.flip(sync.describeDataset(ref, me.caller)),
        again: yield* Effect.flip(sync.deleteDataset(ref, me.caller)),
        datasets: yield* sync.listDatasets(me.ids, me.caller),
        since1: yield* sync.listRecords({ ...ref, LastSyncCount: 1 }, me.caller),
        since0: yield* sync.listRecords(ref, me.caller)
      }
    }))
    expect(out.deleted.Dataset).toEqual({
      IdentityId: me.identityId,
      DatasetName: "doomed",
      CreationDate: new Date(start),
      LastModifiedDate: new Date(start + 10_000),
      LastModifiedBy: me.identityId,
      DataStorage: 8,
      NumRecords: 1
    })
    expect(out.described._tag).toBe("ResourceNotFoundException")
    expect(out.again._tag).toBe("ResourceNotFoundException")
    expect(out.datasets.Datasets.map((d) => d.DatasetName)).toEqual(["kept"])
    expect(out.since1).toMatchObject({
      Records: [],
      Count: 0,
      DatasetExists: false,
      DatasetDeletedAfterRequestedSyncCount: true
    })
    expect(out.since0).toMatchObject({
      Records: [],
      DatasetExists: false,
      DatasetDeletedAfterRequestedSyncCount: false
    })
    expect(out.since0).not.toHaveProperty("LastModifiedBy")
  })

  it("never fails ListRecords on a deleted dataset, even for a LastSyncCount above its old count (A 9)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      yield* advanceTo(ref, 2)
      yield* (yield* CognitoSync.CognitoSync).deleteDataset(ref, developer)
      return yield* (yield* CognitoSync.CognitoSync).listRecords({ ...ref, LastSyncCount: 50 }, developer)
    }))
    expect(out.DatasetExists).toBe(false)
    expect(out.DatasetDeletedAfterRequestedSyncCount).toBe(false)
  })

  it("continues the sync count when the dataset is recreated, flagging clients that synced before (B 18, A 2)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("old", "1", 0)])
      yield* write(ref, [replace("old", "2", 1)])
      yield* write(ref, [replace("old", "3", 2)])
      yield* sync.deleteDataset(ref, developer)
      const recreated = yield* write(ref, [replace("new", "v", 0)])
      return {
        recreated,
        predates: yield* sync.listRecords({ ...ref, LastSyncCount: 2 }, developer),
        atDeletion: yield* sync.listRecords({ ...ref, LastSyncCount: 3 }, developer),
        afterRecreation: yield* sync.listRecords({ ...ref, LastSyncCount: 4 }, developer),
        fromZero: yield* sync.listRecords(ref, developer)
      }
    }))
    expect(triples(out.recreated.Records)).toEqual([["new", "v", 4]])
    expect(out.predates.DatasetExists).toBe(true)
    expect(out.predates.DatasetDeletedAfterRequestedSyncCount).toBe(true)
    expect(out.predates.DatasetSyncCount).toBe(4)
    expect(triples(out.predates.Records)).toEqual([["new", "v", 4]])
    expect(out.atDeletion.DatasetDeletedAfterRequestedSyncCount).toBe(true)
    expect(out.afterRecreation.DatasetExists).toBe(true)
    expect(out.afterRecreation.DatasetDeletedAfterRequestedSyncCount).toBe(false)
    expect(out.afterRecreation.Records).toEqual([])
    expect(out.fromZero.DatasetDeletedAfterRequestedSyncCount).toBe(false)
    expect(triples(out.fromZero.Records)).toEqual([["new", "v", 4]])
  })

  it("refuses a non-zero SyncCount for a key absent from the recreated dataset (B 19)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("k1", "v", 0)])
      yield* sync.deleteDataset(ref, developer)
      const whileDeleted = yield* Effect.flip(write(ref, [replace("k1", "w", 1)]))
      yield* write(ref, [replace("other", "v", 0)])
      const afterRecreation = yield* Effect.flip(write(ref, [replace("k1", "w", 1)]))
      return { whileDeleted, afterRecreation, listed: yield* listAll(ref) }
    }))
    expect(out.whileDeleted._tag).toBe("ResourceConflictException")
    expect(out.whileDeleted.message).toBe("Current SyncCount for: k1 is: 0 not: 1")
    expect(out.afterRecreation._tag).toBe("ResourceConflictException")
    expect(out.afterRecreation.message).toBe("Current SyncCount for: k1 is: 0 not: 1")
    expect(triples(out.listed.Records)).toEqual([["other", "v", 2]])
  })

  it("gives the recreated dataset a new CreationDate and fresh usage figures", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const described = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("a", "aaaa", 0), replace("b", "bbbb", 0)])
      yield* sync.deleteDataset(ref, developer)
      yield* TestClock.adjust("1 hour")
      yield* write(ref, [replace("c", "c", 0)])
      return yield* sync.describeDataset(ref, developer)
    }))
    expect(described.Dataset.CreationDate.getTime()).toBe(start + 3_600_000)
    expect(described.Dataset.NumRecords).toBe(1)
    expect(described.Dataset.DataStorage).toBe(2)
  })

  it("deletes through the Promise facade for a developer", async () => {
    const sync = facade()
    const me = newIdentity()
    const ref = me.ref()
    const { SyncSessionToken } = await sync.listRecords(ref)
    await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "v", 0)] })
    const out = await sync.deleteDataset(ref)
    expect(out.Dataset).toMatchObject({ DatasetName: ref.DatasetName, NumRecords: 1, DataStorage: 2, LastModifiedBy: "developer" })
    expect((await sync.listDatasets(me.ids)).Datasets).toEqual([])
    await sync.close()
  })

  it("frees the dataset's place in the datasets-per-identity limit", async () => {
    const me = newIdentity()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(me.ref("one"), [replace("k", "v", 0)])
      yield* write(me.ref("two"), [replace("k", "v", 0)])
      const refused = yield* Effect.flip(write(me.ref("three"), [replace("k", "v", 0)]))
      yield* sync.deleteDataset(me.ref("one"), developer)
      const accepted = yield* write(me.ref("three"), [replace("k", "v", 0)])
      return { refused, accepted }
    }), { limits: { datasetsPerIdentity: 2 } })
    expect(out.refused._tag).toBe("LimitExceededException")
    expect(triples(out.accepted.Records)).toEqual([["k", "v", 1]])
  })
})
