/**
 * Two `syncalite serve` processes on one Redis, streaming ENABLED: the UpdateRecords made
 * through both appear in `<prefix>:streams:<StreamName>`, one entry each, none for a conflicting
 * or refused write; a BulkPublish started through one process reaches SUCCEEDED with exactly one
 * entry per dataset even though that process is killed (SIGKILL) in the middle of the job and
 * started again, the job resuming in one of them.
 */
import { randomUUID } from "node:crypto"
import {
  BulkPublishCommand,
  CognitoSyncClient,
  GetBulkPublishDetailsCommand,
  ListRecordsCommand,
  SetIdentityPoolConfigurationCommand,
  UpdateRecordsCommand
} from "@aws-sdk/client-cognito-sync"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createCognitoSync, type StreamPublisher } from "@syncalite/core"
import { IdentityCredentials } from "@syncalite/http"
import { RedisSyncStore } from "@syncalite/redis"
import { Services } from "@syncalite/testing"
import { exited, type Started, syncalite, waitFor } from "./process.js"
import { removeKeys, testPrefix } from "./redisKeys.js"

const redis = await Services.check("redis")
const secret = "streams test token secret 0123456789"
const developer = { accessKeyId: "AKIDSTREAMS", secretAccessKey: "streams test developer secret" }
/** datasets of the bulk-published pool: enough for the job to last past its first progress line */
const DATASETS = 10_000
const IDENTITIES = 500

/** Every record of a stream, in order, with its partition key. */
const streamRecords = (prefix: string, streamName: string) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(RedisSyncStore.make({ redis: redis.url, prefix }), (store) =>
    Effect.promise(async () => {
      const client = store.client as unknown as { sendCommand: (args: ReadonlyArray<string>) => Promise<unknown> }
      const entries = (await client.sendCommand(["XRANGE", `${prefix}:streams:${streamName}`, "-", "+"])) as Array<[string, Array<string>]>
      return entries.map(([, fields]) => {
        const message = new Map<string, string>()
        for (let i = 0; i + 1 < fields.length; i += 2) message.set(fields[i]!, fields[i + 1]!)
        return { partitionKey: message.get("partitionKey"), record: JSON.parse(message.get("data")!) as StreamPublisher.StreamRecord }
      })
    }))))

