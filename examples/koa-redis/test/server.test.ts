import {
  CognitoSyncClient,
  ListRecordsCommand,
  SetIdentityPoolConfigurationCommand,
  UpdateRecordsCommand
} from "@aws-sdk/client-cognito-sync"
import { createClient } from "@keyv/redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { issueIdentityCredentials } from "@syncalite/http"
import { HttpSuite, Services } from "@syncalite/testing"
import { removeKeys, testPrefix } from "../../../packages/cli/test/redisKeys.js"
import { main } from "../src/server.js"

const secret = "koa example test secret!"
const pool = "us-east-1:0e1a2b3c"

const developer = { accessKeyId: "AKIDKOAEXAMPLE", secretAccessKey: "koa example developer secret" }

const redis = await Services.check("redis")
const prefix = testPrefix()

describe.skipIf(!redis.available)("examples/koa-redis", () => {
  let running: Awaited<ReturnType<typeof main>>
  beforeAll(async () => {
    running = await main({
      PORT: "0",
      LOG_LEVEL: "silent",
      SYNCALITE_SECRET: secret,
      REDIS_URL: redis.url,
      SYNCALITE_REDIS_PREFIX: prefix,
      SYNCALITE_DEV_KEY: developer.accessKeyId,
      SYNCALITE_DEV_SECRET: developer.secretAccessKey
    }, () => undefined)
  })
  afterAll(async () => {
    await running.close()
    await removeKeys(redis.url, prefix)
  })

  it("keeps its state in Redis, under SYNCALITE_REDIS_PREFIX", () => {
    expect(running.config.store).toBe(redis.url)
    expect(running.config.redisPrefix).toBe(prefix)
  })

  it("syncs a v3 device and a sync-manager device", async () => {
    const identityId = `us-east-1:${Date.now().toString(16)}`
    const credentials = issueIdentityCredentials({ secret, identityPoolId: pool, identityId })
    const phone = new CognitoSyncClient({ endpoint: running.endpoint, region: "us-east-1", credentials, maxAttempts: 1 })
    const ref = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: "progress" }
    const { SyncSessionToken } = await phone.send(new ListRecordsCommand(ref))
    await phone.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "level", Value: "3", SyncCount: 0 }] }))
    phone.destroy()
    const tablet = await HttpSuite.syncManager(running.endpoint, pool, identityId, credentials, "progress")
    await tablet.synchronize()
    expect(await tablet.get("level")).toBe("3")
    expect(await (await fetch(`${running.endpoint}/readyz`)).json()).toEqual({ ok: true })
  })

  it("publishes Cognito Streams to <prefix>:streams:<StreamName>, with no setting of its own", async () => {
    const admin = new CognitoSyncClient({ endpoint: running.endpoint, region: "us-east-1", credentials: developer, maxAttempts: 1 })
    const streamPool = `us-east-1:${Date.now().toString(16)}`
    await admin.send(new SetIdentityPoolConfigurationCommand({
      IdentityPoolId: streamPool,
      CognitoStreams: { StreamName: "changes", RoleArn: "arn:aws:iam::123456789012:role/streams", StreamingStatus: "ENABLED" }
    }))
    const ref = { IdentityPoolId: streamPool, IdentityId: "us-east-1:0000-0001", DatasetName: "progress" }
    const { SyncSessionToken } = await admin.send(new ListRecordsCommand(ref))
    await admin.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "level", Value: "4", SyncCount: 0 }] }))
    const refused = admin.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "level", Value: "5", SyncCount: 0 }] }))
    await expect(refused).rejects.toThrow()
    admin.destroy()
    const client = createClient({ url: redis.url })
    await client.connect()
    try {
      const entries = await client.xRange(`${prefix}:streams:changes`, "-", "+")
      expect(entries).toHaveLength(1)
      expect(entries[0]!.message.partitionKey).toBe(ref.IdentityId)
      expect(JSON.parse(entries[0]!.message.data!)).toMatchObject({ identityPoolId: streamPool, datasetName: "progress", syncCount: 1 })
    } finally {
      client.destroy()
    }
  })
})
