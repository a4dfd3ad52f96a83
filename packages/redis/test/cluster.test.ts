/**
 * The store on a Redis Cluster of the test's own (three primaries), built from a
 * `redis+cluster://` URL: the whole storage suite, scan over every primary included.
 */
import { Duration, Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RedisSyncStore } from "@syncalite/redis"
import { RedisCluster, StorageSuite } from "@syncalite/testing"
import { testPrefix } from "./helpers.js"

describe("redis+cluster:// URLs", () => {
  it("name the nodes to discover the cluster from, and credentials for every node", () => {
    expect(RedisSyncStore.clusterOptions("redis+cluster://10.0.0.1:7000,10.0.0.2:7001")).toEqual({
      rootNodes: [{ url: "redis://10.0.0.1:7000" }, { url: "redis://10.0.0.2:7001" }]
    })
    expect(RedisSyncStore.clusterOptions("rediss+cluster://app:s%40cret@[::1]:7000/")).toEqual({
      rootNodes: [{ url: "rediss://[::1]:7000" }],
      defaults: { username: "app", password: "s@cret" }
    })
    expect(RedisSyncStore.clusterOptions("redis+cluster://:pw@h:1").defaults).toEqual({ password: "pw" })
  })

  it("that are malformed fail building the store with what is wrong", async () => {
    for (const [url, message] of [
      ["redis+cluster://host-without-port", "Not a host:port of a Redis Cluster URL: host-without-port"],
      ["redis+cluster://a:1,,b:2", "Not a host:port of a Redis Cluster URL: "],
      ["redis+cluster://a:1/0", "Not a Redis Cluster URL: redis+cluster://a:1/0"]
    ] as const) {
      const exit = await Effect.runPromiseExit(Effect.scoped(RedisSyncStore.make({ redis: url })))
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain(message)
    }
  })
})

const usable = RedisCluster.available()

describe.skipIf(!usable)("on a Redis Cluster of three primaries", () => {
  let cluster: RedisCluster.Cluster | undefined
  const prefix = testPrefix("cluster")
  beforeAll(async () => {
    cluster = await RedisCluster.start()
  }, 60_000)
  afterAll(() => cluster?.stop())

  StorageSuite.run("RedisSyncStore.layer over redis+cluster://", {
    make: async () => {
      const scope = Effect.runSync(Scope.make())
      const store = await Effect.runPromise(Scope.extend(RedisSyncStore.make({ redis: cluster!.url, prefix }), scope))
      return { store, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
    },
    capabilities: { crossProcess: true }
  })
})

describe.skipIf(!usable)("on a Redis Cluster with a primary down", () => {
  let cluster: RedisCluster.Cluster | undefined
  beforeAll(async () => {
    cluster = await RedisCluster.start()
  }, 60_000)
  afterAll(() => cluster?.stop())

  it("calls to its slots fail at once with a StorageError, rather than queue until it is back; the others are served", async () => {
    const commandTimeout = 5000
    const program = Effect.gen(function*() {
      const store = yield* RedisSyncStore.make({ redis: cluster!.url, prefix: testPrefix("down"), commandTimeout })
      const refs = Array.from({ length: 24 }, (_, i) => ({
        identityPoolId: "us-east-1:0e1a2b3c",
        identityId: `us-east-1:0000-${String(i).padStart(4, "0")}`,
        datasetName: "settings"
      }))
      yield* Effect.forEach(refs, (ref) => store.registerDevice(ref.identityPoolId, ref.identityId, { deviceId: "d", platform: "GCM", token: "t" }, 20))
      yield* Effect.promise(() => cluster!.kill(cluster!.ports[0]!))
      return yield* Effect.forEach(refs, (ref) =>
        Effect.timed(Effect.either(store.readDataset(ref, { since: 0 }))).pipe(
          Effect.map(([duration, outcome]) => ({ ms: Duration.toMillis(duration), failed: outcome._tag === "Left" ? outcome.left._tag : undefined }))
        ))
    })
    const outcomes = await Effect.runPromise(Effect.scoped(program))
    const failed = outcomes.filter((outcome) => outcome.failed !== undefined)
    expect(failed.length, "some identities are on the primary that is down").toBeGreaterThan(0)
    expect(failed.length, "the others are served").toBeLessThan(outcomes.length)
    expect(new Set(failed.map((outcome) => outcome.failed))).toEqual(new Set(["StorageError"]))
    // at once: long before the command timeout, which a call queued for the node would wait out
    for (const outcome of failed) expect(outcome.ms).toBeLessThan(commandTimeout / 5)
  }, 60_000)
})
