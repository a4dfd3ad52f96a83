/**
 * Cognito Sync storage over any Keyv 5 instance: bring the `Keyv` you already have, with whatever
 * store it uses, and syncalite keeps its datasets there under Keyv's namespace.
 *
 * `SyncStore.fromDriver` needs one atomic step from a store: a compare-and-set of one key's
 * version. Keyv has none, so this adapter reaches past Keyv to the store where the store can do
 * it natively, and is atomic across processes there:
 *
 * | store | compare-and-set |
 * | --- | --- |
 * | `@keyv/sqlite` | a conditional `INSERT`/`UPDATE` through the store's own connection |
 * | `@keyv/postgres` | a conditional `INSERT`/`UPDATE` through the store's own pool |
 * | `@keyv/redis` | `SET NX`, and a Lua script through the store's own client |
 * | Keyv's in-memory `Map` | a lock in this process (the map lives in this process anyway) |
 * | any other store | a lock in this process: **not safe when two processes write to the same store** |
 *
 * Over any other store — or when the Keyv instance uses compression or a serialiser that does not
 * write JSON — commits are serialised inside this process only, and the adapter says so with a
 * process warning (`SYNCALITE_KEYV_NO_COMPARE_AND_SET`), once per store. Use one process, or one of
 * the stores above, or `@syncalite/sqlite` / `@syncalite/redis`.
 *
 * Values are `{ version, value }` with the document as JSON text in `value`, stored as Keyv
 * stores them (`keyv.get(key)` reads them); they never expire whatever the Keyv's default `ttl`,
 * and are validated when read: anything else under one of these keys is a `StorageError` naming
 * the key.
 *
 * @example
 * ```ts
 * import Keyv from "keyv"
 * import KeyvPostgres from "@keyv/postgres"
 * import { createCognitoSync } from "@syncalite/core"
 * import { KeyvSyncStore } from "@syncalite/keyv"
 *
 * const keyv = new Keyv(new KeyvPostgres("postgres://postgres@localhost:5432/app"))
 * const sync = createCognitoSync({ store: KeyvSyncStore.layer(keyv) })
 * // …
 * await sync.close() // disconnects the Keyv
 * ```
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { Effect, Layer } from "effect"
import type { Keyv } from "keyv"
import { SyncStore } from "@syncalite/core"
import {
  adapterBackend,
  type Backend,
  type CompareAndSetKind,
  isPostgresStore,
  isRedisStore,
  isSqliteStore,
  isStoreAdapter,
  mapBackend,
  postgresBackend,
  redisBackend,
  sqliteBackend,
  type VersionPrefix
} from "./internal/backends.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** prepended to every key syncalite writes, inside the Keyv namespace; `"syncalite/"` by default */
  readonly prefix?: string
  /**
   * where the warning about a store without compare-and-set goes; `process.emitWarning` by
   * default. It is given once per store object.
   */
  readonly onWarning?: (message: string) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions extends Options {
  /** whether the layer's scope ends with `keyv.disconnect()`; true by default */
  readonly disconnect?: boolean
}

/**
 * How the adapter makes a commit atomic over a Keyv instance's store.
 *
 * @since 0.1.0
 * @category models
 */
export interface Atomicity {
  readonly compareAndSet: CompareAndSetKind
  /** whether commits through two processes sharing the store are atomic with each other */
  readonly acrossProcesses: boolean
  /** why the store's native compare-and-set is not used, when it is not */
  readonly reason?: string
}

/**
 * The code of the process warning emitted over a store without compare-and-set.
 *
 * @since 0.1.0
 * @category constants
 */
export const warningCode = "SYNCALITE_KEYV_NO_COMPARE_AND_SET"

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } => typeof u === "object" && u !== null

const describe = (u: unknown): string => (u instanceof Error ? u.message : String(u))

/**
 * The version prefix of the Keyv's serialiser, when it writes our envelope as JSON with the
 * version first (Keyv's default does: `{"value":{"version":3,"value":…}}`); a string comparison of
 * that prefix is then the whole version check, in SQL or Lua, without parsing the document.
 */
