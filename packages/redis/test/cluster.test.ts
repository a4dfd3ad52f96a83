/**
 * The store on a Redis Cluster of the test's own (three primaries), built from a
 * `redis+cluster://` URL: the whole storage suite, scan over every primary included.
 */
import { Effect, Exit, Scope } from "effect"
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
