import { createHash } from "node:crypto"

/**
 * How the driver reaches one kind of Keyv store: raw reads of storage keys, and the two halves of
 * a compare-and-set — an insert that succeeds only where the key is absent, and a replace that
 * succeeds only where the stored value is still at a given version.
 */
export interface Backend {
  readonly kind: CompareAndSetKind
  readonly acrossProcesses: boolean
  /** the raw stored values (strings as Keyv serialised them), undefined where absent */
  readonly get: (keys: ReadonlyArray<string>) => Promise<ReadonlyArray<unknown>>
  readonly insert: (key: string, raw: unknown) => Promise<boolean>
  readonly replace: (key: string, version: number, raw: unknown) => Promise<boolean>
  readonly delete: (key: string) => Promise<void>
}

export type CompareAndSetKind = "sqlite" | "postgres" | "redis" | "map" | "process"

/** The version of a raw stored value, for the backends that check it in this process. */
export type VersionOf = (key: string, raw: unknown) => Promise<number | undefined>

/** A queue per key: bodies for one key run one after another, bodies for other keys freely. */
export const keyedLock = () => {
  const tails = new Map<string, Promise<void>>()
  return async <A>(key: string, body: () => Promise<A>): Promise<A> => {
    const previous = tails.get(key)
    let release!: () => void
    const done = new Promise<void>((resolve) => (release = resolve))
    const tail = previous === undefined ? done : previous.then(() => done)
    tails.set(key, tail)
    if (previous !== undefined) await previous
    try {
      return await body()
    } finally {
      release()
      if (tails.get(key) === tail) tails.delete(key)
    }
  }
}

type KeyedLock = ReturnType<typeof keyedLock>

// one lock per store object, so that every driver over one Keyv store in this process shares it
const locks = new WeakMap<object, KeyedLock>()
const lockOf = (store: object): KeyedLock => {
  let lock = locks.get(store)
  if (lock === undefined) {
    lock = keyedLock()
    locks.set(store, lock)
  }
  return lock
}

const absent = (raw: unknown): boolean => raw === undefined || raw === null

/** Compare-and-set by a lock in this process around a read and a write. */
export const lockedBackend = (
  kind: "map" | "process",
  store: object,
  calls: {
    readonly get: (keys: ReadonlyArray<string>) => Promise<ReadonlyArray<unknown>>
    readonly set: (key: string, raw: unknown) => Promise<unknown>
    readonly delete: (key: string) => Promise<unknown>
  },
  versionOf: VersionOf
): Backend => {
  const lock = lockOf(store)
  return {
    kind,
    acrossProcesses: false,
    get: calls.get,
    insert: (key, raw) =>
      lock(key, async () => {
        const [current] = await calls.get([key])
        if (!absent(current)) return false
        await calls.set(key, raw)
        return true
      }),
    replace: (key, version, raw) =>
      lock(key, async () => {
        const [current] = await calls.get([key])
        if (absent(current) || (await versionOf(key, current)) !== version) return false
        await calls.set(key, raw)
        return true
      }),
    delete: (key) => lock(key, async () => void (await calls.delete(key)))
  }
}

/** Keyv's in-memory `Map`: in this process by nature, so a lock in this process is the whole story. */
export const mapBackend = (map: Map<string, unknown>, versionOf: VersionOf): Backend =>
  lockedBackend("map", map, {
    get: async (keys) => keys.map((key) => map.get(key)),
    set: async (key, raw) => map.set(key, raw),
    delete: async (key) => map.delete(key)
  }, versionOf)

/** The adapter interface of Keyv 5, as much of it as the driver calls. */
export interface StoreAdapter {
  readonly get: (key: string) => Promise<unknown>
  readonly getMany?: (keys: Array<string>) => Promise<ReadonlyArray<unknown>>
  readonly set: (key: string, value: unknown, ttl?: number) => unknown
  readonly delete: (key: string) => unknown
}

/** Any other Keyv store: its own get/set/delete, serialised by a lock in this process. */
export const adapterBackend = (store: StoreAdapter, versionOf: VersionOf): Backend =>
  lockedBackend("process", store, {
    get: async (keys) =>
      keys.length === 1
        ? [await store.get(keys[0]!)]
        : typeof store.getMany === "function"
        ? await store.getMany([...keys])
        : await Promise.all(keys.map((key) => store.get(key))),
    set: async (key, raw) => store.set(key, raw),
    delete: async (key) => store.delete(key)
  }, versionOf)

/** `@keyv/sqlite`: its query function, `query(sql, ...parameters)`. */
export interface SqliteStore {
  readonly query: (sql: string, ...parameters: Array<unknown>) => Promise<ReadonlyArray<{ readonly [column: string]: unknown }>>
  readonly opts: { readonly dialect: "sqlite"; readonly table: string; readonly keySize?: number }
}

/** `@keyv/postgres`: its query function, `query(sql, parameters)`. */
export interface PostgresStore {
  readonly query: (sql: string, parameters?: Array<unknown>) => Promise<ReadonlyArray<{ readonly [column: string]: unknown }>>
  readonly opts: { readonly dialect: "postgres"; readonly table: string; readonly schema: string; readonly keySize?: number }
}

/** `@keyv/redis`: its node-redis client and its own key prefixing. */
export interface RedisStore {
  readonly getClient: () => Promise<RedisClient>
  readonly createKeyPrefix: (key: string, namespace: string | undefined) => string
  readonly namespace?: string | undefined
  readonly isCluster?: () => boolean
}

