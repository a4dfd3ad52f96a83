/**
 * Two `syncalite serve` processes on one Redis, as behind a load balancer: a write made with the
 * v3 client through one reaches a device's event stream held by the other within a second, with
 * the exact SPEC B §8 message; the writer's own device hears nothing; a stream that reconnects,
 * to either process, with `Last-Event-ID` receives what was written while it was away.
 */
import { randomUUID } from "node:crypto"
import {
  CognitoSyncClient,
  ListRecordsCommand,
  RegisterDeviceCommand,
  SetIdentityPoolConfigurationCommand,
  SubscribeToDatasetCommand,
  UpdateRecordsCommand
} from "@aws-sdk/client-cognito-sync"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { IdentityCredentials } from "@syncalite/http"
import { EventStreams, Services } from "@syncalite/testing"
import { exited, type Started, syncalite, waitFor } from "./process.js"
import { removeKeys, testPrefix } from "./redisKeys.js"

const redis = await Services.check("redis")
const secret = "push test token secret 0123456789"
const developer = { accessKeyId: "AKIDPUSH", secretAccessKey: "push test developer secret" }

describe.skipIf(!redis.available)("push across two syncalite serve processes on one Redis", { timeout: 60_000 }, () => {
  const prefix = testPrefix()
  const servers: Array<Started> = []
  const endpoints: Array<string> = []
  const streams: Array<EventStreams.EventStream> = []
  const pool = `us-east-1:${randomUUID()}`
  const identityId = `us-east-1:${randomUUID()}`
  const credentials = IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId })
  const ref = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: "notes" }
  const clientOf = (endpoint: string, as: { accessKeyId: string; secretAccessKey: string } = credentials) =>
    new CognitoSyncClient({ endpoint, region: "us-east-1", credentials: as, maxAttempts: 1 })
  let writer = ""
  let reader = ""

  /** One record written through the server at `endpoint` from the writer's device; answers the sync count. */
  const write = async (endpoint: string): Promise<number> => {
    const client = clientOf(endpoint)
    try {
      const listed = await client.send(new ListRecordsCommand(ref))
      const count = listed.DatasetSyncCount ?? 0
      const written = await client.send(new UpdateRecordsCommand({
        ...ref,
        DeviceId: writer,
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "k", Value: String(count), SyncCount: count }]
      }))
      return written.Records![0]!.SyncCount!
    } finally {
      client.destroy()
    }
  }
  const open = async (endpoint: string, deviceId: string, headers: { [name: string]: string } = {}) => {
    const url = await EventStreams.presign({ endpoint, path: EventStreams.eventsPath({ identityPoolId: pool, identityId, deviceId }), credentials })
    const stream = await EventStreams.open(url, headers)
    streams.push(stream)
    return stream
  }
  const message = (syncCount: number) =>
    JSON.stringify({ source: "cognito-sync", identityPoolId: pool, identityId, datasetName: "notes", syncCount: String(syncCount) })

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const server = syncalite(["serve"], {
        PORT: "0",
        SYNCALITE_STORE: redis.url,
        SYNCALITE_REDIS_PREFIX: prefix,
        SYNCALITE_SECRET: secret,
        SYNCALITE_DEV_KEY: developer.accessKeyId,
        SYNCALITE_DEV_SECRET: developer.secretAccessKey
      })
      servers.push(server)
      endpoints.push((await waitFor(server, /Cognito Sync on (http:\/\/\S+)/, 30_000))[1]!)
    }
    const admin = clientOf(endpoints[0]!, developer)
    await admin.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/Push"] } }))
    admin.destroy()
    const device = clientOf(endpoints[0]!)
    writer = (await device.send(new RegisterDeviceCommand({ IdentityPoolId: pool, IdentityId: identityId, Platform: "GCM", Token: "writer" }))).DeviceId!
    reader = (await device.send(new RegisterDeviceCommand({ IdentityPoolId: pool, IdentityId: identityId, Platform: "GCM", Token: "reader" }))).DeviceId!
    await write(endpoints[0]!)
    for (const deviceId of [writer, reader]) await device.send(new SubscribeToDatasetCommand({ ...ref, DeviceId: deviceId }))
    device.destroy()
  }, 60_000)

  afterAll(async () => {
    for (const stream of streams) stream.close()
    for (const server of servers) {
      server.child.kill("SIGTERM")
      await exited(server.child)
    }
    await removeKeys(redis.url, prefix)
  })

  it("a write through A reaches the reader's stream on B within a second, exactly; the writer's stream hears nothing", async () => {
    const [a, b] = endpoints as [string, string]
    const onReader = await open(b, reader)
    const onWriter = await open(b, writer)
    expect(onReader.status).toBe(200)
    const started = Date.now()
    const count = await write(a)
    const event = await onReader.next(1000)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(event).toEqual({ id: expect.stringMatching(/^\d+-\d+$/), event: "sync", data: message(count) })
    expect(await onWriter.within(300)).toEqual([])
  })

  it("a reconnect to either process with Last-Event-ID receives what was written while it was away", async () => {
    const [a, b] = endpoints as [string, string]
    const first = await open(b, reader)
    await write(a)
    const seen = await first.next(1000)
    first.close()
    const missed = [await write(a), await write(b)]
    for (const endpoint of [a, b]) {
      const again = await open(endpoint, reader, { "last-event-id": seen.id! })
      expect([(await again.next(1000)).data, (await again.next(1000)).data]).toEqual(missed.map(message))
      again.close()
    }
  })

  it("SIGTERM ends the open streams cleanly and the process exits", async () => {
    const onReader = await open(endpoints[1]!, reader)
    servers[1]!.child.kill("SIGTERM")
    expect(await exited(servers[1]!.child)).toEqual({ code: 0, signal: null })
    await onReader.ended
  })
})
