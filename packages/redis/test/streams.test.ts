import { Context, Effect, Exit, Layer, Scope } from "effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { createCognitoSync, StreamPublisher, SyncStore } from "@syncalite/core"
import { RedisStreamPublisher, RedisSyncStore } from "@syncalite/redis"
import { Processes, RedisCluster, Services, StreamSuite } from "@syncalite/testing"
import { cleanUp, rawClient, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")
const prefix = testPrefix("streams")

/** Every entry of a stream as [id, fields]. */
const entries = async (streamKey: string) => {
  const client = await rawClient(redis.url)
  try {
    return await client.xRange(streamKey, "-", "+")
  } finally {
    client.destroy()
  }
}

/** The records of a stream, read through a store's own client (a cluster's routed by the key). */
const readThrough = (client: unknown, cluster: boolean, key: string) =>
  Effect.promise(async () => {
    const send = (client as { sendCommand: (...args: Array<unknown>) => Promise<unknown> }).sendCommand.bind(client)
    const args = ["XRANGE", key, "-", "+"]
    const reply = (cluster ? await send(key, true, args) : await send(args)) as Array<[string, Array<string>]>
    return reply.map(([, fields]) => JSON.parse(fields[fields.indexOf("data") + 1]!) as StreamPublisher.StreamRecord)
  })

/** A store and its publisher, each instance with a connection of its own, as a process would have. */
const instance = async (options: RedisStreamPublisher.Options = {}, url = redis.url): Promise<StreamSuite.Instance & {
  readonly close: () => Promise<void>
}> => {
  const scope = await Effect.runPromise(Scope.make())
  const layer = RedisStreamPublisher.layer(options).pipe(Layer.provideMerge(RedisSyncStore.layer({ redis: url, prefix })))
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const publisher = Context.get(context, RedisStreamPublisher.RedisStreamPublisher)
  const store = Context.get(context, RedisSyncStore.RedisSyncStore)
  return {
    store,
    publisher: Context.get(context, StreamPublisher.StreamPublisher),
    read: (streamName) => readThrough(store.client, url.includes("+cluster:"), publisher.streamKey(streamName)),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/**
 * A process killed (SIGKILL) right after its commit: on one Redis the commit appended the entry
 * itself; on a Cluster another process's sweeper appends the entry the commit left in the outbox.
 * Either way, exactly one entry.
 */
const liveWriteCrash = (url: () => string) =>
  describe("live writes across processes", () => {
    afterEach(() => Processes.killAll())
    const secret = "outbox-crash-secret-0123456789abcdef"

    /** The stream's records once the sweeper of a new instance appended them, and a few sweeps more. */
    const swept = async (streamName: string) => {
      const { close, read } = await instance({ outboxAge: "200 millis" }, url())
      try {
        for (let i = 0; i < 100 && (await Effect.runPromise(read(streamName))).length === 0; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        // a few more sweeps: the entry is not appended again
        await new Promise((resolve) => setTimeout(resolve, 600))
        return await Effect.runPromise(read(streamName))
      } finally {
        await close()
      }
    }

    it.each(["write", "delete"] as const)(
      "a %s whose process is killed (SIGKILL) right after the commit is appended once",
      async (mode) => {
        const sync = createCognitoSync({ tokenSecret: secret, store: RedisSyncStore.layer({ redis: url(), prefix }) })
        try {
          const pool = `us-east-1:${crypto.randomUUID()}`
          const identity = `us-east-1:${crypto.randomUUID()}`
          const stream = `outbox-${crypto.randomUUID()}`
          const ref = { IdentityPoolId: pool, IdentityId: identity, DatasetName: "d" }
          if (mode === "delete") {
            const { SyncSessionToken } = await sync.listRecords(ref)
            await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "committed", SyncCount: 0 }] })
          }
          await sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, CognitoStreams: { StreamName: stream, StreamingStatus: "ENABLED" } })

          const writer = Processes.start(new URL("./fixtures/streamWriter.ts", import.meta.url), [url(), prefix, secret, pool, identity, "d", mode])
          const exit = await writer.exited
          expect(writer.lines).toContain("writing")
          expect(writer.lines).not.toContain("appended")
          expect(exit.signal).toBe("SIGKILL")
          const datasets = (await sync.listDatasets({ IdentityPoolId: pool, IdentityId: identity })).Datasets ?? []
          expect(datasets.map((dataset) => dataset.DatasetName)).toEqual(mode === "write" ? ["d"] : [])

          const appended = await swept(stream)
          expect(appended).toHaveLength(1)
          const record = appended[0]!
          expect(record).toMatchObject({ identityPoolId: pool, identityId: identity, datasetName: "d", syncCount: 1 })
          expect(record.operation).toBe(mode === "write" ? "replace" : "remove")
          expect(record.kinesisSyncRecords?.map(({ key, op, syncCount, value }) => ({ key, op, syncCount, value }))).toEqual(
            mode === "write" ? [{ key: "k", op: "replace", syncCount: 1, value: "committed" }] : undefined
          )
        } finally {
          await sync.close()
        }
      },
      60_000
    )
  })

