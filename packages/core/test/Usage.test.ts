import { randomUUID } from "node:crypto"
import { Effect, TestClock } from "effect"
import { describe, expect, it } from "vitest"
import { CognitoSync, createCognitoSync } from "@syncalite/core"
import { bytes, configurePush, developer, newId, newIdentity, runTest, tokenSecret, write } from "./poolHelpers.js"

const identityUsage = (me: ReturnType<typeof newIdentity>) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.describeIdentityUsage(me.ids, developer))

const poolUsage = (IdentityPoolId: string) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.describeIdentityPoolUsage({ IdentityPoolId }, developer))

const sessions = (IdentityPoolId: string) => Effect.map(poolUsage(IdentityPoolId), (out) => out.IdentityPoolUsage.SyncSessionsCount)

describe("DescribeIdentityUsage", () => {
  it("counts the datasets of an identity and the UTF-8 bytes of their live keys and values (SPEC 23)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* TestClock.setTime(1_000_000)
      yield* write(me.ref("a"), me.caller, [{ Op: "replace", Key: "k1", Value: "héllo", SyncCount: 0 }])
      expect(yield* identityUsage(me)).toEqual({
        IdentityUsage: {
          IdentityId: me.identityId,
          IdentityPoolId: me.identityPoolId,
          DatasetCount: 1,
          DataStorage: 8,
          LastModifiedDate: new Date(1_000_000)
        }
      })
      yield* TestClock.adjust(5000)
      yield* write(me.ref("b"), me.caller, [
        { Op: "replace", Key: "κλειδί", Value: "值", SyncCount: 0 },
        { Op: "replace", Key: "emoji", Value: "😀", SyncCount: 0 },
        { Op: "replace", Key: "empty", Value: "", SyncCount: 0 }
      ])
      const expectedB = bytes("κλειδί") + bytes("值") + bytes("emoji") + bytes("😀") + bytes("empty")
      expect(expectedB).toBe(12 + 3 + 5 + 4 + 5)
      const usage = (yield* identityUsage(me)).IdentityUsage
      expect(usage).toEqual({
        IdentityId: me.identityId,
        IdentityPoolId: me.identityPoolId,
        DatasetCount: 2,
        DataStorage: 8 + expectedB,
        LastModifiedDate: new Date(1_005_000)
      })
      // consistent with the datasets' own figures
      const datasets = (yield* sync.listDatasets(me.ids, developer)).Datasets
      expect(datasets.map((dataset) => [dataset.DatasetName, dataset.DataStorage, dataset.NumRecords])).toEqual([
        ["a", 8, 1],
        ["b", expectedB, 3]
      ])
      expect(datasets.reduce((sum, dataset) => sum + dataset.DataStorage, 0)).toBe(usage.DataStorage)
      expect((yield* sync.describeDataset(me.ref("b"), developer)).Dataset.DataStorage).toBe(expectedB)
      // the identity may ask about itself
      expect((yield* sync.describeIdentityUsage(me.ids, me.caller)).IdentityUsage).toEqual(usage)
    }))
  })

  it("does not count removed records nor deleted datasets", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(me.ref("a"), me.caller, [
        { Op: "replace", Key: "k1", Value: "one", SyncCount: 0 },
        { Op: "replace", Key: "k2", Value: "two", SyncCount: 0 }
      ])
      yield* write(me.ref("b"), me.caller, [{ Op: "replace", Key: "k", Value: "bbbb", SyncCount: 0 }])
      expect((yield* identityUsage(me)).IdentityUsage).toMatchObject({ DatasetCount: 2, DataStorage: 5 + 5 + 5 })

      yield* write(me.ref("a"), me.caller, [{ Op: "remove", Key: "k2", SyncCount: 1 }])
      expect((yield* identityUsage(me)).IdentityUsage).toMatchObject({ DatasetCount: 2, DataStorage: 5 + 5 })
      expect((yield* sync.describeDataset(me.ref("a"), developer)).Dataset).toMatchObject({ DataStorage: 5, NumRecords: 1 })

      yield* TestClock.adjust(60_000)
      yield* sync.deleteDataset(me.ref("b"), me.caller)
      const afterDelete = (yield* identityUsage(me)).IdentityUsage
      expect(afterDelete).toMatchObject({ DatasetCount: 1, DataStorage: 5 })
      expect((yield* poolUsage(me.identityPoolId)).IdentityPoolUsage.DataStorage).toBe(5)

      yield* sync.deleteDataset(me.ref("a"), me.caller)
      expect((yield* identityUsage(me)).IdentityUsage).toMatchObject({ DatasetCount: 0, DataStorage: 0 })
      expect((yield* poolUsage(me.identityPoolId)).IdentityPoolUsage.DataStorage).toBe(0)

      // a recreated dataset counts again
      yield* write(me.ref("b"), me.caller, [{ Op: "replace", Key: "k", Value: "again", SyncCount: 0 }])
      expect((yield* identityUsage(me)).IdentityUsage).toMatchObject({ DatasetCount: 1, DataStorage: 6 })
    }))
  })

  it("answers ResourceNotFoundException for an identity with nothing stored", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const error = yield* Effect.flip(identityUsage(me))
      expect(error._tag).toBe("ResourceNotFoundException")
      expect((error as { status?: number }).status).toBe(404)
    }))
  })

  it("counts an identity's datasets only, not its neighbours'", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    await runTest(Effect.gen(function*() {
      yield* write(me.ref("a"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      yield* write(other.ref("a"), other.caller, [{ Op: "replace", Key: "key", Value: "value", SyncCount: 0 }])
      yield* write(other.ref("b"), other.caller, [{ Op: "replace", Key: "key", Value: "value", SyncCount: 0 }])
      expect((yield* identityUsage(me)).IdentityUsage).toMatchObject({ DatasetCount: 1, DataStorage: 2 })
      expect((yield* identityUsage(other)).IdentityUsage).toMatchObject({ DatasetCount: 2, DataStorage: 16 })
      expect((yield* poolUsage(me.identityPoolId)).IdentityPoolUsage.DataStorage).toBe(18)
    }))
  })
})

