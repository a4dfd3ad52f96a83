import { Layer } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { createClient } from "@redis/client"
import { createCognitoSync } from "@syncalite/core"
import { RedisStreamPublisher, RedisSyncStore } from "@syncalite/redis"
import { Services } from "@syncalite/testing"
import { removeKeys, testPrefix } from "../../../packages/cli/test/redisKeys.js"
import { consume, type StreamRecord } from "../src/consumer.js"

const redis = await Services.check("redis")
const prefix = testPrefix()

describe.skipIf(!redis.available)("examples/stream-consumer", () => {
  afterAll(() => removeKeys(redis.url, prefix))

  it("two members of a group share the entries of the writes, each handled and acknowledged once", async () => {
    const store = RedisSyncStore.layer({ redis: redis.url, prefix })
    const sync = createCognitoSync({
      tokenSecret: "stream consumer test secret!",
      store,
      stream: RedisStreamPublisher.layer().pipe(Layer.provide(store))
    })
    const abort = new AbortController()
    try {
      const IdentityPoolId = `us-east-1:${Date.now().toString(16)}`
      await sync.setIdentityPoolConfiguration({ IdentityPoolId, CognitoStreams: { StreamName: "app", StreamingStatus: "ENABLED" } })
      const handled: Array<readonly [string, StreamRecord, string]> = []
      const members = ["a", "b"].map((consumer) =>
        consume({
          url: redis.url,
          stream: `${prefix}:streams:app`,
          group: "analytics",
          consumer,
          signal: abort.signal,
          handle: (record, partitionKey) => void handled.push([consumer, record, partitionKey])
        })
      )
      const writes = 20
      for (let n = 0; n < writes; n++) {
        const ref = { IdentityPoolId, IdentityId: `us-east-1:0000-${n % 4}`, DatasetName: "scores" }
        const { Records, SyncSessionToken } = await sync.listRecords(ref)
        const current = Records.find((record) => record.Key === "best")
        await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "best", Value: String(n), SyncCount: current?.SyncCount ?? 0 }] })
      }
      for (let i = 0; i < 200 && handled.length < writes; i++) await new Promise((resolve) => setTimeout(resolve, 25))
      abort.abort()
      await Promise.all(members)
      expect(handled.map(([, record]) => record.kinesisSyncRecords![0]!.value).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: writes }, (_, n) => String(n))
      )
      for (const [, record, partitionKey] of handled) expect(partitionKey).toBe(record.identityId)
      const client = createClient({ url: redis.url })
      await client.connect()
      try {
        expect((await client.xPending(`${prefix}:streams:app`, "analytics")).pending).toBe(0)
      } finally {
        client.destroy()
      }
    } finally {
      abort.abort()
      await sync.close()
    }
  }, 30_000)
})