describe.skipIf(!redis.available)("on Redis", () => {
  afterAll(async () => {
    await cleanUp(redis.url, prefix)
    await cleanUp(redis.url, `{${prefix}:*`)
  })

  StreamSuite.run("RedisStreamPublisher.layer", {
    make: () => instance({ leaseTtl: "1 second" }),
    capabilities: { crossProcess: true }
  })

  describe("RedisStreamPublisher", () => {
    const record = (identityId: string, n: number): StreamPublisher.StreamRecord => ({
      identityPoolId: "us-east-1:pool",
      identityId,
      datasetName: `d${n}`,
      operation: "replace",
      kinesisSyncRecords: [],
      kinesisSyncRecordsURL: null,
      lastModifiedDate: n,
      payloadType: "Inline",
      syncCount: n
    })

    it("appends entries with the fields partitionKey and data to <prefix>:streams:<StreamName>", async () => {
      const { close, publisher } = await instance()
      try {
        await Effect.runPromise(publisher.publish("names", record("us-east-1:someone", 1)))
        const [entry, ...rest] = await entries(`${prefix}:streams:names`)
        expect(rest).toEqual([])
        expect(entry!.message).toEqual({ partitionKey: "us-east-1:someone", data: JSON.stringify(record("us-east-1:someone", 1)) })
      } finally {
        await close()
      }
    })

    it("on one Redis, the commit appends the entry itself, a record over 1 MB by URL with its records under that key", async () => {
      const { close, publisher, store } = await instance()
      const sync = createCognitoSync({
        tokenSecret: "in-commit-secret-0123456789abcdef",
        limits: { bytesPerDataset: 4 * 1024 * 1024 },
        store: Layer.succeed(SyncStore.SyncStore, store),
        stream: Layer.succeed(StreamPublisher.StreamPublisher, publisher)
      })
      try {
        expect(publisher.appendedInCommit).toBe(true)
        const pool = `us-east-1:${crypto.randomUUID()}`
        const stream = `in-commit-${crypto.randomUUID()}`
        await sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, CognitoStreams: { StreamName: stream, StreamingStatus: "ENABLED" } })
        const ref = { IdentityPoolId: pool, IdentityId: "us-east-1:0000beef", DatasetName: "d" }
        const write = async (RecordPatches: Array<{ Op: "replace"; Key: string; Value: string; SyncCount: number }>) => {
          const { SyncSessionToken } = await sync.listRecords(ref)
          await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches })
        }
        await write([{ Op: "replace", Key: "k", Value: "small", SyncCount: 0 }])
        const half = "x".repeat(600_000)
        await write([{ Op: "replace", Key: "k", Value: half, SyncCount: 1 }, { Op: "replace", Key: "l", Value: half, SyncCount: 0 }])
        const [small, large, ...rest] = await entries(`${prefix}:streams:${stream}`)
        expect(rest).toEqual([])
        expect(small!.message.partitionKey).toBe("us-east-1:0000beef")
        expect(JSON.parse(small!.message.data!)).toMatchObject({
          syncCount: 1,
          payloadType: "Inline",
          kinesisSyncRecords: [{ key: "k", value: "small", syncCount: 1, op: "replace" }]
        })
        const record = JSON.parse(large!.message.data!) as StreamPublisher.StreamRecord
        expect(record).toMatchObject({ syncCount: 2, payloadType: "S3Url", kinesisSyncRecords: null })
        const client = await rawClient(redis.url)
        try {
          const key = record.kinesisSyncRecordsURL!.slice("redis:".length)
          expect(key.startsWith(`${prefix}:stream-payloads:`)).toBe(true)
          expect(JSON.parse((await client.get(key))!)).toMatchObject([{ key: "k", syncCount: 2, op: "replace" }, { key: "l", syncCount: 2 }])
          expect(await client.pTTL(key)).toBeGreaterThan(23 * 3600 * 1000)
        } finally {
          client.destroy()
        }
      } finally {
        await sync.close()
        await close()
      }
    })

    it("keeps a stream about maxLength entries long", async () => {
      const { close, publisher } = await instance({ maxLength: 10 })
      try {
        for (let n = 0; n < 1000; n++) await Effect.runPromise(publisher.publish("bounded", record("us-east-1:someone", n)))
        const kept = await entries(`${prefix}:streams:bounded`)
        // approximate trimming drops whole macro nodes (100 entries by default) and never goes below the bound
        expect(kept.length).toBeGreaterThanOrEqual(10)
        expect(kept.length).toBeLessThan(300)
        expect(JSON.parse(kept.at(-1)!.message.data!).syncCount).toBe(999)
      } finally {
        await close()
      }
    })

    it("keeps records too large to travel inline in Redis, under the key its URL names", async () => {
      const { close, publisher } = await instance()
      try {
        const records = [{ key: "k", value: "v", syncCount: 1, lastModifiedDate: 1, deviceLastModifiedDate: null, op: "replace" as const }]
        const url = await Effect.runPromise(publisher.offload(records))
        expect(url).toMatch(new RegExp(`^redis:${prefix}:stream-payloads:`))
        const client = await rawClient(redis.url)
        try {
          expect(JSON.parse((await client.get(url.slice("redis:".length)))!)).toEqual(records)
          expect(await client.pTTL(url.slice("redis:".length))).toBeGreaterThan(23 * 3600 * 1000)
        } finally {
          client.destroy()
        }
      } finally {
        await close()
      }
    })

    /**
     * Datasets of one identity whose records test a bulk publish: in key order, tombstones, device
     * dates, escapes and characters past U+E000 in keys and values, a record over 1 MB, and a deleted one.
     */
    const mixedDatasets = async (store: SyncStore.SyncStoreShape, pool: string) => {
      const identityId = "us-east-1:script"
      const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 4 * 1024 * 1024 }
      const ref = (datasetName: string): SyncStore.DatasetRef => ({ identityPoolId: pool, identityId, datasetName })
      const write = async (datasetName: string, writes: ReadonlyArray<SyncStore.RecordWrite>, syncCount = 0) => {
        await Effect.runPromise(store.commit({
          ref: ref(datasetName),
          session: { id: crypto.randomUUID(), expiresAt: Date.now() + 60_000 },
          conditions: writes.map(({ key }) => ({ key, syncCount })),
          writes,
          modifiedBy: "script \"test\"",
          now: Date.now(),
          limits
        }))
      }
      await write("plain", [{ key: "k", value: "v" }])
      await write("ordered", ["b", "a", "c10", "c2", "A", "é", "z~", "日本"].map((key, i) => ({
        key,
        value: `value ${i}`,
        ...(i % 2 === 0 ? { deviceLastModifiedDate: 1_700_000_000_000 + i } : {})
      })))
      await write("ordered", [{ key: "a", value: null }], 1)
      await write("values", [{ key: "k", value: "quote \" backslash \\ newline \n tab \t \u0001 é 😀 \u2028 \",\"lastModifiedDate\":1}" }])
      await write("one.key", [{ key: "😀 \"\\\",\"value\":", value: "v" }])
      await write("escaped-keys", [{ key: "q\"uote", value: "1" }, { key: "back\\slash", value: "2" }, { key: "x", value: "3" }])
      await write("private-use", [{ key: "\uE000", value: "1" }, { key: "😀", value: "2" }, { key: "a", value: "3" }])
      await write("large", [{ key: "a", value: "x".repeat(600_000) }, { key: "b", value: "y".repeat(600_000) }])
      await write("deleted", [{ key: "k", value: "v" }])
      await Effect.runPromise(store.deleteDataset(ref("deleted"), Date.now()))
      return ["plain", "ordered", "values", "one.key", "escaped-keys", "private-use", "large", "deleted"].map(ref)
    }

    it("a bulk publish job appends every existing dataset once, its records in key order, a record over 1 MB by URL", async () => {
      const { close, publisher, read, store } = await instance()
      const sync = createCognitoSync({
        tokenSecret: "bulk-mixed-secret-0123456789abcdef",
        store: Layer.succeed(SyncStore.SyncStore, store),
        stream: Layer.succeed(StreamPublisher.StreamPublisher, publisher)
      })
      try {
        const pool = `us-east-1:${crypto.randomUUID()}`
        const StreamName = `mixed-${crypto.randomUUID()}`
        const refs = await mixedDatasets(store, pool)
        await sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, CognitoStreams: { StreamName, StreamingStatus: "ENABLED" } })
        await sync.bulkPublish({ IdentityPoolId: pool })
        let status = (await sync.getBulkPublishDetails({ IdentityPoolId: pool })).BulkPublishStatus
        for (let i = 0; i < 200 && status === "IN_PROGRESS"; i++) {
          await new Promise((resolve) => setTimeout(resolve, 25))
          status = (await sync.getBulkPublishDetails({ IdentityPoolId: pool })).BulkPublishStatus
        }
        expect(status).toBe("SUCCEEDED")
        const records = await Effect.runPromise(read(StreamName))
        expect(records.map(({ datasetName }) => datasetName).sort()).toEqual(refs.slice(0, -1).map(({ datasetName }) => datasetName).sort())
        const large = records.find(({ datasetName }) => datasetName === "large")!
        expect(large.payloadType).toBe("S3Url")
        expect(large.kinesisSyncRecordsURL).toMatch(/^redis:/)
        const keys = (name: string) => records.find(({ datasetName }) => datasetName === name)!.kinesisSyncRecords!.map(({ key, op }) => `${key} ${op}`)
        expect(keys("ordered")).toEqual(["A replace", "a remove", "b replace", "c10 replace", "c2 replace", "z~ replace", "é replace", "日本 replace"])
        expect(keys("escaped-keys")).toEqual(["back\\slash replace", "q\"uote replace", "x replace"])
        expect(keys("private-use")).toEqual(["a replace", "😀 replace", "\uE000 replace"])
        // each record carries the sync count and the date of its own dataset, not of another of the identity
        for (const ref of refs.slice(0, -1)) {
          const { head } = await Effect.runPromise(store.readDataset(ref, { since: 0 }))
          const record = records.find(({ datasetName }) => datasetName === ref.datasetName)!
          expect([record.syncCount, record.lastModifiedDate]).toEqual([head!.syncCount, head!.lastModifiedDate])
        }
      } finally {
        await sync.close()
        await close()
      }
    })
    it("a bulk publish of a dataset whose head cannot be read FAILS, naming its key", async () => {
      const { close, publisher, store } = await instance()
      const sync = createCognitoSync({
        tokenSecret: "bulk-corrupt-secret-0123456789abcdef",
        store: Layer.succeed(SyncStore.SyncStore, store),
        stream: Layer.succeed(StreamPublisher.StreamPublisher, publisher)
      })
      const client = await rawClient(redis.url)
      try {
        const pool = `us-east-1:${crypto.randomUUID()}`
        const identityId = "us-east-1:corrupt"
        await Effect.runPromise(store.commit({
          ref: { identityPoolId: pool, identityId, datasetName: "broken" },
          session: { id: crypto.randomUUID(), expiresAt: Date.now() + 60_000 },
          conditions: [{ key: "k", syncCount: 0 }],
          writes: [{ key: "k", value: "v" }],
          modifiedBy: "test",
          now: Date.now(),
          limits: { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }
        }))
        const heads = `${prefix}:{${pool}|${identityId}}:heads`
        expect(await client.hExists(heads, "hbroken")).toBe(1)
        await client.hSet(heads, "hbroken", "1\tnot a head")
        await sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, CognitoStreams: { StreamName: `corrupt-${crypto.randomUUID()}`, StreamingStatus: "ENABLED" } })
        await sync.bulkPublish({ IdentityPoolId: pool })
        let details = await sync.getBulkPublishDetails({ IdentityPoolId: pool })
        for (let i = 0; i < 200 && details.BulkPublishStatus === "IN_PROGRESS"; i++) {
          await new Promise((resolve) => setTimeout(resolve, 25))
          details = await sync.getBulkPublishDetails({ IdentityPoolId: pool })
        }
        expect(details.BulkPublishStatus).toBe("FAILED")
        expect(details.FailureMessage).toContain(`Unreadable value under key ${heads}`)
      } finally {
        client.destroy()
        await sync.close()
        await close()
      }
    })
  })

  liveWriteCrash(() => redis.url)

  describe("bulk publish across processes", () => {
    afterEach(() => Processes.killAll())
    const secret = "bulk-crash-secret-0123456789abcdef"

    it("a job whose process is killed (SIGKILL) is resumed by a new process, each dataset appended once", async () => {
      const sync = createCognitoSync({ tokenSecret: secret, store: RedisSyncStore.layer({ redis: redis.url, prefix }) })
      try {
        const pool = `us-east-1:${crypto.randomUUID()}`
        const stream = `crash-${crypto.randomUUID()}`
        const datasets = 400
        await Promise.all(Array.from({ length: 8 }, async (_, worker) => {
          for (let n = worker; n < datasets; n += 8) {
            const ref = { IdentityPoolId: pool, IdentityId: `us-east-1:0000-${n % 50}`, DatasetName: `d${n}` }
            const { SyncSessionToken } = await sync.listRecords(ref)
            await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: `v${n}`, SyncCount: 0 }] })
          }
        }))
        await sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, CognitoStreams: { StreamName: stream, StreamingStatus: "ENABLED" } })

        const fixture = new URL("./fixtures/bulkPublisher.ts", import.meta.url)
        const first = Processes.start(fixture, [redis.url, prefix, secret, pool, "start", "200"])
        await first.line((line) => line === "ready")
        const appendedBy = (lines: ReadonlyArray<string>) =>
          lines.filter((line) => line.startsWith("appended ")).reduce((sum, line) => sum + Number(line.slice("appended ".length)), 0)
        await first.line(() => appendedBy(first.lines) >= 100)
        first.process.kill("SIGKILL")
        await first.exited
        // the stream, not the lines read: the process may die between an append and its line
        const before = (await entries(`${prefix}:streams:${stream}`)).length
        expect(before).toBeGreaterThanOrEqual(100)
        expect(before).toBeLessThan(datasets)
        expect((await sync.getBulkPublishDetails({ IdentityPoolId: pool })).BulkPublishStatus).toBe("IN_PROGRESS")

        const second = Processes.start(fixture, [redis.url, prefix, secret, pool, "resume", "0"])
        await second.line((line) => line.includes(`bulk publish ${pool}: ${datasets} of ${datasets} datasets`), 30_000)
        let details = await sync.getBulkPublishDetails({ IdentityPoolId: pool })
        for (let i = 0; i < 100 && details.BulkPublishStatus === "IN_PROGRESS"; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50))
          details = await sync.getBulkPublishDetails({ IdentityPoolId: pool })
        }
        expect(details.BulkPublishStatus).toBe("SUCCEEDED")
        const appended = (await entries(`${prefix}:streams:${stream}`)).map((entry) => {
          const record = JSON.parse(entry.message.data!) as StreamPublisher.StreamRecord
          return `${record.identityId}/${record.datasetName}`
        })
        expect(appended).toHaveLength(datasets)
        expect(new Set(appended).size).toBe(datasets)
        // what the killed process appended, the new one did not append again
        expect(appendedBy(second.lines)).toBe(datasets - before)
      } finally {
        await sync.close()
      }
    }, 90_000)
  })
})

RedisCluster.describe("on a Redis Cluster of three primaries", (cluster) => {

  // the stream, the job's progress and the lease each on their own slots; a job's appends on the stream's
  StreamSuite.run("RedisStreamPublisher.layer over redis+cluster://", {
    make: () => instance({ leaseTtl: "1 second" }, cluster().url),
    capabilities: { crossProcess: true }
  })

  liveWriteCrash(() => cluster().url)
})
