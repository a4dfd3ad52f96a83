import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { CognitoSync } from "@syncalite/core"
import { developer, newIdentity, replace, run, write } from "./helpers.js"

const gcm = "arn:aws:sns:us-east-1:123456789012:app/GCM/App"

// dataset names, record keys and device ids that are also names of Object.prototype members
const names = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]

describe("names that are also JavaScript object members", () => {
  it.each(names)("a dataset named %s is a dataset like any other", (name) =>
    run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const identity = newIdentity()
      yield* write(identity.ref("other"), [replace("k", "v", 0)])
      const missing = yield* Effect.flip(sync.describeDataset(identity.ref(name), developer))
      expect(missing._tag).toBe("ResourceNotFoundException")
      const listed = yield* sync.listRecords(identity.ref(name), developer)
      expect(listed.DatasetExists).toBe(false)
      yield* write(identity.ref(name), [replace(name, "value", 0)])
      const { Dataset } = yield* sync.describeDataset(identity.ref(name), developer)
      expect(Dataset).toMatchObject({ DatasetName: name, NumRecords: 1 })
      const { Datasets } = yield* sync.listDatasets(identity.ids, developer)
      expect(Datasets.map((dataset) => dataset.DatasetName).sort()).toEqual([name, "other"].sort())
      const records = yield* sync.listRecords(identity.ref(name), developer)
      expect(records.Records.map((record) => [record.Key, record.Value])).toEqual([[name, "value"]])
    })))

  it.each(names)("a device id %s that was never registered is not found", (name) =>
    run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const identity = newIdentity()
      yield* sync.setIdentityPoolConfiguration({ IdentityPoolId: identity.pool, PushSync: { ApplicationArns: [gcm] } }, developer)
      yield* write(identity.ref("settings"), [replace("k", "v", 0)])
      yield* sync.registerDevice({ ...identity.ids, Platform: "GCM", Token: "t" }, identity.caller)
      const subscribe = yield* Effect.flip(sync.subscribeToDataset({ ...identity.ref("settings"), DeviceId: name }, identity.caller))
      expect(subscribe._tag).toBe("ResourceNotFoundException")
      const unsubscribe = yield* Effect.flip(sync.unsubscribeFromDataset({ ...identity.ref("settings"), DeviceId: name }, identity.caller))
      expect(unsubscribe._tag).toBe("ResourceNotFoundException")
    })))
})

describe("a pool that has only started sync sessions", () => {
  it("is described and listed with its session count", () =>
    run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const identity = newIdentity()
      yield* sync.listRecords(identity.ref("settings"), identity.caller)
      const { IdentityPoolUsage } = yield* sync.describeIdentityPoolUsage({ IdentityPoolId: identity.pool }, developer)
      expect(IdentityPoolUsage).toMatchObject({ IdentityPoolId: identity.pool, SyncSessionsCount: 1, DataStorage: 0 })
      const listed = yield* sync.listIdentityPoolUsage({}, developer)
      expect(listed.IdentityPoolUsages.map((usage) => usage.IdentityPoolId)).toContain(identity.pool)
    })))
})