const versionPrefixOf = (keyv: Keyv): VersionPrefix | string => {
  if (keyv.opts.compression !== undefined && keyv.opts.compression !== null && keyv.opts.compression !== false) {
    return "the Keyv instance compresses values"
  }
  const serialize = keyv.serialize
  if (typeof serialize !== "function") return "the Keyv instance does not serialise values"
  const template = (version: number) => `{"value":{"version":${version},`
  for (const version of [7, 4096]) {
    let out: unknown
    try {
      out = serialize({ value: { version, value: "{\"probe\":\":\"}" }, expires: undefined })
    } catch {
      out = undefined
    }
    if (typeof out !== "string" || !out.startsWith(template(version))) {
      return "the Keyv instance's serialiser does not write JSON with the version first"
    }
  }
  return template
}

interface Resolved {
  readonly backend: Backend
  readonly reason?: string
  /** the longest key the store accepts, when it has a limit */
  readonly keySize?: number
}

const keySizeOf = (store: { readonly opts: { readonly keySize?: number } }): number => {
  const size = Number(store.opts.keySize ?? 255)
  return Number.isFinite(size) && size > 0 ? size : 255
}

/** The store's own compare-and-set, when it is one of the stores that have one. */
const nativeBackend = (store: unknown, prefix: VersionPrefix): Omit<Resolved, "reason"> | undefined =>
  isSqliteStore(store)
    ? { backend: sqliteBackend(store, prefix), keySize: keySizeOf(store) }
    : isPostgresStore(store)
    ? { backend: postgresBackend(store, prefix), keySize: keySizeOf(store) }
    : isRedisStore(store)
    ? { backend: redisBackend(store, prefix) }
    : undefined

const resolve = (keyv: Keyv, versionOf: (key: string, raw: unknown) => Promise<number | undefined>): Resolved => {
  const store: unknown = keyv.store
  if (store instanceof Map) return { backend: mapBackend(store, versionOf) }
  if (!isStoreAdapter(store)) throw new TypeError("KeyvSyncStore: the Keyv instance has no usable store")
  const prefix = versionPrefixOf(keyv)
  const native = typeof prefix === "string" ? undefined : nativeBackend(store, prefix)
  if (native !== undefined) return native
  const knownStore = isSqliteStore(store) || isPostgresStore(store) || isRedisStore(store)
  const reason = knownStore && typeof prefix === "string" ? prefix : "the store offers no compare-and-set that syncalite knows"
  return { backend: adapterBackend(store, versionOf), reason }
}

const warned = new WeakSet<object>()

/**
 * What is stored under a key: the version, and the document as JSON text. Keyv's default
 * serialiser walks every value of an object in JavaScript, and reads it back through a reviver
 * called for every value; one string is a single step either way, so documents of thousands of
 * values cost no more to store than their native JSON.
 */
interface Envelope {
  readonly version: number
  readonly text: string
}

const isVersion = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u > 0