describe("DescribeIdentityPoolUsage", () => {
  it("sums the identities' storage and agrees with ListIdentityPoolUsage", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    const elsewhere = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(me.ref("a"), me.caller, [{ Op: "replace", Key: "k1", Value: "héllo", SyncCount: 0 }])
      yield* TestClock.adjust(10_000)
      yield* write(other.ref("a"), other.caller, [{ Op: "replace", Key: "k", Value: "vv", SyncCount: 0 }])
      yield* write(elsewhere.ref("a"), elsewhere.caller, [{ Op: "replace", Key: "k", Value: "elsewhere", SyncCount: 0 }])
      const usage = (yield* poolUsage(me.identityPoolId)).IdentityPoolUsage
      expect(usage).toEqual({
        IdentityPoolId: me.identityPoolId,
        SyncSessionsCount: 2,
        DataStorage: 8 + 3,
        LastModifiedDate: new Date(10_000)
      })
      const listed = yield* sync.listIdentityPoolUsage({}, developer)
      expect(listed.IdentityPoolUsages.find((pool) => pool.IdentityPoolId === me.identityPoolId)).toEqual(usage)
      expect(listed.IdentityPoolUsages.find((pool) => pool.IdentityPoolId === elsewhere.identityPoolId)).toEqual(
        (yield* poolUsage(elsewhere.identityPoolId)).IdentityPoolUsage
      )
      const identities = [(yield* identityUsage(me)).IdentityUsage, (yield* identityUsage(other)).IdentityUsage]
      expect(identities.reduce((sum, identity) => sum + identity.DataStorage, 0)).toBe(usage.DataStorage)
    }))
  })

  it("counts the ListRecords calls that started a sync session, not continuations nor tokens passed back", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    const elsewhere = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(me.ref("d"), me.caller, [
        { Op: "replace", Key: "k1", Value: "1", SyncCount: 0 },
        { Op: "replace", Key: "k2", Value: "2", SyncCount: 0 },
        { Op: "replace", Key: "k3", Value: "3", SyncCount: 0 }
      ])
      expect(yield* sessions(me.identityPoolId)).toBe(1)

      const fresh = yield* sync.listRecords(me.ref("d"), me.caller)
      expect(yield* sessions(me.identityPoolId)).toBe(2)
      // the token passed back continues the same session
      yield* sync.listRecords({ ...me.ref("d"), SyncSessionToken: fresh.SyncSessionToken }, me.caller)
      expect(yield* sessions(me.identityPoolId)).toBe(2)
      // pages after the first continue it too
      let page = yield* sync.listRecords({ ...me.ref("d"), MaxResults: 1 }, me.caller)
      expect(yield* sessions(me.identityPoolId)).toBe(3)
      let pages = 1
      while (page.NextToken !== undefined) {
        page = yield* sync.listRecords({ ...me.ref("d"), MaxResults: 1, NextToken: page.NextToken }, me.caller)
        pages++
      }
      expect(pages).toBe(3)
      expect(yield* sessions(me.identityPoolId)).toBe(3)
      // writes do not start sessions; a failed ListRecords does not either
      yield* sync.updateRecords({
        ...me.ref("d"),
        SyncSessionToken: fresh.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k1", Value: "one", SyncCount: 1 }]
      }, me.caller)
      expect(yield* sessions(me.identityPoolId)).toBe(3)
      const consumed = yield* Effect.flip(sync.listRecords({ ...me.ref("d"), SyncSessionToken: fresh.SyncSessionToken }, me.caller))
      expect(consumed.message).toBe("SyncSessionToken not valid for these inputs")
      const ahead = yield* Effect.flip(sync.listRecords({ ...me.ref("d"), LastSyncCount: 9 }, me.caller))
      expect(ahead.message).toBe("No such SyncCount: 9 exists for this Dataset")
      expect(yield* sessions(me.identityPoolId)).toBe(3)
      // other identities of the pool count, other pools do not
      yield* sync.listRecords(other.ref("anything"), other.caller)
      yield* write(elsewhere.ref("d"), elsewhere.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      expect(yield* sessions(me.identityPoolId)).toBe(4)
      expect(yield* sessions(elsewhere.identityPoolId)).toBe(1)
    }))
  })

  it("answers ResourceNotFoundException for an unknown pool", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      const error = yield* Effect.flip(poolUsage(pool))
      expect(error._tag).toBe("ResourceNotFoundException")
      expect(error.message).toContain(pool)
    }))
  })

  it("knows a pool that is only configured", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      yield* TestClock.setTime(42_000)
      yield* configurePush(pool)
      expect(yield* poolUsage(pool)).toEqual({
        IdentityPoolUsage: { IdentityPoolId: pool, SyncSessionsCount: 0, DataStorage: 0, LastModifiedDate: new Date(42_000) }
      })
    }))
  })
})

