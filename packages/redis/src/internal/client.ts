/**
 * What a store is given to reach Redis (a URL, client options, a KeyvRedis, a client of
 * `@redis/client`), and the connection opened from it: shared by the stores of the package.
 */
import type KeyvRedis from "@keyv/redis"
import {
  createClient,
  createCluster,
  createSentinel,
  type RedisClientConnectionType,
  type RedisClientOptions,
  type RedisClusterOptions
} from "@keyv/redis"
import { Duration, Effect, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { type ClientLike, type Connection, makeConnection } from "./connection.js"

/**
 * What the store talks to Redis through: a URL, client options, a `KeyvRedis`, a `Keyv` over a
 * `KeyvRedis`, or a client, cluster or sentinel of `@redis/client`.
 *
 * @since 0.1.0
 * @category models
 */
export type RedisInput =
  | string
  | RedisClientOptions
  | KeyvRedis<any>
  | { readonly store: KeyvRedis<any> }
  | RedisClientConnectionType

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `redis://127.0.0.1:6379` by default */
  readonly redis?: RedisInput
  /** the first part of every key; "syncalite" by default */
  readonly prefix?: string
  /** how long a command may go unanswered before it fails with a StorageError; 2 seconds by default */
  readonly commandTimeout?: Duration.DurationInput
  /** how long building the store waits for a connection; 5 seconds by default */
  readonly connectTimeout?: Duration.DurationInput
}

const defaultUrl = "redis://127.0.0.1:6379"

/** For connections the store creates: reconnect quickly, and never queue commands while offline. */
const resilient = (options: RedisClientOptions, connectTimeout: number): RedisClientOptions =>
  ({
    disableOfflineQueue: true,
    ...options,
    socket: {
      connectTimeout,
      reconnectStrategy: (retries: number) => Math.min(25 * 2 ** retries, 500),
      ...options.socket
    }
  }) as RedisClientOptions

const isClient = (input: object): input is RedisClientConnectionType =>
  typeof (input as { sendCommand?: unknown }).sendCommand === "function" &&
  typeof (input as { connect?: unknown }).connect === "function"

/**
 * The options of a cluster from a `redis+cluster://[user:password@]host:port[,host:port…]` URL
 * (`rediss+cluster://` for TLS): the nodes to discover the cluster from, credentials for every
 * node.
 *
 * @since 0.1.0
 * @category constructors
 */
export const clusterOptions = (url: string): RedisClusterOptions => {
  const found = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/.exec(url)
  if (found === null) {
    throw new TypeError(`Not a Redis Cluster URL: ${url.replace(/\/\/[^@/]*@/, "//")} (expected redis+cluster://host:port[,host:port…])`)
  }
  const [, scheme, credentials, hosts] = found
  const rootNodes = hosts!.split(",").map((host) => {
    if (!/^[^:,\s]+:\d+$/.test(host) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(host)) {
      throw new TypeError(`Not a host:port of a Redis Cluster URL: ${host}`)
    }
    return { url: `${scheme}://${host}` }
  })
  if (credentials === undefined) return { rootNodes }
  const [username, password] = credentials.includes(":")
    ? [credentials.slice(0, credentials.indexOf(":")), credentials.slice(credentials.indexOf(":") + 1)]
    : [undefined, credentials]
  return {
    rootNodes,
    defaults: {
      ...(username ? { username: decodeURIComponent(username) } : {}),
      password: decodeURIComponent(password!)
    }
  }
}

/** A cluster the store creates: each node's connection as `resilient` makes a single one. */
const resilientCluster = (options: RedisClusterOptions, connectTimeout: number): RedisClusterOptions => ({
  ...options,
  defaults: resilient((options.defaults ?? {}) as RedisClientOptions, connectTimeout) as NonNullable<RedisClusterOptions["defaults"]>
})

/** A KeyvRedis (by shape: its class is not reachable the same way from ESM and CommonJS). */
const isKeyvRedis = (input: object): input is KeyvRedis<any> =>
  typeof (input as { getClient?: unknown }).getClient === "function" && "client" in input