export interface RedisClient {
  readonly get: (key: string) => Promise<string | null>
  readonly mGet: (keys: Array<string>) => Promise<ReadonlyArray<string | null>>
  readonly set: (key: string, value: string, options?: { readonly NX?: boolean }) => Promise<string | null>
  readonly del: (key: string) => Promise<number>
  readonly eval: (script: string, options: { keys: Array<string>; arguments: Array<string> }) => Promise<unknown>
  readonly evalSha: (sha: string, options: { keys: Array<string>; arguments: Array<string> }) => Promise<unknown>
}

const isRecord = (u: unknown): u is { readonly [key: string]: any } => typeof u === "object" && u !== null

export const isSqliteStore = (store: unknown): store is SqliteStore =>
  isRecord(store) && typeof store.query === "function" && isRecord(store.opts) && store.opts.dialect === "sqlite" &&
  typeof store.opts.table === "string"

export const isPostgresStore = (store: unknown): store is PostgresStore =>
  isRecord(store) && typeof store.query === "function" && isRecord(store.opts) && store.opts.dialect === "postgres" &&
  typeof store.opts.table === "string" && typeof store.opts.schema === "string"

export const isRedisStore = (store: unknown): store is RedisStore =>
  isRecord(store) && typeof store.getClient === "function" && typeof store.createKeyPrefix === "function"

export const isStoreAdapter = (store: unknown): store is StoreAdapter =>
  isRecord(store) && typeof store.get === "function" && typeof store.set === "function" && typeof store.delete === "function"

/**
 * The text every value stored at `version` starts with, for a serialiser that writes the version
 * first (Keyv's default: `{"value":{"version":3,"value":…}}`).
 */
export type VersionPrefix = (version: number) => string

const returned = (rows: ReadonlyArray<unknown>): boolean => rows.length > 0

/** `@keyv/sqlite`: a conditional INSERT and UPDATE through its own connection. */
export const sqliteBackend = (store: SqliteStore, prefix: VersionPrefix): Backend => {
  const table = store.opts.table
  return {
    kind: "sqlite",
    acrossProcesses: true,
    get: async (keys) => {
      if (keys.length === 1) {
        const rows = await store.query(`SELECT value FROM ${table} WHERE key = ?`, keys[0])
        return [rows[0]?.value]
      }
      const rows = await store.query(
        `SELECT key, value FROM ${table} WHERE key IN (SELECT value FROM json_each(?))`,
        JSON.stringify(keys)
      )
      const values = new Map(rows.map((row) => [row.key, row.value]))
      return keys.map((key) => values.get(key))
    },
    insert: async (key, raw) =>
      returned(
        await store.query(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING RETURNING key`, key, raw)
      ),
    replace: async (key, version, raw) => {
      const expected = prefix(version)
      return returned(
        await store.query(
          `UPDATE ${table} SET value = ? WHERE key = ? AND substr(value, 1, ?) = ? RETURNING key`,
          raw,
          key,
          expected.length,
          expected
        )
      )
    },
    delete: async (key) => void (await store.query(`DELETE FROM ${table} WHERE key = ?`, key))
  }
}

/** `@keyv/postgres`: a conditional INSERT and UPDATE through its pool. */
export const postgresBackend = (store: PostgresStore, prefix: VersionPrefix): Backend => {
  const table = `${store.opts.schema}.${store.opts.table}`
  return {
    kind: "postgres",
    acrossProcesses: true,
    get: async (keys) => {
      const rows = await store.query(`SELECT key, value FROM ${table} WHERE key = ANY($1)`, [[...keys]])
      const values = new Map(rows.map((row) => [row.key, row.value]))
      return keys.map((key) => values.get(key))
    },
    insert: async (key, raw) =>
      returned(
        await store.query(`INSERT INTO ${table} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`, [
          key,
          raw
        ])
      ),
    replace: async (key, version, raw) => {
      const expected = prefix(version)
      return returned(
        await store.query(`UPDATE ${table} SET value = $1 WHERE key = $2 AND left(value, $3) = $4 RETURNING key`, [
          raw,
          key,
          expected.length,
          expected
        ])
      )
    },
    delete: async (key) => void (await store.query(`DELETE FROM ${table} WHERE key = $1`, [key]))
  }
}

/** Replaces KEYS[1] with ARGV[2] if its value starts with ARGV[1]. */
const replaceScript = `local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, #ARGV[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`
const replaceSha = createHash("sha1").update(replaceScript).digest("hex")

/** `@keyv/redis`: SET NX, and a Lua script that replaces a value still at the expected version. */
export const redisBackend = (store: RedisStore, prefix: VersionPrefix): Backend => {
  const full = (key: string) => store.createKeyPrefix(key, store.namespace)
  const cluster = () => typeof store.isCluster === "function" && store.isCluster()
  return {
    kind: "redis",
    acrossProcesses: true,
    get: async (keys) => {
      const client = await store.getClient()
      // keys of one read may sit in different slots of a cluster
      const values = keys.length === 1 || cluster()
        ? await Promise.all(keys.map((key) => client.get(full(key))))
        : await client.mGet(keys.map(full))
      return values.map((value) => value ?? undefined)
    },
    insert: async (key, raw) => {
      const client = await store.getClient()
      return (await client.set(full(key), raw as string, { NX: true })) !== null
    },
    replace: async (key, version, raw) => {
      const client = await store.getClient()
      const call = { keys: [full(key)], arguments: [prefix(version), raw as string] }
      try {
        return Number(await client.evalSha(replaceSha, call)) === 1
      } catch (error) {
        if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error
        return Number(await client.eval(replaceScript, call)) === 1
      }
    },
    delete: async (key) => {
      const client = await store.getClient()
      await client.del(full(key))
    }
  }
}
