/**
 * Cognito Identity state (pools, identities, login links, the signing key) on Redis or a Redis
 * Cluster, through `IdentityStore.fromDriver`.
 *
 * Each document is one string key, `<prefix>:ci/…`, holding its version and its JSON; every
 * atomic step of the store is one command or one Lua script on one key, so one slot of a cluster
 * whatever the key's name: reads are GETs, a compare-and-set is a script that checks the version
 * and writes the next. Each pool's identities are a sorted set, `<prefix>:ci/ix/<pool>` (every
 * score 0, so ordered by id), so that a new identity costs one ZADD however large the pool; the
 * first listing of a pool moves into it the ids an earlier layout kept in shard documents. The
 * race of two devices calling GetId for one new login is won on the login's own key, in one
 * script: the first link written stands and every process is answered its identity, which is then
 * created (or completed by the next GetId of that login, if the process died in between). An
 * operation that changes several keys (merging or deleting an identity) is a sequence of such
 * steps, each atomic, not one step: a process that dies in the middle of one leaves it partly
 * done. A merge is recorded as pending before its first step, so the identity service's sweep
 * completes one left so.
 *
 * Give it what `RedisSyncStore` takes; it opens a connection of its own, and may share the
 * prefix of the sync store, whose keys never start with `ci/`.
 *
 * @example
 * ```ts
 * import { RedisIdentityStore } from "@syncalite/redis"
 *
 * const identities = RedisIdentityStore.layer({ redis: "redis+cluster://10.0.0.1:7000,10.0.0.2:7000" })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { IdentityStore } from "@syncalite/identity"
import { open, type Options } from "./internal/client.js"
import type { Connection } from "./internal/connection.js"
import { script } from "./internal/scripts.js"

/** KEYS: the document. ARGV: the version expected (0 for none), the next JSON. Answers 1 when written. */
const compareAndSet = script(
  "identityCompareAndSet",
  [],
  String.raw`
local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = tonumber(string.match(current, '^(%d+)\n')) end
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], (version + 1) .. '\n' .. ARGV[2])
return 1`
)

const versioned = /^(\d+)\n/

/** The driver over a connection: every call one command or one script on one key. */
const driverOf = ({ command, script: run }: Connection, prefix: string): SyncStore.SyncStoreDriver => {
  const keyOf = (key: string) => `${prefix}:${key}`
  const unreadable = (key: string, cause?: unknown) =>
    new SyncStore.StorageError({ message: `Unreadable value under key ${keyOf(key)}`, key, ...(cause === undefined ? {} : { cause }) })
  const get = (key: string): Effect.Effect<SyncStore.Versioned | undefined, SyncStore.StorageError> =>
    Effect.flatMap(command(keyOf(key), ["GET", keyOf(key)]), (reply) => {
      if (reply === null || reply === undefined) return Effect.succeed(undefined)
      const text = String(reply)
      const found = versioned.exec(text)
      if (found === null) return Effect.fail(unreadable(key))
      return Effect.try({
        try: () => ({ version: Number(found[1]), value: JSON.parse(text.slice(found[0].length)) }),
        catch: (cause) => unreadable(key, cause)
      })
    })
  return {
    get,
    getMany: (keys) => Effect.forEach(keys, get, { concurrency: "unbounded" }),
    compareAndSet: (key, expected, value) =>
      Effect.map(
        run(compareAndSet, [keyOf(key)], [String(expected ?? 0), JSON.stringify(value)]),
        (written) => Number(written) === 1
      ),
    delete: (key) => Effect.asVoid(command(keyOf(key), ["DEL", keyOf(key)]))
  }
}

/** Each pool's identity ids as a sorted set of one key, paged in id order by ZRANGE BYLEX. */
const indexOf = ({ command }: Connection, prefix: string): IdentityStore.IdentityIndex => {
  const keyOf = (pool: string) => `${prefix}:ci/ix/${pool}`
  return {
    add: (pool, id) => Effect.asVoid(command(keyOf(pool), ["ZADD", keyOf(pool), "0", id])),
    remove: (pool, id) => Effect.asVoid(command(keyOf(pool), ["ZREM", keyOf(pool), id])),
    page: (pool, after, limit) =>
      Effect.map(
        command(keyOf(pool), ["ZRANGE", keyOf(pool), after === undefined ? "-" : `(${after}`, "+", "BYLEX", "LIMIT", "0", String(limit + 1)]),
        (reply) => {
          const ids = (reply as ReadonlyArray<unknown>).map(String)
          return { ids: ids.slice(0, limit), more: ids.length > limit }
        }
      )
  }
}

/**
 * The identity store over a connection of its own, released with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<IdentityStore.IdentityStoreShape, SyncStore.StorageError, Scope.Scope> =>
  Effect.map(open(options), ({ connection, prefix }) => IdentityStore.fromDriver(driverOf(connection, prefix), indexOf(connection, prefix)))

/**
 * The identity store as a layer whose scope closes its connection.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<IdentityStore.IdentityStore, SyncStore.StorageError> =>
  Layer.scoped(IdentityStore.IdentityStore, make(options))
