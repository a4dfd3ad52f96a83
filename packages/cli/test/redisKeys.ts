/**
 * A Redis key prefix of a test's own, and the removal of every key under it: the example servers
 * run against the developer's Redis, whose `syncalite:` keys may well be in use.
 */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { RedisSyncStore } from "@syncalite/redis"
import { Services } from "@syncalite/testing"

export const testPrefix = (): string => `syncalite-example-test-${randomUUID().slice(0, 8)}`

/** Removes every key under `prefix`, through a store of that prefix; answers how many there were. */
export const removeKeys = (url: string, prefix: string): Promise<number> =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(RedisSyncStore.make({ redis: url, prefix }), (store) =>
    Effect.promise(() => Services.removeRedisKeys(store.client as unknown as Services.RedisScanning, store.prefix)))))