/** The client of an input, and whether the store created it. */
const clientOf = (input: RedisInput, connectTimeout: number): { client: ClientLike; created: boolean } => {
  if (typeof input === "string") {
    const client = /^rediss?\+cluster:/.test(input)
      ? createCluster(resilientCluster(clusterOptions(input), connectTimeout))
      : createClient(resilient({ url: input }, connectTimeout))
    return { client: client as unknown as ClientLike, created: true }
  }
  if (isClient(input)) return { client: input as unknown as ClientLike, created: false }
  if (isKeyvRedis(input)) return { client: input.client as unknown as ClientLike, created: false }
  const store = (input as { store?: unknown }).store
  if (typeof store === "object" && store !== null && isKeyvRedis(store)) {
    return { client: store.client as unknown as ClientLike, created: false }
  }
  const options = input as RedisClientOptions & { rootNodes?: unknown; sentinelRootNodes?: unknown }
  const client = options.rootNodes !== undefined
    ? createCluster(resilientCluster(options as unknown as RedisClusterOptions, connectTimeout))
    : options.sentinelRootNodes !== undefined
    ? createSentinel(options as unknown as Parameters<typeof createSentinel>[0])
    : createClient(resilient(options, connectTimeout))
  return { client: client as unknown as ClientLike, created: true }
}

const close = (client: ClientLike): Promise<void> =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000)
    client.close().catch(() => undefined).finally(() => {
      clearTimeout(timer)
      resolve()
    })
  }).then(() => {
    if (client.isOpen) {
      try {
        void Promise.resolve(client.destroy()).catch(() => undefined)
      } catch {
        // already gone
      }
    }
  })

/** Connects the client unless it is open; answers whether this opened it (and so must close it). */
const connect = (client: ClientLike, timeout: number, where: string): Promise<boolean> => {
  if (client.isOpen) return Promise.resolve(false)
  return new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => {
      void close(client)
      reject(new Error(`no connection within ${timeout} ms`))
    }, timeout)
    client.connect().then(
      () => {
        clearTimeout(timer)
        resolve(true)
      },
      (error) => {
        clearTimeout(timer)
        void close(client)
        reject(error)
      }
    )
  }).catch((error) => {
    throw new SyncStore.StorageError({
      message: `Could not connect to Redis${where}: ${error instanceof Error ? error.message : String(error)}`,
      cause: error
    })
  })
}

const millis = (input: Duration.DurationInput | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(Duration.decode(input))
/**
 * The connection a store talks through, released with the scope: a client the store created or
 * opened is closed then; one that was already open is left to its owner.
 */
export const open = (
  options: Options
): Effect.Effect<{ readonly client: RedisClientConnectionType; readonly connection: Connection; readonly prefix: string }, SyncStore.StorageError, Scope.Scope> =>
  Effect.gen(function*() {
    const prefix = options.prefix ?? "syncalite"
    if (/[{}]/.test(prefix)) {
      return yield* Effect.fail(new SyncStore.StorageError({ message: `The key prefix may not contain braces: ${prefix}` }))
    }
    const connectTimeout = millis(options.connectTimeout, 5000)
    const commandTimeout = millis(options.commandTimeout, 2000)
    const input = options.redis ?? defaultUrl
    const where = typeof input === "string" ? ` at ${input.replace(/\/\/[^@/]*@/, "//")}` : ""
    // a client's "error" events are reported through the calls that fail; unheard, they would crash the process
    const ignore = () => undefined
    const client = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const { client, created } = clientOf(input, connectTimeout)
          // (left on a client that failed to connect: it may still report the failure)
          client.on("error", ignore)
          const opened = await connect(client, connectTimeout, where)
          return { client, owned: created || opened }
        },
        catch: (error) =>
          error instanceof SyncStore.StorageError
            ? error
            : error instanceof TypeError
            ? new SyncStore.StorageError({ message: error.message, cause: error })
            : new SyncStore.StorageError({ message: `Could not create the Redis client${where}`, cause: error })
      }),
      ({ client, owned }) =>
        Effect.promise(async () => {
          if (owned) await close(client)
          client.off("error", ignore)
        })
    )
    const connection = yield* Effect.acquireRelease(
      Effect.sync(() => makeConnection(client.client, commandTimeout)),
      (connection) => Effect.sync(() => connection.dispose())
    )
    return { client: client.client as unknown as RedisClientConnectionType, connection, prefix }
  })
