import { Duration, Effect, Layer, Ref, TestClock } from "effect"
import { describe, expect, it } from "vitest"
import {
  CognitoSync,
  CognitoSyncConfig,
  createCognitoSync,
  PushNotifier,
  StreamPublisher,
  SyncStore,
  SyncTrigger
} from "@syncalite/core"
import { configureStreams, developer, newId, newIdentity, runTest, runWith, tokenSecret, write } from "./poolHelpers.js"

const DAY = Duration.toMillis(Duration.hours(24))

const details = (IdentityPoolId: string) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.getBulkPublishDetails({ IdentityPoolId }, developer))

const bulkPublish = (IdentityPoolId: string) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.bulkPublish({ IdentityPoolId }, developer))

/** Lets the background job run, a bounded number of times, until the pool's bulk publish is over. */
const settled = (IdentityPoolId: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100; i++) {
      const now = yield* details(IdentityPoolId)
      if (now.BulkPublishStatus !== "IN_PROGRESS") return now
      yield* Effect.yieldNow()
    }
    return yield* details(IdentityPoolId)
  })

const published = Effect.flatMap(StreamPublisher.StreamPublisherMemory, (memory) => memory.published)

/** The service over a stream publisher the test controls: it waits for `gate`, or always fails. */
const controlled = (options: { readonly gate?: Effect.Latch; readonly failing?: boolean }) => {
  const seen = Ref.unsafeMake<ReadonlyArray<StreamPublisher.StreamRecord>>([])
  const publisher = Layer.succeed(StreamPublisher.StreamPublisher, {
    publish: (_streamName, record) =>
      options.failing === true
        ? Effect.fail(new Error("the stream is gone"))
        : Effect.zipRight(options.gate?.await ?? Effect.void, Ref.update(seen, (all) => [...all, record])),
    offload: () => Effect.succeed("memory://unused")
  })
  const ports = Layer.mergeAll(
    SyncStore.layerMemory,
    PushNotifier.layerNoop,
    publisher,
    SyncTrigger.layerFunctions({})
  ).pipe(Layer.provideMerge(CognitoSyncConfig.layer({ tokenSecret })))
  return { layer: CognitoSync.layer.pipe(Layer.provideMerge(ports)), seen: Ref.get(seen) }
}

describe("GetBulkPublishDetails", () => {
  it("answers NOT_STARTED, with no times, for a fresh pool (SPEC 36)", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      expect(yield* details(pool)).toEqual({ IdentityPoolId: pool, BulkPublishStatus: "NOT_STARTED" })
    }))
  })
})

