import { describe, expect, it } from "vitest"
import { Caller, createCognitoSync } from "@syncalite/core"

describe("smoke", () => {
  it("writes and reads a record", async () => {
    const sync = createCognitoSync({ tokenSecret: "0123456789abcdef0123" })
    const ref = { IdentityPoolId: "us-east-1:aa", IdentityId: "us-east-1:01", DatasetName: "settings" }
    const device = Caller.identity("us-east-1:aa", "us-east-1:01")
    const first = await sync.listRecords(ref, device)
    await sync.updateRecords({ ...ref, SyncSessionToken: first.SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }] }, device)
    const second = await sync.listRecords(ref, device)
    expect(second.Records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([["k", "v", 1]])
    await sync.close()
  })
})
