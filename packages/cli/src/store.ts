/**
 * `SYNCALITE_STORE`: where the server keeps its state.
 *
 *   memory                      in this process only
 *   sqlite:<path>               a SQLite file, shared by every process on the machine
 *   redis://host:port           a Redis server, shared by every process that reaches it
 *   redis+cluster://host:port[,host:port…]   a Redis Cluster, discovered from these nodes
 *
 * A Redis store carries Cognito Streams too: pools that stream do so to Redis Streams.
 *
 * Each scheme maps to a function building the store layer from the whole value; an adapter is
 * loaded only when its scheme is used. A store layer may give a `PushHub` too (Redis does).
 */
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import { type Duration, Layer } from "effect"
import type { StreamPublisher } from "@syncalite/core"
import { SyncStore } from "@syncalite/core"
import { IdentityStore } from "@syncalite/identity"
import { ConfigError, maskedStore } from "./config.js"

/** A store, and for a store that carries them, Cognito Streams. */
type StoreLayer = Layer.Layer<SyncStore.SyncStore, unknown> | Layer.Layer<SyncStore.SyncStore | StreamPublisher.StreamPublisher, unknown>

/**
 * @since 0.1.0
 * @category models
 */
export interface StoreOptions {
  /** the first part of every key in a Redis store (`SYNCALITE_REDIS_PREFIX`) */
  readonly redisPrefix?: string | undefined
  /** how long a bulk publish lease lasts unrenewed in a Redis store (`SYNCALITE_BULK_LEASE`); 30 seconds by default */
  readonly bulkLease?: Duration.DurationInput | undefined
}

/**
 * A Redis store carries its push hub, so that every process on the Redis fans out to every other's
 * event streams, and Cognito Streams on Redis Streams under the same prefix.
 */
const redis = async (spec: string, options: StoreOptions) => {
  const { RedisPushHub, RedisStreamPublisher } = await import("@syncalite/redis")
  return RedisStreamPublisher.layer(options.bulkLease === undefined ? {} : { leaseTtl: options.bulkLease }).pipe(Layer.provideMerge(RedisPushHub.layerStore(redisOptions(spec, options))))
}

const redisOptions = (spec: string, options: StoreOptions) =>
  options.redisPrefix === undefined ? { redis: spec } : { redis: spec, prefix: options.redisPrefix }

const redisIdentities = async (spec: string, options: StoreOptions) =>
  (await import("@syncalite/redis")).RedisIdentityStore.layer(redisOptions(spec, options))

/** Where Cognito Identity's state lives for each scheme: beside the sync store, in the same file or Redis. */
const identityAdapters: {
  readonly [scheme: string]: (spec: string, options: StoreOptions) => Promise<Layer.Layer<IdentityStore.IdentityStore, unknown>>
} = {
  memory: async () => IdentityStore.layerMemory,
  sqlite: async (spec) => (await import("@syncalite/sqlite")).SqliteIdentityStore.layer(spec.slice("sqlite:".length)),
  redis: redisIdentities,
  rediss: redisIdentities,
  "redis+cluster": redisIdentities,
  "rediss+cluster": redisIdentities
}

/** The store of each installed scheme, built from the whole `SYNCALITE_STORE` value. */
const adapters: {
  readonly [scheme: string]: (spec: string, options: StoreOptions) => StoreLayer | Promise<StoreLayer>
} = {
  memory: () => SyncStore.layerMemory,
  sqlite: async (spec) => {
    const path = spec.slice("sqlite:".length)
    if (path === "") throw new ConfigError(`SYNCALITE_STORE=${spec} names no file; give the database file, as in sqlite:./data/syncalite.db`)
    if (path !== ":memory:") {
      await mkdir(dirname(path), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
        throw new ConfigError(`SYNCALITE_STORE=${spec}: the folder ${dirname(path)} cannot be made (${error.code}); give a path where you may write`)
      })
    }
    return (await import("@syncalite/sqlite")).SqliteSyncStore.layer(path)
  },
  redis,
  rediss: redis,
  "redis+cluster": redis,
  "rediss+cluster": redis
}

const schemeOf = (spec: string) => (spec.includes(":") ? spec.slice(0, spec.indexOf(":")) : spec)

/**
 * The store layer a `SYNCALITE_STORE` value names; a clear error for anything else.
 *
 * @since 0.1.0
 * @category constructors
 */
export const storeLayer = async (spec: string, options: StoreOptions = {}): Promise<StoreLayer> => {
  const scheme = schemeOf(spec)
  if (Object.hasOwn(adapters, scheme)) return adapters[scheme]!(spec, options)
  throw new ConfigError(`SYNCALITE_STORE=${maskedStore(spec)} is not a store URL; give memory, sqlite:<path>, redis://host:port or redis+cluster://host:port[,host:port…] (--store or SYNCALITE_STORE)`)
}

/**
 * The layer of Cognito Identity's state beside the store a `SYNCALITE_STORE` value names, which
 * `storeLayer` has accepted.
 *
 * @since 0.1.0
 * @category constructors
 */
export const identityStoreLayer = (spec: string, options: StoreOptions = {}): Promise<Layer.Layer<IdentityStore.IdentityStore, unknown>> =>
  identityAdapters[schemeOf(spec)]!(spec, options)
