/**
 * The store on a Redis Cluster of the test's own (three primaries), built from a
 * `redis+cluster://` URL: the whole storage suite, scan over every primary included.
 */
import { randomUUID } from "node:crypto"
import { Duration, Effect, Exit, Layer, Scope } from "effect"
import { describe, expect, it } from "vitest"
import { Caller, CognitoSync, CognitoSyncConfig, PushNotifier, StreamPublisher, SyncTrigger } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { RedisCluster, StorageSuite } from "@syncalite/testing"
import { rawClient, testPrefix } from "./helpers.js"

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

RedisCluster.describe("on a Redis Cluster of three primaries", (cluster) => {
  const prefix = testPrefix("cluster")

  StorageSuite.run("RedisSyncStore.layer over redis+cluster://", {
    make: async () => {
      const scope = Effect.runSync(Scope.make())
      const store = await Effect.runPromise(Scope.extend(RedisSyncStore.make({ redis: cluster().url, prefix }), scope))
      return { store, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
    },
    capabilities: { crossProcess: true }
  })
})

RedisCluster.describe("on a Redis Cluster with a primary down", (cluster) => {

  it("calls to its slots fail at once with a StorageError, rather than queue until it is back; the others are served", async () => {
    const commandTimeout = 5000
    const program = Effect.gen(function*() {
      const store = yield* RedisSyncStore.make({ redis: cluster().url, prefix: testPrefix("down"), commandTimeout })
      const refs = Array.from({ length: 24 }, (_, i) => ({
        identityPoolId: "us-east-1:0e1a2b3c",
        identityId: `us-east-1:0000-${String(i).padStart(4, "0")}`,
        datasetName: "settings"
      }))
      yield* Effect.forEach(refs, (ref) => store.registerDevice(ref.identityPoolId, ref.identityId, { deviceId: "d", platform: "GCM", token: "t" }, 20))
      yield* Effect.promise(() => cluster().kill(cluster().ports[0]!))
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

RedisCluster.describe("the service on a Redis Cluster with a primary down", (cluster) => {

  it("identities whose keys live on the primaries up keep answering ListRecords and UpdateRecords", async () => {
    const [down, up] = cluster().ports as [number, number, number]
    const raw = await rawClient(`redis://127.0.0.1:${down}`)
    const slots = (await raw.sendCommand(["CLUSTER", "SLOTS"])) as Array<[number, number, [string, number]]>
    /** whether the keys of a hash tag live on the primary about to go down */
    const onDown = async (tag: string) => {
      const slot = Number(await raw.sendCommand(["CLUSTER", "KEYSLOT", `{${tag}}`]))
      return slots.some(([from, to, [, port]]) => from <= slot && slot <= to && port === down)
    }
    // the pool's configuration on a primary that stays up: without it no write can know its trigger
    let pool = `us-east-1:${randomUUID()}`
    while (await onDown(pool)) pool = `us-east-1:${randomUUID()}`
    const identities = Array.from({ length: 24 }, () => `us-east-1:${randomUUID()}`)
    const lost = await Promise.all(identities.map((identity) => onDown(`${pool}|${identity}`)))
    await raw.quit()
    expect(lost.filter(Boolean).length, "some identities live on the primary that goes down").toBeGreaterThan(0)
    expect(lost.filter((x) => !x).length, "some identities live on the others").toBeGreaterThan(0)

    const developer = Caller.developer("123456789012")
    const write = (sync: CognitoSync.CognitoSyncShape, identity: string, Value: string) =>
      Effect.gen(function*() {
        const caller = Caller.identity(pool, identity)
        const ref = { IdentityPoolId: pool, IdentityId: identity, DatasetName: "settings" }
        const listed = yield* sync.listRecords(ref, caller)
        const SyncCount = listed.Records[0]?.SyncCount ?? 0
        return yield* sync.updateRecords({
          ...ref,
          SyncSessionToken: listed.SyncSessionToken,
          RecordPatches: [{ Op: "replace", Key: "k", Value, SyncCount }]
        }, caller)
      })
    /** until a primary that stays up sees the other as failed, which takes the cluster's node timeout */
    const failureSeen = Effect.promise(async () => {
      const other = await rawClient(`redis://127.0.0.1:${up}`)
      try {
        for (;;) {
          const nodes = String(await other.sendCommand(["CLUSTER", "NODES"]))
          if (nodes.split("\n").some((line) => line.includes(`:${down}@`) && / fail[ ,]|,fail /.test(line))) return
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
      } finally {
        await other.quit()
      }
    })
    const program = Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      yield* sync.setIdentityPoolConfiguration({
        IdentityPoolId: pool,
        PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/MyApp"] }
      }, developer)
      yield* Effect.forEach(identities, (identity) => write(sync, identity, "before"), { concurrency: 8 })
      yield* Effect.promise(() => cluster().kill(down))
      yield* failureSeen
      // past the age of any pool configuration this process keeps: it is read again from the cluster
      yield* Effect.sleep("1100 millis")
      return yield* Effect.forEach(identities, (identity) =>
        Effect.map(Effect.either(write(sync, identity, "after")), (outcome) =>
          outcome._tag === "Right" ? outcome.right.Records[0]?.Value : outcome.left._tag))
    })
    const layer = CognitoSync.layer.pipe(
      Layer.provideMerge(Layer.mergeAll(
        RedisSyncStore.layer({ redis: cluster().url, prefix: testPrefix("available"), commandTimeout: 5000 }),
        PushNotifier.layerNoop,
        StreamPublisher.layerNoop,
        SyncTrigger.layerNoop
      )),
      Layer.provideMerge(CognitoSyncConfig.layer({ tokenSecret: "cluster-availability-secret-0123456789" }))
    )
    const outcomes = await Effect.runPromise(Effect.scoped(Effect.provide(program, layer)))
    expect(outcomes).toEqual(lost.map((gone) => (gone ? "InternalErrorException" : "after")))
  }, 60_000)
})
