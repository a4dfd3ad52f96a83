import { afterEach, describe, expect, it, vi } from "vitest"
import { Caller, createCognitoSync, type ServiceLog } from "@syncalite/core"

const secret = "a service log test secret"
const hex = () => Math.random().toString(16).slice(2, 10).padStart(8, "0")
const gcm = "arn:aws:sns:us-east-1:123456789012:app/GCM/App"

/** A pool streaming to "changes" and telling its devices: a dataset written, a device subscribed to it, the dataset written again. */
const writeTwice = async (sync: ReturnType<typeof createCognitoSync>) => {
  const ref = { IdentityPoolId: `us-east-1:${hex()}`, IdentityId: `us-east-1:${hex()}`, DatasetName: "settings" }
  const device = Caller.identity(ref.IdentityPoolId, ref.IdentityId)
  await sync.setIdentityPoolConfiguration({
    IdentityPoolId: ref.IdentityPoolId,
    PushSync: { ApplicationArns: [gcm] },
    CognitoStreams: { StreamName: "changes", StreamingStatus: "ENABLED" }
  })
  const write = async (value: string, syncCount: number) => {
    const { SyncSessionToken } = await sync.listRecords(ref, device)
    await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: value, SyncCount: syncCount }] }, device)
  }
  await write("1", 0)
  const { DeviceId } = await sync.registerDevice({ ...ref, Platform: "GCM", Token: "token-1" }, device)
  await sync.subscribeToDataset({ ...ref, DeviceId }, device)
  await write("2", 1)
  return ref
}

const bulkPublished = async (sync: ReturnType<typeof createCognitoSync>, pool: string) => {
  await sync.bulkPublish({ IdentityPoolId: pool })
  for (let i = 0; i < 200; i++) {
    const { BulkPublishStatus } = await sync.getBulkPublishDetails({ IdentityPoolId: pool })
    if (BulkPublishStatus !== "IN_PROGRESS") return BulkPublishStatus
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error("bulk publish did not end")
}

const failingPush = () => {
  throw new Error("the push service is down")
}

afterEach(() => vi.restoreAllMocks())

describe("the service's log lines", () => {
  it("go to the application's function, with their level, text and error", async () => {
    const lines: Array<ServiceLog.LogEntry> = []
    const sync = createCognitoSync({
      tokenSecret: secret,
      push: failingPush,
      stream: { publish: () => undefined, offload: () => "https://unused.example" },
      log: (entry) => void lines.push(entry)
    })
    const ref = await writeTwice(sync)
    expect(await bulkPublished(sync, ref.IdentityPoolId)).toBe("SUCCEEDED")
    await sync.close()
    const failed = lines.filter((line) => line.message === "syncalite: push sync delivery failed")
    expect(failed.length).toBeGreaterThan(0)
    for (const line of failed) {
      expect(line.level).toBe("warn")
      expect(line.error).toBeInstanceOf(Error)
      expect((line.error as Error).message).toBe("the push service is down")
    }
    expect(lines).toContainEqual({ level: "info", message: `bulk publish ${ref.IdentityPoolId}: 1 of 1 datasets` })
  })

  it("are dropped with log: false, and printed by Effect's logger without a log option", async () => {
    const printed: Array<string> = []
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation((...parts: Array<unknown>) => void printed.push(parts.map(String).join(" ")))
    }
    const quiet = createCognitoSync({ tokenSecret: secret, push: failingPush, log: false })
    await writeTwice(quiet)
    await quiet.close()
    expect(printed.filter((line) => line.includes("push sync delivery failed"))).toEqual([])

    const plain = createCognitoSync({ tokenSecret: secret, push: failingPush })
    await writeTwice(plain)
    await plain.close()
    expect(printed.filter((line) => line.includes("push sync delivery failed")).length).toBeGreaterThan(0)
  })

  it("refuse at creation a log option that is neither a function nor false", () => {
    for (const log of [true, "info", { info: () => undefined }]) {
      expect(() => createCognitoSync({ tokenSecret: secret, log: log as unknown as false })).toThrow(
        /log must be a function of a log line, or false/
      )
    }
  })

  it("never fail what logged when the function throws", async () => {
    const sync = createCognitoSync({
      tokenSecret: secret,
      push: failingPush,
      log: () => {
        throw new Error("the log is full")
      }
    })
    const ref = await writeTwice(sync)
    const { Records } = await sync.listRecords(ref)
    expect(Records?.map((record) => record.Value)).toEqual(["2"])
    await sync.close()
  })
})
