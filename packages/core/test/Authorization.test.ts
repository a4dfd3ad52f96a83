import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Caller, CognitoSync, createCognitoSync } from "@syncalite/core"
import {
  configurePush,
  configureStreams,
  developer,
  gcmArn,
  newId,
  newIdentity,
  runTest,
  tokenSecret,
  triggerArn,
  write
} from "./poolHelpers.js"

const refusedMessage = "These credentials are not valid for accessing this resource"

/**
 * A pool with push sync and streams configured and one identity ("me") owning dataset "d"
 * (k = "v" at sync count 1) and a device subscribed to it.
 */
const world = () =>
  Effect.gen(function*() {
    const sync = yield* CognitoSync.CognitoSync
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    yield* configurePush(me.identityPoolId)
    yield* configureStreams(me.identityPoolId)
    yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
    const { DeviceId } = yield* sync.registerDevice({ ...me.ids, Platform: "GCM", Token: "token" }, me.caller)
    yield* sync.subscribeToDataset({ ...me.ref("d"), DeviceId }, me.caller)
    const { SyncSessionToken } = yield* sync.listRecords(me.ref("d"), developer)
    return { sync, me, other, DeviceId, SyncSessionToken }
  })

type World = Effect.Effect.Success<ReturnType<typeof world>>

type Access = "developer" | "identity" | "either"

/** Every operation with an input that succeeds for an allowed caller. */
const operations: ReadonlyArray<readonly [keyof CognitoSync.CognitoSyncShape, Access, (w: World) => unknown]> = [
  ["bulkPublish", "developer", (w) => ({ IdentityPoolId: w.me.identityPoolId })],
  ["getBulkPublishDetails", "developer", (w) => ({ IdentityPoolId: w.me.identityPoolId })],
  ["getCognitoEvents", "developer", (w) => ({ IdentityPoolId: w.me.identityPoolId })],
  ["setCognitoEvents", "developer", (w) => ({ IdentityPoolId: w.me.identityPoolId, Events: { SyncTrigger: triggerArn } })],
  ["getIdentityPoolConfiguration", "developer", (w) => ({ IdentityPoolId: w.me.identityPoolId })],
  ["setIdentityPoolConfiguration", "developer", (w) => ({ IdentityPoolId: w.me.identityPoolId, PushSync: {} })],
  ["describeIdentityPoolUsage", "developer", (w) => ({ IdentityPoolId: w.me.identityPoolId })],
  ["listIdentityPoolUsage", "developer", () => ({})],
  ["registerDevice", "identity", (w) => ({ ...w.me.ids, Platform: "GCM", Token: "another-token" })],
  ["subscribeToDataset", "identity", (w) => ({ ...w.me.ref("d"), DeviceId: w.DeviceId })],
  ["unsubscribeFromDataset", "identity", (w) => ({ ...w.me.ref("d"), DeviceId: w.DeviceId })],
  ["listDatasets", "either", (w) => w.me.ids],
  ["listRecords", "either", (w) => w.me.ref("d")],
  ["updateRecords", "either", (w) => ({
    ...w.me.ref("d"),
    SyncSessionToken: w.SyncSessionToken,
    RecordPatches: [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }]
  })],
  ["describeDataset", "either", (w) => w.me.ref("d")],
  ["deleteDataset", "either", (w) => w.me.ref("d")],
  ["describeIdentityUsage", "either", (w) => w.me.ids]
]

type CallerKind =
  | "developer"
  | "developer of this pool"
  | "developer of other pools"
  | "the identity"
  | "another identity of the pool"
  | "the same identity id in another pool"

const callers: ReadonlyArray<readonly [CallerKind, (w: World) => Caller.Caller]> = [
  ["developer", () => developer],
  ["developer of this pool", (w) => Caller.developer("123456789012", [w.me.identityPoolId])],
  ["developer of other pools", () => Caller.developer("123456789012", [newId(), newId()])],
  ["the identity", (w) => w.me.caller],
  ["another identity of the pool", (w) => w.other.caller],
  ["the same identity id in another pool", (w) => Caller.identity(newId(), w.me.identityId)]
]

const allowed = (access: Access, caller: CallerKind, operation: string): boolean => {
  switch (caller) {
    case "developer":
    case "developer of this pool":
      return access !== "identity"
    case "developer of other pools":
      // a pool listing is not refused, it is narrowed to the caller's pools
      return operation === "listIdentityPoolUsage"
    case "the identity":
      return access !== "developer"
    default:
      return false
  }
}

