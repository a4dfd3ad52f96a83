import { describe, expect, it } from "vitest"
import { CognitoSync, SyncSessionToken } from "@syncalite/core"
import { Effect, TestClock } from "effect"
import {
  developer,
  facade,
  newIdentity,
  rejectionOf,
  replace,
  respellings,
  run,
  tokenSecret,
  triples,
  write
} from "./helpers.js"

const invalidToken = "SyncSessionToken not valid for these inputs"

describe("SyncSessionToken", () => {
  describe("mint and verify", () => {
    const ref = { identityPoolId: "us-east-1:aa", identityId: "us-east-1:01", datasetName: "d" }
    const session = { id: "s1", expiresAt: 1_000 }
    const token = SyncSessionToken.mint(tokenSecret, ref, session)

    it("verifies a token for the dataset it was minted for, until it expires", () => {
      expect(SyncSessionToken.verify(tokenSecret, token, ref, 999)).toEqual(session)
      expect(SyncSessionToken.verify(tokenSecret, token, ref, 1_000)).toBeUndefined()
    })

    it("refuses another dataset, identity or pool", () => {
      expect(SyncSessionToken.verify(tokenSecret, token, { ...ref, datasetName: "e" }, 0)).toBeUndefined()
      expect(SyncSessionToken.verify(tokenSecret, token, { ...ref, identityId: "us-east-1:02" }, 0)).toBeUndefined()
      expect(SyncSessionToken.verify(tokenSecret, token, { ...ref, identityPoolId: "us-east-1:bb" }, 0)).toBeUndefined()
    })

    it("refuses another secret, an altered token and garbage", () => {
      expect(SyncSessionToken.verify("another-secret-0123456789", token, ref, 0)).toBeUndefined()
      const [body, mac] = token.split(".") as [string, string]
      const forged = Buffer.from(
        JSON.stringify(JSON.parse(Buffer.from(body, "base64url").toString()).map((x: unknown) => x === 1_000 ? 9_999_999 : x))
      ).toString("base64url")
      expect(SyncSessionToken.verify(tokenSecret, `${forged}.${mac}`, ref, 0)).toBeUndefined()
      expect(SyncSessionToken.verify(tokenSecret, "garbage", ref, 0)).toBeUndefined()
      expect(SyncSessionToken.verify(tokenSecret, "", ref, 0)).toBeUndefined()
    })

    it("accepts one spelling of a token only, not another one of the same bytes", () => {
      for (const respelled of respellings(token)) {
        expect(respelled).not.toBe(token)
        expect(SyncSessionToken.verify(tokenSecret, respelled, ref, 0)).toBeUndefined()
      }
    })
  })

  it("refuses a respelled token on UpdateRecords, and the token as minted still works", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const { SyncSessionToken } = yield* sync.listRecords(ref, me.caller)
      const refused = yield* Effect.forEach(respellings(SyncSessionToken), (respelled) =>
        Effect.flip(sync.updateRecords({ ...ref, SyncSessionToken: respelled, RecordPatches: [replace("k", "v", 0)] }, me.caller)))
      const written = yield* sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "w", 0)] }, me.caller)
      return { refused, written }
    }))
    expect(out.refused.map((error) => [error._tag, error.message])).toEqual(
      Array(4).fill(["InvalidParameterException", invalidToken])
    )
    expect(triples(out.written.Records)).toEqual([["k", "w", 1]])
  })

  it("refuses a respelled NextToken, and the NextToken as given still pages", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("a", "1", 0), replace("b", "1", 0)])
      const first = yield* sync.listRecords({ ...ref, MaxResults: 1 }, me.caller)
      const refused = yield* Effect.forEach(respellings(first.NextToken!), (respelled) =>
        Effect.flip(sync.listRecords({ ...ref, MaxResults: 1, NextToken: respelled }, me.caller)))
      const second = yield* sync.listRecords({ ...ref, MaxResults: 1, NextToken: first.NextToken! }, me.caller)
      return { refused, keys: [...first.Records, ...second.Records].map((record) => record.Key) }
    }))
    expect(out.refused.map((error) => [error._tag, error.message])).toEqual(
      Array(4).fill(["InvalidParameterException", "The NextToken is not valid for this request"])
    )
    expect(out.keys.sort()).toEqual(["a", "b"])
  })

  it("refuses a made-up token on UpdateRecords (B 12)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const error = yield* Effect.flip(
        sync.updateRecords({ ...ref, SyncSessionToken: "made-up", RecordPatches: [replace("k", "v", 0)] }, me.caller)
      )
      return { error, after: yield* sync.listRecords(ref, me.caller) }
    }))
    expect(out.error._tag).toBe("InvalidParameterException")
    expect(out.error.message).toBe(invalidToken)
    expect(out.after.DatasetExists).toBe(false)
  })

  it("refuses a made-up token through the facade with status 400", async () => {
    const sync = facade()
    const me = newIdentity()
    const ref = me.ref()
    for (const call of [
      sync.updateRecords({ ...ref, SyncSessionToken: "made-up", RecordPatches: [replace("k", "v", 0)] }),
      sync.listRecords({ ...ref, SyncSessionToken: "made-up" })
    ]) {
      const error = await rejectionOf(call)
      expect(error.name).toBe("InvalidParameterException")
      expect(error.status).toBe(400)
      expect(error.message).toBe(invalidToken)
    }
    await sync.close()
  })

  it("may be passed back to ListRecords before use, and is consumed by a successful write (B 13)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const first = yield* sync.listRecords(ref, me.caller)
      const token = first.SyncSessionToken
      const again = yield* sync.listRecords({ ...ref, SyncSessionToken: token }, me.caller)
      const written = yield* sync.updateRecords({ ...ref, SyncSessionToken: token, RecordPatches: [replace("k", "v", 0)] }, me.caller)
      const listAfter = yield* Effect.flip(sync.listRecords({ ...ref, SyncSessionToken: token }, me.caller))
      const writeAfter = yield* Effect.flip(
        sync.updateRecords({ ...ref, SyncSessionToken: token, RecordPatches: [replace("k", "w", 1)] }, me.caller)
      )
      const emptyWriteAfter = yield* Effect.flip(sync.updateRecords({ ...ref, SyncSessionToken: token }, me.caller))
      return { token, again, written, listAfter, writeAfter, emptyWriteAfter, final: yield* sync.listRecords(ref, me.caller) }
    }))
    expect(out.again.SyncSessionToken).toBe(out.token)
    expect(triples(out.written.Records)).toEqual([["k", "v", 1]])
    for (const error of [out.listAfter, out.writeAfter, out.emptyWriteAfter]) {
      expect(error._tag).toBe("InvalidParameterException")
      expect(error.message).toBe(invalidToken)
    }
    expect(out.final.DatasetSyncCount).toBe(1)
    expect(triples(out.final.Records)).toEqual([["k", "v", 1]])
  })

  it("is not consumed by a write refused with a conflict or a limit (B 13)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("k", "v", 0)], me.caller)
      const { SyncSessionToken } = yield* sync.listRecords(ref, me.caller)
      const conflict = yield* Effect.flip(
        sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "w", 0)] }, me.caller)
      )
      const limit = yield* Effect.flip(
        sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("big", "x".repeat(100), 0)] }, me.caller)
      )
      const listed = yield* sync.listRecords({ ...ref, SyncSessionToken, LastSyncCount: 1 }, me.caller)
      const written = yield* sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "w", 1)] }, me.caller)
      return { conflict, limit, listed, written }
    }), { limits: { bytesPerDataset: 50 } })
    expect(out.conflict._tag).toBe("ResourceConflictException")
    expect(out.limit._tag).toBe("LimitExceededException")
    expect(out.listed.Records).toEqual([])
    expect(triples(out.written.Records)).toEqual([["k", "w", 2]])
  })

  it("is not consumed by another token's write: each ListRecords opens its own session", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const one = yield* sync.listRecords(ref, me.caller)
      const two = yield* sync.listRecords(ref, me.caller)
      yield* sync.updateRecords({ ...ref, SyncSessionToken: one.SyncSessionToken, RecordPatches: [replace("a", "1", 0)] }, me.caller)
      const written = yield* sync.updateRecords(
        { ...ref, SyncSessionToken: two.SyncSessionToken, RecordPatches: [replace("b", "1", 0)] },
        me.caller
      )
      return { one, two, written }
    }))
    expect(out.one.SyncSessionToken).not.toBe(out.two.SyncSessionToken)
    expect(triples(out.written.Records)).toEqual([["b", "1", 2]])
  })

  it("stays consumed after the dataset is deleted and recreated", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const { SyncSessionToken } = yield* sync.listRecords(ref, me.caller)
      yield* sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("a", "1", 0)] }, me.caller)
      yield* sync.deleteDataset(ref, me.caller)
      const whileDeleted = yield* Effect.flip(sync.listRecords({ ...ref, SyncSessionToken }, me.caller))
      yield* write(ref, [replace("b", "1", 0)], me.caller)
      const afterRecreation = yield* Effect.flip(
        sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("c", "1", 0)] }, me.caller)
      )
      return { whileDeleted, afterRecreation }
    }))
    expect(out.whileDeleted.message).toBe(invalidToken)
    expect(out.afterRecreation.message).toBe(invalidToken)
  })

  it("is bound to its dataset, identity and pool (B 14)", async () => {
    const me = newIdentity()
    const sibling = newIdentity(me.pool)
    const elsewhere = newIdentity()
    const errors = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const { SyncSessionToken } = yield* sync.listRecords(me.ref("a"), me.caller)
      const patches = [replace("k", "v", 0)]
      const targets = [
        me.ref("b"),
        { ...sibling.ids, DatasetName: "a" },
        { ...elsewhere.ids, DatasetName: "a" },
        { IdentityPoolId: elsewhere.pool, IdentityId: me.identityId, DatasetName: "a" }
      ]
      const writes = yield* Effect.forEach(targets, (target) =>
        Effect.flip(sync.updateRecords({ ...target, SyncSessionToken, RecordPatches: patches }, developer)))
      const lists = yield* Effect.forEach(targets, (target) =>
        Effect.flip(sync.listRecords({ ...target, SyncSessionToken }, developer)))
      // still good where it belongs
      yield* sync.updateRecords({ ...me.ref("a"), SyncSessionToken, RecordPatches: patches }, me.caller)
      return [...writes, ...lists]
    }))
    expect(errors).toHaveLength(8)
    for (const error of errors) {
      expect(error._tag).toBe("InvalidParameterException")
      expect(error.message).toBe(invalidToken)
    }
  })

  it("expires after the default 30 minutes (B 15)", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const early = yield* sync.listRecords(ref, me.caller)
      const late = yield* sync.listRecords(ref, me.caller)
      yield* TestClock.adjust("29 minutes")
      const stillValid = yield* sync.listRecords({ ...ref, SyncSessionToken: early.SyncSessionToken }, me.caller)
      yield* sync.updateRecords({ ...ref, SyncSessionToken: early.SyncSessionToken, RecordPatches: [replace("k", "v", 0)] }, me.caller)
      yield* TestClock.adjust("2 minutes")
      const onWrite = yield* Effect.flip(
        sync.updateRecords({ ...ref, SyncSessionToken: late.SyncSessionToken, RecordPatches: [replace("k", "w", 1)] }, me.caller)
      )
      const onList = yield* Effect.flip(sync.listRecords({ ...ref, SyncSessionToken: late.SyncSessionToken }, me.caller))
      const fresh = yield* sync.listRecords(ref, me.caller)
      const written = yield* sync.updateRecords(
        { ...ref, SyncSessionToken: fresh.SyncSessionToken, RecordPatches: [replace("k", "w", 1)] },
        me.caller
      )
      return { stillValid, onWrite, onList, written }
    }))
    expect(out.stillValid.DatasetExists).toBe(false)
    expect(out.onWrite._tag).toBe("InvalidParameterException")
    expect(out.onWrite.message).toBe(invalidToken)
    expect(out.onList._tag).toBe("InvalidParameterException")
    expect(out.onList.message).toBe(invalidToken)
    expect(triples(out.written.Records)).toEqual([["k", "w", 2]])
  })

  it("expires after a configured lifetime", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const { SyncSessionToken } = yield* sync.listRecords(ref, me.caller)
      yield* TestClock.adjust("4 minutes")
      const before = yield* sync.listRecords({ ...ref, SyncSessionToken }, me.caller)
      yield* TestClock.adjust("1 minute")
      const after = yield* Effect.flip(
        sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "v", 0)] }, me.caller)
      )
      return { before, after }
    }), { tokenLifetime: "5 minutes" })
    expect(out.before.SyncSessionToken).toEqual(expect.any(String))
    expect(out.after.message).toBe(invalidToken)
  })

  it("expires on the pages of a listing too", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("a", "1", 0), replace("b", "1", 0)])
      const first = yield* sync.listRecords({ ...ref, MaxResults: 1 }, me.caller)
      yield* TestClock.adjust("31 minutes")
      const second = yield* sync.listRecords({ ...ref, MaxResults: 1, NextToken: first.NextToken! }, me.caller)
      const written = yield* Effect.flip(sync.updateRecords({
        ...ref,
        SyncSessionToken: second.SyncSessionToken,
        RecordPatches: [replace("a", "2", 1)]
      }, me.caller))
      return { first, second, written }
    }))
    expect(out.second.SyncSessionToken).toBe(out.first.SyncSessionToken)
    expect(out.written.message).toBe(invalidToken)
  })

  it("verifies in another instance sharing the secret, and not in one with another secret", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const minting = facade()
    const sharing = facade()
    const foreign = facade({ tokenSecret: "a-different-secret-0123456789" })
    const { SyncSessionToken } = await minting.listRecords(ref, me.caller)
    const out = await sharing.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "v", 0)] }, me.caller)
    expect(triples(out.Records)).toEqual([["k", "v", 1]])
    const error = await rejectionOf(foreign.listRecords({ ...ref, SyncSessionToken }, me.caller))
    expect(error.name).toBe("InvalidParameterException")
    expect(error.message).toBe(invalidToken)
    await Promise.all([minting.close(), sharing.close(), foreign.close()])
  })

  it("counts minted tokens as the pool's SyncSessionsCount, not tokens passed back or pages", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const usage = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(ref, [replace("a", "1", 0), replace("b", "1", 0), replace("c", "1", 0)])
      const first = yield* sync.listRecords({ ...ref, MaxResults: 1 }, developer)
      const second = yield* sync.listRecords({ ...ref, MaxResults: 1, NextToken: first.NextToken! }, developer)
      yield* sync.listRecords({ ...ref, SyncSessionToken: second.SyncSessionToken }, developer)
      yield* sync.listRecords(me.ref("other"), developer)
      return yield* sync.describeIdentityPoolUsage({ IdentityPoolId: me.pool }, developer)
    }))
    // one session for the write, one for the paged listing, one for the other dataset
    expect(usage.IdentityPoolUsage.SyncSessionsCount).toBe(3)
  })
})
