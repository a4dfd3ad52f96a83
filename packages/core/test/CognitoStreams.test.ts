import { Effect, TestClock } from "effect"
import { describe, expect, it } from "vitest"
import { CognitoSync, createCognitoSync, StreamPublisher } from "@syncalite/core"
import {
  configureStreams,
  developer,
  newIdentity,
  runTest,
  setTrigger,
  tokenSecret,
  triggerArn,
  write
} from "./poolHelpers.js"

const published = Effect.flatMap(StreamPublisher.StreamPublisherMemory, (memory) => memory.published)
const offloaded = (url: string) => Effect.flatMap(StreamPublisher.StreamPublisherMemory, (memory) => memory.offloaded(url))

const MiB = 1024 * 1024

describe("Cognito Streams", () => {
  it("emit one record per successful UpdateRecords, dates in epoch milliseconds (SPEC 37)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configureStreams(me.identityPoolId, "my-stream")
      yield* TestClock.setTime(1424801824343)
      const device = new Date(1424801800123)
      const out = yield* write(me.ref("d"), me.caller, [
        { Op: "replace", Key: "k1", Value: "v1", SyncCount: 0, DeviceLastModifiedDate: device },
        { Op: "replace", Key: "k2", Value: "v2", SyncCount: 0 }
      ])
      expect(out.Records[0]!.LastModifiedDate.getTime()).toBe(1424801824343)
      expect(yield* published).toEqual([{
        streamName: "my-stream",
        record: {
          identityPoolId: me.identityPoolId,
          identityId: me.identityId,
          datasetName: "d",
          operation: "replace",
          kinesisSyncRecords: [
            {
              key: "k1",
              value: "v1",
              syncCount: 1,
              lastModifiedDate: 1424801824343,
              deviceLastModifiedDate: 1424801800123,
              op: "replace"
            },
            {
              key: "k2",
              value: "v2",
              syncCount: 1,
              lastModifiedDate: 1424801824343,
              deviceLastModifiedDate: null,
              op: "replace"
            }
          ],
          kinesisSyncRecordsURL: null,
          lastModifiedDate: 1424801824343,
          payloadType: "Inline",
          syncCount: 1
        }
      }])

      yield* TestClock.adjust(1500)
      yield* write(me.ref("d"), me.caller, [{ Op: "remove", Key: "k1", SyncCount: 1 }])
      const second = (yield* published)[1]!.record
      expect(second.syncCount).toBe(2)
      expect(second.lastModifiedDate).toBe(1424801825843)
      expect(Number.isInteger(second.lastModifiedDate)).toBe(true)
      expect(second.kinesisSyncRecords).toEqual([{
        key: "k1",
        value: null,
        syncCount: 2,
        lastModifiedDate: 1424801825843,
        deviceLastModifiedDate: null,
        op: "remove"
      }])
      expect(yield* published).toHaveLength(2)
    }))
  })

  it("carry the records as the sync trigger left them", async () => {
    const me = newIdentity()
    await runTest(
      Effect.gen(function*() {
        yield* configureStreams(me.identityPoolId)
        yield* setTrigger(me.identityPoolId)
        yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
        const [{ record }] = yield* published
        expect(record!.kinesisSyncRecords!.map((entry) => [entry.key, entry.value, entry.syncCount, entry.op]).sort()).toEqual([
          ["added", "by trigger", 1, "replace"],
          ["k", "V", 1, "replace"]
        ])
      }),
      {
        triggers: {
          [triggerArn]: (event) => ({
            ...event,
            datasetRecords: { k: { newValue: "V", op: "replace" }, added: { newValue: "by trigger", op: "replace" } }
          })
        }
      }
    )
  })

  it("emit nothing for refused writes, when streaming is DISABLED or not configured (SPEC 37)", async () => {
    const me = newIdentity()
    const unconfigured = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* write(unconfigured.ref("d"), unconfigured.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      expect(yield* published).toEqual([])

      yield* configureStreams(me.identityPoolId, "s", "DISABLED")
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      expect(yield* published).toEqual([])

      yield* configureStreams(me.identityPoolId, "s", "ENABLED")
      const conflict = yield* Effect.flip(write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 0 }]))
      expect(conflict._tag).toBe("ResourceConflictException")
      expect(yield* published).toEqual([])
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }])
      expect(yield* published).toHaveLength(1)

      yield* configureStreams(me.identityPoolId, "s", "DISABLED")
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "x", SyncCount: 2 }])
      expect(yield* published).toHaveLength(1)
    }))
  })

  it("stream a DeleteDataset as operation remove with no records", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* configureStreams(me.identityPoolId, "s")
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 1 }])
      yield* TestClock.adjust(2000)
      yield* sync.deleteDataset(me.ref("d"), me.caller)
      const all = yield* published
      expect(all).toHaveLength(3)
      expect(all[2]).toEqual({
        streamName: "s",
        record: {
          identityPoolId: me.identityPoolId,
          identityId: me.identityId,
          datasetName: "d",
          operation: "remove",
          kinesisSyncRecords: null,
          kinesisSyncRecordsURL: null,
          lastModifiedDate: 2000,
          payloadType: "Inline",
          syncCount: 2
        }
      })
      // deleting what does not exist streams nothing
      expect((yield* Effect.flip(sync.deleteDataset(me.ref("d"), me.caller)))._tag).toBe("ResourceNotFoundException")
      expect(yield* published).toHaveLength(3)
    }))
  })

  it("send records over 1 MB by URL: payloadType S3Url, no inline records (SPEC 37)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configureStreams(me.identityPoolId, "s")
      const big = "a".repeat(MiB - 1)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: big, SyncCount: 0 }])
      const [{ record }] = yield* published
      expect(record!.payloadType).toBe("S3Url")
      expect(record!.kinesisSyncRecords).toBeNull()
      expect(record!.kinesisSyncRecordsURL).toEqual(expect.any(String))
      expect(record!.syncCount).toBe(1)
      const payload = yield* offloaded(record!.kinesisSyncRecordsURL!)
      expect(payload).toEqual([{
        key: "k",
        value: big,
        syncCount: 1,
        lastModifiedDate: 0,
        deviceLastModifiedDate: null,
        op: "replace"
      }])
      expect(yield* offloaded("memory://syncalite/stream-payloads/none")).toBeUndefined()
    }))
  })

  it("measure the whole stream record against the 1 MB Kinesis limit", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* configureStreams(me.identityPoolId, "s")
      const entry = (value: string) => ({
        key: "k",
        value,
        syncCount: 1,
        lastModifiedDate: 0,
        deviceLastModifiedDate: null,
        op: "replace"
      })
      // the records alone are just under 1 MiB; with the envelope the stream record is over it
      const overhead = JSON.stringify([entry("")]).length
      const value = "a".repeat(MiB - overhead - 16)
      expect(JSON.stringify([entry(value)]).length).toBeLessThan(MiB)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: value, SyncCount: 0 }])
      const [{ record }] = yield* published
      expect(record!.payloadType).toBe("S3Url")
      expect((yield* offloaded(record!.kinesisSyncRecordsURL!))?.[0]?.value).toBe(value)

      // a record that fits travels inline
      const small = "b".repeat(MiB / 2)
      yield* write(me.ref("d"), me.caller, [{ Op: "replace", Key: "k", Value: small, SyncCount: 1 }])
      const inline = (yield* published)[1]!.record
      expect(inline.payloadType).toBe("Inline")
      expect(inline.kinesisSyncRecordsURL).toBeNull()
      expect(inline.kinesisSyncRecords?.[0]?.value).toBe(small)
      expect(Buffer.byteLength(JSON.stringify(inline), "utf8")).toBeLessThanOrEqual(MiB)
    }))
  })

  it("work through the Promise facade and its stream functions", async () => {
    const me = newIdentity()
    const records: Array<{ streamName: string; record: StreamPublisher.StreamRecord }> = []
    const payloads = new Map<string, ReadonlyArray<StreamPublisher.KinesisSyncRecord>>()
    const sync = createCognitoSync({
      tokenSecret,
      stream: {
        publish: (streamName, record) => void records.push({ streamName, record }),
        offload: (kinesisSyncRecords) => {
          const url = `https://bucket.example/${payloads.size}`
          payloads.set(url, kinesisSyncRecords)
          return url
        }
      }
    })
    try {
      await sync.setIdentityPoolConfiguration({
        IdentityPoolId: me.identityPoolId,
        CognitoStreams: { StreamName: "app-stream", StreamingStatus: "ENABLED" }
      })
      const first = await sync.listRecords(me.ref("d"), me.caller)
      await sync.updateRecords({
        ...me.ref("d"),
        SyncSessionToken: first.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
      }, me.caller)
      const second = await sync.listRecords(me.ref("big"), developer)
      await sync.updateRecords({
        ...me.ref("big"),
        SyncSessionToken: second.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "x".repeat(MiB - 1), SyncCount: 0 }]
      }, developer)
      expect(records.map(({ record, streamName }) => [streamName, record.datasetName, record.payloadType])).toEqual([
        ["app-stream", "d", "Inline"],
        ["app-stream", "big", "S3Url"]
      ])
      expect(records[1]!.record.kinesisSyncRecordsURL).toBe("https://bucket.example/0")
      expect(payloads.get("https://bucket.example/0")?.[0]?.key).toBe("k")
      await sync.deleteDataset(me.ref("d"), me.caller)
      expect(records[2]?.record.operation).toBe("remove")
    } finally {
      await sync.close()
    }
  })
})