describe.skipIf(!redis.available)("Cognito Streams across two syncalite serve processes on one Redis", { timeout: 180_000 }, () => {
  const prefix = testPrefix()
  const servers: Array<Started> = []
  const endpoints: Array<string> = []
  const environment = {
    PORT: "0",
    SYNCALITE_STORE: redis.url,
    SYNCALITE_REDIS_PREFIX: prefix,
    SYNCALITE_SECRET: secret,
    SYNCALITE_DEV_KEY: developer.accessKeyId,
    SYNCALITE_DEV_SECRET: developer.secretAccessKey,
    SYNCALITE_BULK_LEASE: "2 seconds"
  }
  const serve = async () => {
    const server = syncalite(["serve"], environment)
    servers.push(server)
    const endpoint = (await waitFor(server, /Cognito Sync on (http:\/\/\S+)/, 30_000))[1]!
    endpoints.push(endpoint)
    return { server, endpoint }
  }
  const clientOf = (endpoint: string, as: { accessKeyId: string; secretAccessKey: string } = developer) =>
    new CognitoSyncClient({ endpoint, region: "us-east-1", credentials: as, maxAttempts: 1 })
  const enable = async (endpoint: string, IdentityPoolId: string, StreamName: string) => {
    const admin = clientOf(endpoint)
    try {
      await admin.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId, CognitoStreams: { StreamName, StreamingStatus: "ENABLED" } }))
    } finally {
      admin.destroy()
    }
  }

  beforeAll(async () => {
    await serve()
    await serve()
  }, 60_000)

  afterAll(async () => {
    for (const { child } of servers) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      await exited(child)
    }
    await removeKeys(redis.url, prefix)
  })

  it("writes through both processes append one entry per successful UpdateRecords, none for a conflicting or refused one", async () => {
    const pool = `us-east-1:${randomUUID()}`
    const stream = `live-${randomUUID()}`
    await enable(endpoints[0]!, pool, stream)
    const identityId = `us-east-1:${randomUUID()}`
    const credentials = IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId })
    const ref = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: "notes" }
    const written: Array<number> = []
    for (let i = 0; i < 6; i++) {
      const client = clientOf(endpoints[i % 2]!, credentials)
      try {
        const listed = await client.send(new ListRecordsCommand(ref))
        const count = listed.DatasetSyncCount ?? 0
        const stale = { Op: "replace" as const, Key: "k", Value: "stale", SyncCount: Math.max(count - 1, 0) }
        if (count > 0) {
          // a conflicting write: an older sync count for the record
          await expect(client.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken: listed.SyncSessionToken, RecordPatches: [stale] })))
            .rejects.toMatchObject({ name: "ResourceConflictException" })
        }
        // a refused write: a token for another dataset
        const other = await client.send(new ListRecordsCommand({ ...ref, DatasetName: "other" }))
        await expect(client.send(new UpdateRecordsCommand({
          ...ref,
          SyncSessionToken: other.SyncSessionToken,
          RecordPatches: [{ Op: "replace", Key: "k", Value: "refused", SyncCount: count }]
        }))).rejects.toMatchObject({ name: "InvalidParameterException" })
        const done = await client.send(new UpdateRecordsCommand({
          ...ref,
          SyncSessionToken: listed.SyncSessionToken,
          RecordPatches: [{ Op: "replace", Key: "k", Value: `value ${i}`, SyncCount: count }]
        }))
        written.push(done.Records![0]!.SyncCount!)
      } finally {
        client.destroy()
      }
    }
    const appended = await streamRecords(prefix, stream)
    expect(appended.map(({ partitionKey }) => partitionKey)).toEqual(written.map(() => identityId))
    expect(appended.map(({ record }) => [record.syncCount, record.kinesisSyncRecords?.map((r) => r.value)])).toEqual(
      written.map((syncCount, i) => [syncCount, [`value ${i}`]])
    )
    expect(appended.every(({ record }) => record.identityPoolId === pool && record.datasetName === "notes" && record.operation === "replace"))
      .toBe(true)
  })

  it("a BulkPublish whose process is killed (SIGKILL) mid-job and started again reaches SUCCEEDED, one entry per dataset", async () => {
    const pool = `us-east-1:${randomUUID()}`
    const stream = `bulk-${randomUUID()}`
    // the pool's datasets, written in this process straight to the store
    const sync = createCognitoSync({ tokenSecret: secret, store: RedisSyncStore.layer({ redis: redis.url, prefix }) })
    try {
      let next = 0
      await Promise.all(Array.from({ length: 32 }, async () => {
        for (let n = next++; n < DATASETS; n = next++) {
          const ref = {
            IdentityPoolId: pool,
            IdentityId: `us-east-1:${(n % IDENTITIES).toString(16).padStart(8, "0")}`,
            DatasetName: `d${Math.floor(n / IDENTITIES)}`
          }
          const { SyncSessionToken } = await sync.listRecords(ref)
          await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: `v${n}`, SyncCount: 0 }] })
        }
      }))
    } finally {
      await sync.close()
    }
    await enable(endpoints[1]!, pool, stream)

    const [a] = servers as [Started]
    const admin = clientOf(endpoints[0]!)
    try {
      await admin.send(new BulkPublishCommand({ IdentityPoolId: pool }))
      await waitFor(a, new RegExp(`bulk publish ${pool}: \\d+ of ${DATASETS} datasets`), 60_000)
      // the service's own lines are JSON lines, as the requests' are
      const progress = a.output().split("\n").find((line) => line.includes(`bulk publish ${pool}:`))!
      expect(JSON.parse(progress)).toMatchObject({ level: 30, msg: expect.stringMatching(new RegExp(`^bulk publish ${pool}: \\d+ of ${DATASETS} datasets$`)) })
      a.child.kill("SIGKILL")
      expect(await exited(a.child)).toEqual({ code: null, signal: "SIGKILL" })
    } finally {
      admin.destroy()
    }
    const before = (await streamRecords(prefix, stream)).length
    expect(before).toBeGreaterThan(0)
    expect(before).toBeLessThan(DATASETS)

    const restarted = await serve()
    const watcher = clientOf(restarted.endpoint)
    try {
      const started = Date.now()
      let status = (await watcher.send(new GetBulkPublishDetailsCommand({ IdentityPoolId: pool }))).BulkPublishStatus
      while (status === "IN_PROGRESS" && Date.now() - started < 90_000) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        status = (await watcher.send(new GetBulkPublishDetailsCommand({ IdentityPoolId: pool }))).BulkPublishStatus
      }
      expect(status).toBe("SUCCEEDED")
    } finally {
      watcher.destroy()
    }
    const appended = (await streamRecords(prefix, stream)).map(({ record }) => `${record.identityId}/${record.datasetName}`)
    expect(appended).toHaveLength(DATASETS)
    expect(new Set(appended).size).toBe(DATASETS)
    // the job resumed in one of the two living processes, which logged its end
    const finished = new RegExp(`bulk publish ${pool}: ${DATASETS} of ${DATASETS} datasets`)
    expect(servers.slice(1).some((server) => finished.test(server.output()))).toBe(true)
  })
})