/**
 * The driver of `SyncStore.fromDriver` over a Keyv instance.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromKeyv = (keyv: Keyv, options: Options = {}): SyncStore.SyncStoreDriver => {
  const prefix = options.prefix ?? "syncalite/"

  const unreadable = (key: string, why: string, cause?: unknown) =>
    new SyncStore.StorageError({ message: `Unreadable value under key ${key}: ${why}`, key, ...(cause === undefined ? {} : { cause }) })

  const envelopeOf = async (key: string, raw: unknown): Promise<Envelope | undefined> => {
    if (raw === undefined || raw === null) return undefined
    let data: unknown
    try {
      data = typeof raw === "string" || keyv.opts.compression ? await keyv.deserializeData(raw as string) : raw
    } catch (cause) {
      throw unreadable(key, describe(cause), cause)
    }
    const envelope = isRecord(data) ? data.value : undefined
    if (!isRecord(envelope) || !isVersion(envelope.version) || typeof envelope.value !== "string") {
      throw unreadable(key, "not a syncalite value")
    }
    return { version: envelope.version, text: envelope.value }
  }

  const decode = async (key: string, raw: unknown): Promise<SyncStore.Versioned | undefined> => {
    const envelope = await envelopeOf(key, raw)
    if (envelope === undefined) return undefined
    try {
      return { version: envelope.version, value: JSON.parse(envelope.text) }
    } catch (cause) {
      throw unreadable(key, describe(cause), cause)
    }
  }

  const { backend, keySize, reason } = resolve(keyv, async (key, raw) => (await envelopeOf(key, raw))?.version)

  if (reason !== undefined && backend.kind === "process" && !warned.has(keyv.store)) {
    warned.add(keyv.store)
    const message = `syncalite: this Keyv store offers no atomic compare-and-set (${reason}). ` +
      "Commits are serialised inside this process only: two processes writing through this store can lose updates. " +
      "Use one process, or @keyv/sqlite, @keyv/postgres or @keyv/redis with Keyv's default serialiser, " +
      "or @syncalite/sqlite or @syncalite/redis."
    if (options.onWarning !== undefined) options.onWarning(message)
    else process.emitWarning(message, { code: warningCode })
  }

  const namespaced = (key: string): string => {
    const namespace = keyv.namespace
    return keyv.useKeyPrefix && namespace ? `${namespace}:${key}` : key
  }
  /** the key as the store sees it; one too long for the store's key column ends in a hash instead */
  const storageKey = (key: string): string => {
    const full = namespaced(prefix + key)
    if (keySize === undefined || full.length <= keySize) return full
    const hash = createHash("sha256").update(prefix + key).digest("base64url")
    const room = keySize - (full.length - key.length) - hash.length - 1
    if (room < 0) throw new SyncStore.StorageError({ message: `The key ${key} does not fit the store's ${keySize} characters`, key })
    return namespaced(`${prefix}${key.slice(0, room)}#${hash}`)
  }

  const call = <A>(what: string, key: string, run: () => Promise<A>): Effect.Effect<A, SyncStore.StorageError> =>
    Effect.tryPromise({
      try: run,
      catch: (cause) =>
        cause instanceof SyncStore.StorageError
          ? cause
          : new SyncStore.StorageError({ message: `Keyv ${backend.kind} store: ${what} ${key} failed: ${describe(cause)}`, key, cause })
    })

  const serialize = async (version: number, value: unknown): Promise<unknown> =>
    keyv.serializeData({ value: { version, value: JSON.stringify(value) }, expires: undefined })

  return {
    trusted: false,
    get: (key) =>
      call("reading", key, async () => {
        const [raw] = await backend.get([storageKey(key)])
        return decode(key, raw)
      }),
    getMany: (keys) =>
      keys.length === 0 ? Effect.succeed([]) : call("reading", keys.join(", "), async () => {
        const raws = await backend.get(keys.map(storageKey))
        const values: Array<SyncStore.Versioned | undefined> = []
        for (let i = 0; i < keys.length; i++) values.push(await decode(keys[i]!, raws[i]))
        return values
      }),
    compareAndSet: (key, expected, value) =>
      call("writing", key, async () => {
        const raw = await serialize((expected ?? 0) + 1, value)
        return expected === undefined
          ? backend.insert(storageKey(key), raw)
          : backend.replace(storageKey(key), expected, raw)
      }),
    delete: (key) => call("deleting", key, () => backend.delete(storageKey(key)))
  }
}

/**
 * How commits over this Keyv instance are made atomic, and whether across processes.
 *
 * @since 0.1.0
 * @category accessors
 */
export const atomicity = (keyv: Keyv): Atomicity => {
  const { backend, reason } = resolve(keyv, async () => undefined)
  return reason === undefined
    ? { compareAndSet: backend.kind, acrossProcesses: backend.acrossProcesses }
    : { compareAndSet: backend.kind, acrossProcesses: backend.acrossProcesses, reason }
}

/**
 * The store over a Keyv instance.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (keyv: Keyv, options: Options = {}): SyncStore.SyncStoreShape => SyncStore.fromDriver(fromKeyv(keyv, options))

/**
 * The store over a Keyv instance, as a layer whose scope disconnects the Keyv (unless
 * `disconnect: false`). Give it to `createCognitoSync({ store })`, whose `close()` ends that scope.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (keyv: Keyv, options: LayerOptions = {}): Layer.Layer<SyncStore.SyncStore> =>
  Layer.scoped(
    SyncStore.SyncStore,
    Effect.acquireRelease(
      Effect.sync(() => make(keyv, options)),
      () => options.disconnect === false ? Effect.void : Effect.ignore(Effect.tryPromise(() => keyv.disconnect()))
    )
  )
