/**
 * The identity store on Redis and on a Redis Cluster of the test's own (three primaries): the
 * whole IdentitySuite, and three processes racing GetId for the same new logins.
 */
import { Effect, Either, Exit, Scope } from "effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { RedisIdentityStore, RedisSyncStore } from "@syncalite/redis"
import { IdentitySuite, Processes, RedisCluster, Services } from "@syncalite/testing"
import { cleanUp, rawClient, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")
afterEach(Processes.killAll)

const opened = async (url: string, prefix: string) => {
  const scope = Effect.runSync(Scope.make())
  const store = await Effect.runPromise(Scope.extend(RedisIdentityStore.make({ redis: url, prefix }), scope))
  return { store, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const race = async (url: string, prefix: string) => {
  const { close, store } = await opened(url, prefix)
  try {
    await IdentitySuite.loginRace(store, (pool, logins) =>
      Array.from({ length: 3 }, () =>
        Processes.start(new URL("./fixtures/identityRacer.ts", import.meta.url), [url, prefix, pool, String(logins)])))
  } finally {
    await close()
  }
}

describe.skipIf(!redis.available)("on Redis", () => {
  const prefix = testPrefix("identity")
  afterAll(() => cleanUp(redis.url, prefix))

  // each instance is a layer of its own, with its own connection: as two processes would be
  IdentitySuite.run("RedisIdentityStore.layer", {
    make: RedisIdentityStore.layer({ redis: redis.url, prefix }),
    capabilities: { crossProcess: true }
  })

  it("three processes racing GetId for the same new logins get one identity per login", () => race(redis.url, prefix), 240_000)

  // a prefix of its own: the suite's signing-key cases store keys no service can sign with
  const merges = testPrefix("identity-merge")
  afterAll(() => cleanUp(redis.url, merges))
  it("a merge whose process is killed between a dataset's copy and its deletion is finished by a new service, every write kept", () =>
    IdentitySuite.mergeCrash(
      {
        identityStore: RedisIdentityStore.layer({ redis: redis.url, prefix: merges }),
        syncStore: RedisSyncStore.layer({ redis: redis.url, prefix: merges })
      },
      (pool) => Processes.start(new URL("./fixtures/merger.ts", import.meta.url), [redis.url, merges, pool])
    ), 120_000)

  it("a pool's identities are one sorted set: a new identity is one ZADD; ids of shard documents are moved into it by the first listing", async () => {
    const { close, store } = await opened(redis.url, prefix)
    const client = await rawClient(redis.url)
    try {
      const pool = "us-east-1:sorted"
      const identity = (n: number) => ({
        identityId: `us-east-1:${n.toString(16).padStart(8, "0")}`,
        identityPoolId: pool,
        logins: [],
        creationDate: 1,
        lastModifiedDate: 1,
        disabled: false
      })
      for (const n of [5, 1, 9, 3]) await Effect.runPromise(store.createIdentity(identity(n)))
      expect(await client.zRange(`${prefix}:ci/ix/${pool}`, 0, -1)).toEqual([1, 3, 5, 9].map((n) => identity(n).identityId))
      // two identities as an earlier layout indexed them: their documents, and the shard documents listing them
      for (const n of [2, 7]) {
        await client.set(`${prefix}:ci/i/${identity(n).identityId}`, `1\n${JSON.stringify(identity(n))}`)
        await client.set(`${prefix}:ci/x/${pool}/${n % 16}`, `1\n${JSON.stringify({ ids: [identity(n).identityId] })}`)
      }
      const first = await Effect.runPromise(store.listIdentities(pool, undefined, 4))
      expect(first.items.map((item) => item.identityId)).toEqual([1, 2, 3, 5].map((n) => identity(n).identityId))
      expect(first.more).toBe(true)
      const rest = await Effect.runPromise(store.listIdentities(pool, identity(5).identityId, 4))
      expect(rest).toEqual({ items: [identity(7), identity(9)], more: false })
      expect(await client.exists([`${prefix}:ci/x/${pool}/2`, `${prefix}:ci/x/${pool}/7`])).toBe(0)
      await Effect.runPromise(store.deleteIdentity(identity(3).identityId))
      expect(await client.zRange(`${prefix}:ci/ix/${pool}`, 0, -1)).toEqual([1, 2, 5, 7, 9].map((n) => identity(n).identityId))
    } finally {
      client.destroy()
      await close()
    }
  })

  it("a value it cannot read is a StorageError naming its key, and is left as it was", async () => {
    const { close, store } = await opened(redis.url, prefix)
    const client = await rawClient(redis.url)
    try {
      const pool = "us-east-1:unreadable"
      const login = { provider: "accounts.example.com", subject: "mallory" }
      await Effect.runPromise(store.linkLogin(pool, login, "us-east-1:someone", 1))
      const key = `${prefix}:ci/l/${pool}/accounts.example.com/mallory`
      for (const garbage of ["not versioned", "1\n{not json"]) {
        await client.set(key, garbage)
        const found = await Effect.runPromise(Effect.either(store.findLogin(pool, login)))
        expect(Either.isLeft(found) && found.left.message).toBe(`Unreadable value under key ${key}`)
        const linked = await Effect.runPromise(Effect.either(store.linkLogin(pool, login, "us-east-1:other", 2)))
        expect(Either.isLeft(linked)).toBe(true)
        expect(await client.get(key)).toBe(garbage)
      }
    } finally {
      client.destroy()
      await close()
    }
  })
})

RedisCluster.describe("on a Redis Cluster of three primaries", (cluster) => {
  const prefix = testPrefix("identity-cluster")
  IdentitySuite.run("RedisIdentityStore.layer over redis+cluster://", {
    make: async () => opened(cluster().url, prefix),
    capabilities: { crossProcess: true }
  })

  it("three processes racing GetId for the same new logins get one identity per login", () => race(cluster().url, prefix), 240_000)
})
