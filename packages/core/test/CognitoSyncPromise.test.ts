import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Caller, CognitoSync, createCognitoSync, PushNotifier, SyncStore } from "@syncalite/core"

const secret = "a facade test secret"
const hex = () => Math.floor(Math.random() * 2 ** 32).toString(16)
const dataset = () => ({ IdentityPoolId: `us-east-1:${hex()}`, IdentityId: `us-east-1:${hex()}`, DatasetName: "settings" })

describe("createCognitoSync", () => {
  it("throws at creation without a token secret under NODE_ENV=production, not at the first call", () => {
    const before = process.env.NODE_ENV
    process.env.NODE_ENV = "production"
    try {
      expect(() => createCognitoSync()).toThrow(/NODE_ENV=production requires a token secret/)
      const sync = createCognitoSync({ tokenSecret: secret })
      return sync.close()
    } finally {
      if (before === undefined) delete process.env.NODE_ENV
      else process.env.NODE_ENV = before
    }
  })

  it("has one method per operation", () => {
    const sync = createCognitoSync({ tokenSecret: secret })
    for (const name of Object.values(CognitoSync.operationNames)) expect(typeof sync[name]).toBe("function")
    expect(Object.keys(CognitoSync.operationNames)).toHaveLength(17)
    return sync.close()
  })

  it("calls as the application by default: a developer caller named by accountId", async () => {
    const sync = createCognitoSync({ tokenSecret: secret, accountId: "123456789012" })
    const ref = dataset()
    const { SyncSessionToken } = await sync.listRecords(ref)
    const { Records } = await sync.updateRecords({
      ...ref,
      SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
    })
    expect(Records[0]!.LastModifiedBy).toBe("123456789012")
    expect(sync.defaultCaller).toEqual({ kind: "developer", accountId: "123456789012" })
    await sync.close()
  })

  it("rejects with Errors named like the AWS exceptions, carrying the HTTP status", async () => {
    const sync = createCognitoSync({ tokenSecret: secret })
    const ref = dataset()
    const error = await sync.describeDataset(ref).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: "ResourceNotFoundException", status: 404 })
    const refused = await sync.registerDevice({ ...ref, Platform: "GCM", Token: "t" }).catch((e: unknown) => e)
    expect(refused).toMatchObject({ name: "NotAuthorizedException", status: 403 })
    await sync.close()
  })

  it("turns a storage fault into InternalErrorException and writes nothing", async () => {
    const store = SyncStore.fromDriver(SyncStore.memoryDriver())
    const faulty: SyncStore.SyncStoreShape = {
      ...store,
      commit: () => Effect.fail(new SyncStore.StorageError({ message: "disk on fire" }))
    }
    const sync = createCognitoSync({ tokenSecret: secret, store: faulty })
    const ref = dataset()
    const { SyncSessionToken } = await sync.listRecords(ref)
    const error = await sync.updateRecords({
      ...ref,
      SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: "InternalErrorException", status: 500 })
    expect((await sync.listRecords(ref)).DatasetExists).toBe(false)
    await sync.close()
  })

  it("turns a defect in a port into InternalErrorException", async () => {
    const store = SyncStore.fromDriver(SyncStore.memoryDriver())
    const sync = createCognitoSync({ tokenSecret: secret, store: { ...store, readDataset: () => Effect.die(new TypeError("bug")) } })
    await expect(sync.describeDataset(dataset())).rejects.toMatchObject({ name: "InternalErrorException" })
    await sync.close()
  })

  it("lets two instances sharing a store and a secret serve one dataset", async () => {
    const store = SyncStore.fromDriver(SyncStore.memoryDriver())
    const a = createCognitoSync({ tokenSecret: secret, store })
    const b = createCognitoSync({ tokenSecret: secret, store })
    const ref = dataset()
    const { SyncSessionToken } = await a.listRecords(ref)
    await b.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }] })
    expect((await a.listRecords(ref)).Records.map((record) => record.Value)).toEqual(["v"])
    await expect(a.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [] })).rejects.toMatchObject({
      name: "InvalidParameterException",
      message: "SyncSessionToken not valid for these inputs"
    })
    await Promise.all([a.close(), b.close()])
  })

  it("refuses a token minted with another secret", async () => {
    const store = SyncStore.fromDriver(SyncStore.memoryDriver())
    const a = createCognitoSync({ tokenSecret: secret, store })
    const b = createCognitoSync({ tokenSecret: "another secret entirely", store })
    const ref = dataset()
    const { SyncSessionToken } = await a.listRecords(ref)
    await expect(b.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [] })).rejects.toMatchObject({
      name: "InvalidParameterException"
    })
    await Promise.all([a.close(), b.close()])
  })

  it("hands push notifications and stream records to the given functions", async () => {
    const pushed: Array<unknown> = []
    const streamed: Array<unknown> = []
    const sync = createCognitoSync({
      tokenSecret: secret,
      push: (delivery) => void pushed.push(delivery.message),
      stream: { publish: (streamName, record) => void streamed.push([streamName, record.syncCount]), offload: () => "unused" }
    })
    const ref = dataset()
    const device = Caller.identity(ref.IdentityPoolId, ref.IdentityId)
    await sync.setIdentityPoolConfiguration({
      IdentityPoolId: ref.IdentityPoolId,
      PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/App"] },
      CognitoStreams: { StreamName: "changes", StreamingStatus: "ENABLED" }
    })
    const first = await sync.listRecords(ref, device)
    await sync.updateRecords({ ...ref, SyncSessionToken: first.SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "1", SyncCount: 0 }] }, device)
    const { DeviceId } = await sync.registerDevice({ ...ref, Platform: "GCM", Token: "token-1" }, device)
    await sync.subscribeToDataset({ ...ref, DeviceId }, device)
    const second = await sync.listRecords(ref, device)
    await sync.updateRecords({ ...ref, SyncSessionToken: second.SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "2", SyncCount: 1 }] }, device)
    expect(pushed).toEqual([{ source: "cognito-sync", identityPoolId: ref.IdentityPoolId, identityId: ref.IdentityId, datasetName: "settings", syncCount: "2" }])
    expect(streamed).toEqual([["changes", 1], ["changes", 2]])
    await sync.close()
  })

  it("takes a notifier layer for push, as a store layer for state", async () => {
    const pushed: Array<unknown> = []
    const notifier = Layer.succeed(PushNotifier.PushNotifier, {
      notify: (deliveries) => Effect.sync(() => void pushed.push(...deliveries.map((delivery) => delivery.message.syncCount)))
    })
    const sync = createCognitoSync({ tokenSecret: secret, push: notifier })
    const ref = dataset()
    const device = Caller.identity(ref.IdentityPoolId, ref.IdentityId)
    await sync.setIdentityPoolConfiguration({
      IdentityPoolId: ref.IdentityPoolId,
      PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/App"] }
    })
    const first = await sync.listRecords(ref, device)
    await sync.updateRecords({ ...ref, SyncSessionToken: first.SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "1", SyncCount: 0 }] }, device)
    const { DeviceId } = await sync.registerDevice({ ...ref, Platform: "GCM", Token: "token-1" }, device)
    await sync.subscribeToDataset({ ...ref, DeviceId }, device)
    const second = await sync.listRecords(ref, device)
    await sync.updateRecords({ ...ref, SyncSessionToken: second.SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "2", SyncCount: 1 }] }, device)
    expect(pushed).toEqual(["2"])
    await sync.close()
  })

  it("fails every call with InternalErrorException when the store cannot be opened", async () => {
    const unreachable = Layer.fail(new SyncStore.StorageError({ message: "cannot open the database" }))
    const sync = createCognitoSync({ tokenSecret: secret, store: unreachable })
    const error = await sync.describeDataset(dataset()).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: "InternalErrorException", status: 500 })
    expect((error as { cause: unknown }).cause).toMatchObject({ _tag: "StorageError", message: "cannot open the database" })
    await sync.close()
  })

  it("stops answering once closed", async () => {
    const sync = createCognitoSync({ tokenSecret: secret })
    await sync.close()
    await expect(sync.listRecords(dataset())).rejects.toBeDefined()
  })
})