describe("ListIdentityPoolUsage", () => {
  it("pages with MaxResults 1 over 2 pools (SPEC 21)", async () => {
    const one = newIdentity()
    const two = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(one.ref("d"), one.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      yield* write(two.ref("d"), two.caller, [{ Op: "replace", Key: "key", Value: "value", SyncCount: 0 }])
      const first = yield* sync.listIdentityPoolUsage({ MaxResults: 1 }, developer)
      expect(first.Count).toBe(1)
      expect(first.MaxResults).toBe(1)
      expect(first.IdentityPoolUsages).toHaveLength(1)
      expect(first.NextToken).toEqual(expect.any(String))
      const second = yield* sync.listIdentityPoolUsage({ MaxResults: 1, NextToken: first.NextToken! }, developer)
      expect(second.Count).toBe(1)
      expect(second.MaxResults).toBe(1)
      expect(second.NextToken).toBeUndefined()
      const seen = [...first.IdentityPoolUsages, ...second.IdentityPoolUsages]
      expect(seen.map((usage) => usage.IdentityPoolId).sort()).toEqual([one.identityPoolId, two.identityPoolId].sort())
      for (const usage of seen) {
        expect(usage).toEqual((yield* poolUsage(usage.IdentityPoolId)).IdentityPoolUsage)
      }
      const all = yield* sync.listIdentityPoolUsage({}, developer)
      expect(all.Count).toBe(2)
      expect(all.IdentityPoolUsages).toEqual(seen)
      expect(all.MaxResults).toBeGreaterThanOrEqual(2)
      expect(all.NextToken).toBeUndefined()
    }))
  })

  it("lists pools in id order and answers an empty page when there are none", async () => {
    const suffix = randomUUID().slice(1)
    const ids = ["c", "a", "b"].map((first) => `us-east-1:${first}${suffix}`)
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      expect(yield* sync.listIdentityPoolUsage({}, developer)).toMatchObject({ IdentityPoolUsages: [], Count: 0 })
      for (const id of ids) yield* configurePush(id)
      const page = yield* sync.listIdentityPoolUsage({ MaxResults: 2 }, developer)
      expect(page.IdentityPoolUsages.map((usage) => usage.IdentityPoolId)).toEqual([ids[1], ids[2]])
      const rest = yield* sync.listIdentityPoolUsage({ MaxResults: 2, NextToken: page.NextToken! }, developer)
      expect(rest.IdentityPoolUsages.map((usage) => usage.IdentityPoolId)).toEqual([ids[0]])
      expect(rest.NextToken).toBeUndefined()
    }))
  })

  it("refuses a malformed NextToken and a MaxResults below 1", async () => {
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const token = yield* Effect.flip(sync.listIdentityPoolUsage({ NextToken: "garbage" }, developer))
      expect(token._tag).toBe("InvalidParameterException")
      const max = yield* Effect.flip(sync.listIdentityPoolUsage({ MaxResults: 0 }, developer))
      expect(max._tag).toBe("InvalidParameterException")
      expect(max.message).toMatch(/^1 validation error detected: Value '0' at 'maxResults'/)
    }))
  })

  it("works through the Promise facade", async () => {
    const me = newIdentity()
    const sync = createCognitoSync({ tokenSecret })
    try {
      await expect(sync.describeIdentityPoolUsage({ IdentityPoolId: me.identityPoolId })).rejects.toMatchObject({
        name: "ResourceNotFoundException"
      })
      const first = await sync.listRecords(me.ref("d"), me.caller)
      await sync.updateRecords({
        ...me.ref("d"),
        SyncSessionToken: first.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k1", Value: "héllo", SyncCount: 0 }]
      }, me.caller)
      expect((await sync.describeIdentityUsage(me.ids, me.caller)).IdentityUsage).toMatchObject({
        DatasetCount: 1,
        DataStorage: 8
      })
      const pool = await sync.describeIdentityPoolUsage({ IdentityPoolId: me.identityPoolId })
      expect(pool.IdentityPoolUsage).toMatchObject({ IdentityPoolId: me.identityPoolId, SyncSessionsCount: 1, DataStorage: 8 })
      const listed = await sync.listIdentityPoolUsage({})
      expect(listed.IdentityPoolUsages).toEqual([pool.IdentityPoolUsage])
      await expect(sync.describeIdentityPoolUsage({ IdentityPoolId: me.identityPoolId }, me.caller)).rejects.toMatchObject({
        name: "NotAuthorizedException"
      })
    } finally {
      await sync.close()
    }
  })
})
