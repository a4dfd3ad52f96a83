/**
 * The push conformance suite on the Redis hub: the notifier is one hub, the devices listen on
 * streams attached to another hub over its own connection, as another process holds them; on a
 * single Redis and on a Cluster of three primaries.
 */
import { Effect, Layer } from "effect"
import { afterAll, describe } from "vitest"
import { PushHub } from "@syncalite/core"
import { RedisPushHub } from "@syncalite/redis"
import { PushSuite, RedisCluster, Services } from "@syncalite/testing"
import { cleanUp, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")

/** The notifier's hub, and a receiver attached to a second hub on the same Redis. */
const hubs = (url: () => string, prefix: string) =>
  Layer.suspend(() => {
    const other = Layer.unwrapEffect(Effect.map(PushHub.PushHub, (hub) => Layer.succeed(PushSuite.Receiver, PushSuite.hubReceiver(hub))))
      .pipe(Layer.provide(RedisPushHub.layerStore({ redis: url(), prefix })))
    return Layer.merge(RedisPushHub.layerStore({ redis: url(), prefix }), other)
  })

describe.skipIf(!redis.available)("on one Redis", () => {
  const prefix = testPrefix("pushsuite")
  afterAll(() => cleanUp(redis.url, prefix))
  PushSuite.run("RedisPushHub", { make: hubs(() => redis.url, prefix), delivery: { promise: "replay" } })
})

RedisCluster.describe("on a Redis Cluster of three primaries", (cluster) => {
  PushSuite.run("RedisPushHub over redis+cluster://", {
    make: hubs(() => cluster().url, testPrefix("pushsuite")),
    delivery: { promise: "replay" }
  })
})