/** What a refused call must not have changed. */
const snapshot = (w: World) =>
  Effect.gen(function*() {
    const listed = yield* w.sync.listRecords(w.me.ref("d"), developer)
    return {
      records: listed.Records,
      syncCount: listed.DatasetSyncCount,
      datasets: (yield* w.sync.listDatasets(w.me.ids, developer)).Datasets,
      events: yield* w.sync.getCognitoEvents({ IdentityPoolId: w.me.identityPoolId }, developer),
      configuration: yield* w.sync.getIdentityPoolConfiguration({ IdentityPoolId: w.me.identityPoolId }, developer),
      bulkPublish: (yield* w.sync.getBulkPublishDetails({ IdentityPoolId: w.me.identityPoolId }, developer)).BulkPublishStatus
    }
  })

const table = operations.flatMap(([operation, access, input]) =>
  callers.map(([caller, make]) => [operation, caller, allowed(access, caller, operation), access, input, make] as const)
)

describe("authorization (SPEC B §11, items 26 and 27)", () => {
  it("covers all 17 operations", () => {
    expect(operations.map(([operation]) => operation).sort()).toEqual(Object.keys(CognitoSync.operations).sort())
  })

  it.each(table)("%s by %s: allowed %s", async (operation, _, isAllowed, __, input, make) => {
    await runTest(Effect.gen(function*() {
      const w = yield* world()
      const caller = make(w)
      const before = yield* snapshot(w)
      const method = w.sync[operation] as (input: unknown, caller: Caller.Caller) => Effect.Effect<unknown, { _tag: string; message: string }>
      const result = yield* Effect.either(method(input(w), caller))
      if (isAllowed) {
        expect(result._tag).toBe("Right")
      } else {
        expect(result._tag).toBe("Left")
        if (result._tag === "Left") {
          expect(result.left._tag).toBe("NotAuthorizedException")
          expect(result.left.message).toBe(refusedMessage)
          expect((result.left as { status?: number }).status).toBe(403)
        }
        expect(yield* snapshot(w)).toEqual(before)
      }
    }))
  })

  it("lists only its own pools to a developer restricted to some pools, a full page at a time", async () => {
    const suffix = randomUUID().slice(1)
    const [p1, p2, p3] = ["1", "2", "3"].map((first) => `us-east-1:${first}${suffix}`)
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      for (const pool of [p1!, p2!, p3!]) {
        const someone = newIdentity(pool)
        yield* write(someone.ref("d"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      }
      const restricted = Caller.developer("123456789012", [p3!, p1!, newId()])
      const all = yield* sync.listIdentityPoolUsage({}, restricted)
      expect(all.IdentityPoolUsages.map((usage) => usage.IdentityPoolId)).toEqual([p1, p3])
      expect(all.Count).toBe(2)
      expect(all.NextToken).toBeUndefined()

      const first = yield* sync.listIdentityPoolUsage({ MaxResults: 1 }, restricted)
      expect(first.IdentityPoolUsages.map((usage) => usage.IdentityPoolId)).toEqual([p1])
      expect(first.Count).toBe(1)
      expect(first.NextToken).toEqual(expect.any(String))
      const second = yield* sync.listIdentityPoolUsage({ MaxResults: 1, NextToken: first.NextToken! }, restricted)
      expect(second.IdentityPoolUsages.map((usage) => usage.IdentityPoolId)).toEqual([p3])
      expect(second.Count).toBe(1)
      expect(second.NextToken).toBeUndefined()

      // the pools it may not see are not described to it either
      const refused = yield* Effect.flip(sync.describeIdentityPoolUsage({ IdentityPoolId: p2! }, restricted))
      expect(refused._tag).toBe("NotAuthorizedException")
      // an unrestricted developer sees all three
      const everything = yield* sync.listIdentityPoolUsage({}, developer)
      expect(everything.IdentityPoolUsages.map((usage) => usage.IdentityPoolId)).toEqual([p1, p2, p3])
    }))
  })

  it("refuses before validating, so that a refusal reveals nothing (SPEC A 10)", async () => {
    await runTest(Effect.gen(function*() {
      const w = yield* world()
      const sync = w.sync
      const otherIds = w.other.ids
      const notAuthorized = { _tag: "NotAuthorizedException", message: refusedMessage }
      const check = (effect: Effect.Effect<unknown, { _tag: string; message: string }>) =>
        Effect.map(Effect.flip(effect), (error) => ({ _tag: error._tag, message: error.message }))

      // an identity asking about another identity with an invalid dataset name
      expect(yield* check(sync.describeDataset({ ...otherIds, DatasetName: "no/slashes" }, w.me.caller))).toEqual(notAuthorized)
      expect(yield* check(sync.listRecords({ ...otherIds, DatasetName: "x".repeat(129) }, w.me.caller))).toEqual(notAuthorized)
      expect(yield* check(sync.updateRecords({ ...otherIds, DatasetName: "d" } as never, w.me.caller))).toEqual(notAuthorized)
      // ... or with a malformed identity id
      expect(yield* check(sync.listDatasets({ IdentityPoolId: w.me.identityPoolId, IdentityId: "not an id" }, w.me.caller)))
        .toEqual(notAuthorized)
      // the same mistakes on its own data are validation errors
      const own = yield* Effect.flip(sync.describeDataset({ ...w.me.ids, DatasetName: "no/slashes" }, w.me.caller))
      expect(own._tag).toBe("InvalidParameterException")
      expect(own.message).toMatch(/^1 validation error detected: Value 'no\/slashes' at 'datasetName'/)

      // an identity calling a developer operation with a malformed pool id
      expect(yield* check(sync.getCognitoEvents({ IdentityPoolId: "bad" }, w.me.caller))).toEqual(notAuthorized)
      expect(yield* check(sync.listIdentityPoolUsage({ MaxResults: -1 }, w.me.caller))).toEqual(notAuthorized)
      // a developer calling an identity operation with an invalid platform
      expect(yield* check(sync.registerDevice({ ...w.me.ids, Platform: "FOO", Token: "t" } as never, developer)))
        .toEqual(notAuthorized)
      // a restricted developer on another pool with an invalid dataset name
      const restricted = Caller.developer("123456789012", [newId()])
      expect(yield* check(sync.describeDataset({ ...w.me.ids, DatasetName: "no/slashes" }, restricted))).toEqual(notAuthorized)

      // existing and missing resources of others are refused alike
      yield* write(w.other.ref("exists"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const existing = yield* check(sync.describeDataset(w.other.ref("exists"), w.me.caller))
      const missing = yield* check(sync.describeDataset(w.other.ref("missing"), w.me.caller))
      expect(existing).toEqual(notAuthorized)
      expect(missing).toEqual(existing)
      const knownPool = yield* check(sync.describeIdentityPoolUsage({ IdentityPoolId: w.me.identityPoolId }, w.me.caller))
      const unknownPool = yield* check(sync.describeIdentityPoolUsage({ IdentityPoolId: newId() }, w.me.caller))
      expect(knownPool).toEqual(notAuthorized)
      expect(unknownPool).toEqual(knownPool)
    }))
  })

  it("lets developers read and write any identity's data, but never register devices (SPEC 26)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const out = yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      expect(out.Records[0]!.LastModifiedBy).toBe("123456789012")
      expect((yield* sync.listRecords(me.ref("d"), developer)).Records).toHaveLength(1)
      expect((yield* sync.describeIdentityUsage(me.ids, developer)).IdentityUsage.DatasetCount).toBe(1)
      yield* configurePush(me.identityPoolId)
      const refused = yield* Effect.flip(sync.registerDevice({ ...me.ids, Platform: "GCM", Token: "t" }, developer))
      expect(refused._tag).toBe("NotAuthorizedException")
    }))
  })

  it("is enforced through the Promise facade, whose default caller is a developer", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    const sync = createCognitoSync({ tokenSecret })
    try {
      await sync.setIdentityPoolConfiguration({ IdentityPoolId: me.identityPoolId, PushSync: { ApplicationArns: [gcmArn] } })
      const refused = sync.registerDevice({ ...me.ids, Platform: "GCM", Token: "t" })
      await expect(refused).rejects.toBeInstanceOf(Error)
      await expect(refused).rejects.toMatchObject({ name: "NotAuthorizedException", message: refusedMessage })
      await expect(sync.registerDevice({ ...me.ids, Platform: "GCM", Token: "t" }, me.caller)).resolves.toEqual({
        DeviceId: expect.any(String)
      })
      await expect(sync.getCognitoEvents({ IdentityPoolId: me.identityPoolId }, me.caller)).rejects.toMatchObject({
        name: "NotAuthorizedException"
      })
      await expect(sync.listIdentityPoolUsage({}, me.caller)).rejects.toMatchObject({ name: "NotAuthorizedException" })
      await expect(sync.listRecords(me.ref("d"), other.caller)).rejects.toMatchObject({ name: "NotAuthorizedException" })
      await expect(sync.listRecords(me.ref("d"), me.caller)).resolves.toMatchObject({ DatasetExists: false })
    } finally {
      await sync.close()
    }
  })
})
