/**
 * A Redis key prefix of a test's own, and the removal of every key under it: the example servers
 * run against the developer's Redis, whose `syncalite:` keys may well be in use.
 */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { RedisSyncStore } from "@syncalite/redis"

export const testPrefix = (): string => `syncalite-example-test-${randomUUID().slice(0, 8)}`

interface Scanning {
  readonly scanIterator: (options: { MATCH: string; COUNT: number }) => AsyncIterable<Array<string>>
  readonly unlink: (keys: Array<string>) => Promise<unknown>
}

/** Removes every key under `prefix`, through a store of that prefix; answers how many there were. */
export const removeKeys = (url: string, prefix: string): Promise<number> =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(RedisSyncStore.make({ redis: url, prefix }), (store) =>
    Effect.promise(async () => {
      const client = store.client as unknown as Scanning
      let removed = 0
      for await (const keys of client.scanIterator({ MATCH: `${store.prefix}:*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.unlink(keys)
        removed += keys.length
      }
      return removed
    }))))