describe("BulkPublish", () => {
  it("is refused with InvalidParameterException when streams are not configured or DISABLED (SPEC 36)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      const unconfigured = yield* Effect.flip(bulkPublish(me.identityPoolId))
      expect(unconfigured._tag).toBe("InvalidParameterException")
      expect(unconfigured.message).toMatch(/Cognito Streams/)
      expect(unconfigured.message).toMatch(/ENABLED/)
      yield* configureStreams(me.identityPoolId, "s", "DISABLED")
      const disabled = yield* Effect.flip(bulkPublish(me.identityPoolId))
      expect(disabled._tag).toBe("InvalidParameterException")
      expect(disabled.message).toMatch(/Cognito Streams/)
      expect((yield* details(me.identityPoolId)).BulkPublishStatus).toBe("NOT_STARTED")
      expect(yield* published).toEqual([])
    }))
  })

  it("runs in the background: IN_PROGRESS right after the call, then SUCCEEDED (SPEC 36)", async () => {
    const me = newIdentity()
    const other = newIdentity(me.identityPoolId)
    const elsewhere = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* write(me.ref("a"), developer, [
        { Op: "replace", Key: "k1", Value: "v1", SyncCount: 0 },
        { Op: "replace", Key: "k2", Value: "v2", SyncCount: 0 }
      ])
      yield* write(me.ref("a"), developer, [{ Op: "remove", Key: "k2", SyncCount: 1 }])
      yield* write(me.ref("gone"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      yield* sync.deleteDataset(me.ref("gone"), developer)
      yield* write(other.ref("b"), developer, [{ Op: "replace", Key: "k", Value: "w", SyncCount: 0 }])
      yield* write(elsewhere.ref("c"), developer, [{ Op: "replace", Key: "k", Value: "x", SyncCount: 0 }])
      yield* TestClock.setTime(1_500_000_000_000)
      yield* configureStreams(me.identityPoolId, "bulk-stream")
      yield* configureStreams(elsewhere.identityPoolId, "other-stream")

      yield* Effect.yieldNow()
      expect(yield* bulkPublish(me.identityPoolId)).toEqual({ IdentityPoolId: me.identityPoolId })
      expect(yield* details(me.identityPoolId)).toEqual({
        IdentityPoolId: me.identityPoolId,
        BulkPublishStatus: "IN_PROGRESS",
        BulkPublishStartTime: new Date(1_500_000_000_000)
      })

      expect(yield* settled(me.identityPoolId)).toEqual({
        IdentityPoolId: me.identityPoolId,
        BulkPublishStatus: "SUCCEEDED",
        BulkPublishStartTime: new Date(1_500_000_000_000),
        BulkPublishCompleteTime: new Date(1_500_000_000_000)
      })
      const records = (yield* published).map(({ record, streamName }) => ({ streamName, ...record }))
      expect(records.map((record) => [record.streamName, record.identityId, record.datasetName]).sort()).toEqual([
        ["bulk-stream", me.identityId, "a"],
        ["bulk-stream", other.identityId, "b"]
      ].sort())
      const a = records.find((record) => record.datasetName === "a")!
      expect(a).toMatchObject({ identityPoolId: me.identityPoolId, operation: "replace", payloadType: "Inline", syncCount: 2 })
      expect(a.kinesisSyncRecords!.map((entry) => [entry.key, entry.value, entry.syncCount, entry.op])).toEqual([
        ["k1", "v1", 1, "replace"],
        ["k2", null, 2, "remove"]
      ])
      // the other pool was not published
      expect((yield* details(elsewhere.identityPoolId)).BulkPublishStatus).toBe("NOT_STARTED")
    }))
  })

  it("refuses a second run while one is IN_PROGRESS with DuplicateRequestException (SPEC 36)", async () => {
    const me = newIdentity()
    const gate = Effect.unsafeMakeLatch(false)
    const service = controlled({ gate })
    await runWith(
      Effect.gen(function*() {
        yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
        yield* configureStreams(me.identityPoolId)
        yield* bulkPublish(me.identityPoolId)
        yield* TestClock.adjust(Duration.minutes(1))
        const running = yield* details(me.identityPoolId)
        expect(running).toEqual({
          IdentityPoolId: me.identityPoolId,
          BulkPublishStatus: "IN_PROGRESS",
          BulkPublishStartTime: new Date(0)
        })
        const duplicate = yield* Effect.flip(bulkPublish(me.identityPoolId))
        expect(duplicate._tag).toBe("DuplicateRequestException")
        expect(yield* service.seen).toEqual([])

        yield* gate.open
        const done = yield* settled(me.identityPoolId)
        expect(done.BulkPublishStatus).toBe("SUCCEEDED")
        expect(done.BulkPublishStartTime).toEqual(new Date(0))
        expect(done.BulkPublishCompleteTime).toEqual(new Date(60_000))
        expect((yield* service.seen).map((record) => [record.datasetName, record.syncCount])).toEqual([["d", 1]])
      }),
      service.layer
    )
  })

  it("is refused for 24 hours after a success with AlreadyStreamedException, then allowed (SPEC 36)", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
      yield* configureStreams(me.identityPoolId)
      yield* bulkPublish(me.identityPoolId)
      expect((yield* settled(me.identityPoolId)).BulkPublishStatus).toBe("SUCCEEDED")
      expect(yield* published).toHaveLength(1)

      const again = yield* Effect.flip(bulkPublish(me.identityPoolId))
      expect(again._tag).toBe("AlreadyStreamedException")
      yield* TestClock.adjust(DAY - 1)
      expect((yield* Effect.flip(bulkPublish(me.identityPoolId)))._tag).toBe("AlreadyStreamedException")
      expect((yield* details(me.identityPoolId)).BulkPublishStatus).toBe("SUCCEEDED")

      yield* TestClock.adjust(1)
      expect(yield* bulkPublish(me.identityPoolId)).toEqual({ IdentityPoolId: me.identityPoolId })
      const second = yield* settled(me.identityPoolId)
      expect(second.BulkPublishStatus).toBe("SUCCEEDED")
      expect(second.BulkPublishStartTime).toEqual(new Date(DAY))
      expect(second.BulkPublishCompleteTime).toEqual(new Date(DAY))
      expect(yield* published).toHaveLength(2)
    }))
  })

  it("records FAILED with a FailureMessage, and may run again at once (SPEC 36)", async () => {
    const me = newIdentity()
    const service = controlled({ failing: true })
    await runWith(
      Effect.gen(function*() {
        yield* write(me.ref("d"), developer, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
        yield* configureStreams(me.identityPoolId)
        yield* bulkPublish(me.identityPoolId)
        const failed = yield* settled(me.identityPoolId)
        expect(failed.BulkPublishStatus).toBe("FAILED")
        expect(failed.BulkPublishStartTime).toEqual(new Date(0))
        expect(failed.BulkPublishCompleteTime).toBeUndefined()
        expect(failed.FailureMessage).toMatch(/the stream is gone/)

        expect(yield* bulkPublish(me.identityPoolId)).toEqual({ IdentityPoolId: me.identityPoolId })
        expect((yield* settled(me.identityPoolId)).BulkPublishStatus).toBe("FAILED")
      }),
      service.layer
    )
  })

  it("is recorded as FAILED when the service closes during a run, so that the pool can publish again", async () => {
    const me = newIdentity()
    const store = SyncStore.fromDriver(SyncStore.memoryDriver())
    let publishing = false
    const first = createCognitoSync({
      tokenSecret,
      store,
      stream: {
        publish: () => {
          publishing = true
          return new Promise<void>(() => {})
        },
        offload: () => "https://unused.example"
      }
    })
    await first.setIdentityPoolConfiguration({
      IdentityPoolId: me.identityPoolId,
      CognitoStreams: { StreamName: "s", StreamingStatus: "DISABLED" }
    })
    const token = await first.listRecords(me.ref("d"))
    await first.updateRecords({
      ...me.ref("d"),
      SyncSessionToken: token.SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
    })
    await first.setIdentityPoolConfiguration({
      IdentityPoolId: me.identityPoolId,
      CognitoStreams: { StreamName: "s", StreamingStatus: "ENABLED" }
    })
    await first.bulkPublish({ IdentityPoolId: me.identityPoolId })
    for (let i = 0; i < 100 && !publishing; i++) await first.getBulkPublishDetails({ IdentityPoolId: me.identityPoolId })
    expect(publishing).toBe(true)
    expect((await first.getBulkPublishDetails({ IdentityPoolId: me.identityPoolId })).BulkPublishStatus).toBe("IN_PROGRESS")
    await first.close()

    const second = createCognitoSync({ tokenSecret, store })
    try {
      const details = await second.getBulkPublishDetails({ IdentityPoolId: me.identityPoolId })
      expect(details.BulkPublishStatus).toBe("FAILED")
      expect(details.FailureMessage).toMatch(/interrupted/)
      await expect(second.bulkPublish({ IdentityPoolId: me.identityPoolId })).resolves.toEqual({
        IdentityPoolId: me.identityPoolId
      })
    } finally {
      await second.close()
    }
  })

  it("works through the Promise facade", async () => {
    const me = newIdentity()
    const records: Array<StreamPublisher.StreamRecord> = []
    const sync = createCognitoSync({
      tokenSecret,
      stream: { publish: (_, record) => void records.push(record), offload: () => "https://unused.example" }
    })
    try {
      await expect(sync.bulkPublish({ IdentityPoolId: me.identityPoolId })).rejects.toMatchObject({
        name: "InvalidParameterException"
      })
      const first = await sync.listRecords(me.ref("d"))
      await sync.updateRecords({
        ...me.ref("d"),
        SyncSessionToken: first.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
      })
      await sync.setIdentityPoolConfiguration({
        IdentityPoolId: me.identityPoolId,
        CognitoStreams: { StreamName: "s", StreamingStatus: "ENABLED" }
      })
      expect(await sync.bulkPublish({ IdentityPoolId: me.identityPoolId })).toEqual({ IdentityPoolId: me.identityPoolId })
      let status = (await sync.getBulkPublishDetails({ IdentityPoolId: me.identityPoolId })).BulkPublishStatus
      for (let i = 0; i < 100 && status === "IN_PROGRESS"; i++) {
        status = (await sync.getBulkPublishDetails({ IdentityPoolId: me.identityPoolId })).BulkPublishStatus
      }
      expect(status).toBe("SUCCEEDED")
      expect(records.map((record) => [record.datasetName, record.syncCount])).toEqual([["d", 1]])
      await expect(sync.bulkPublish({ IdentityPoolId: me.identityPoolId })).rejects.toMatchObject({
        name: "AlreadyStreamedException"
      })
      await expect(sync.bulkPublish({ IdentityPoolId: me.identityPoolId }, me.caller)).rejects.toMatchObject({
        name: "NotAuthorizedException"
      })
    } finally {
      await sync.close()
    }
  })
})
