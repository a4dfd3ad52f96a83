/**
 * The storage port on Redis, for applications that run as many processes on many machines.
 *
 * Every commit is one Lua script (FCALL of its library on Redis 7, EVALSHA before): it checks
 * the session, the sync counts, the limits and writes the head and the records atomically, so two
 * processes never both win against one sync count. All keys of one identity share the hash tag
 * `{pool|identity}`, so it works on Redis Cluster too; pool-wide figures are sharded counters
 * and per-pool indexes of identities, never one key every writer updates.
 *
 * @example
 * ```ts
 * import { createCognitoSync } from "@syncalite/core"
 * import { RedisSyncStore } from "@syncalite/redis"
 *
 * const sync = createCognitoSync({
 *   tokenSecret: process.env.SYNCALITE_SECRET,
 *   store: RedisSyncStore.layer({ redis: "redis://127.0.0.1:6379" })
 * })
 * // ...
 * await sync.close() // closes the Redis connection
 * ```
 *
 * @since 0.1.0
 */
import type { RedisClientConnectionType } from "@keyv/redis"
import { type Config, type ConfigError, Context, Effect, Layer, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { open, type Options } from "./internal/client.js"
import { makeKeys } from "./internal/codec.js"
import { makeStore } from "./internal/store.js"

/**
 * What the store talks to Redis through, and its options.
 *
 * @since 0.1.0
 * @category models
 */
export type { Options, RedisInput } from "./internal/client.js"

export { clusterOptions } from "./internal/client.js"

/**
 * The store, with the client it talks through.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisSyncStoreShape extends SyncStore.SyncStoreShape {
  readonly client: RedisClientConnectionType
  readonly prefix: string
  /**
   * Makes streamed commits carry their Cognito Streams entry from now on, streams bounded by
   * `maxLength`: appended by the commit's own script on one Redis ("commit"), kept in the
   * identity's outbox for the publisher on a Cluster ("outbox"). Called by `RedisStreamPublisher`.
   */
  readonly carryStreams: (maxLength: number) => { readonly mode: "commit" | "outbox" }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RedisSyncStore extends Context.Tag("@syncalite/redis/RedisSyncStore")<RedisSyncStore, RedisSyncStoreShape>() {}

/**
 * The store over a connection, released with the scope: a connection the store created or
 * opened is closed then; one that was already open is left to its owner.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RedisSyncStoreShape, SyncStore.StorageError, Scope.Scope> =>
  Effect.map(open(options), ({ client, connection, prefix }) => ({ ...makeStore(connection, makeKeys(prefix)), client, prefix }))

/**
 * The store as a layer of both its own tag and the port's.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RedisSyncStore | SyncStore.SyncStore, SyncStore.StorageError> =>
  Layer.scopedContext(
    Effect.map(make(options), (store) => Context.make(RedisSyncStore, store).pipe(Context.add(SyncStore.SyncStore, store)))
  )

/**
 * The store as a layer, its options read from configuration, e.g.
 * `Config.map(Config.string("REDIS_URL"), (redis) => ({ redis }))`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<Options>
): Layer.Layer<RedisSyncStore | SyncStore.SyncStore, SyncStore.StorageError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(config, layer))
