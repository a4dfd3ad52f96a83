/**
 * Cognito Sync storage in one SQLite file, shared by every process on the machine that opens it.
 *
 * The port is implemented natively on `better-sqlite3`, with a table per concept (dataset heads,
 * records keyed by dataset and key with an index on sync count, pools, devices, subscriptions):
 * a write costs what it touches, not what the dataset holds. Every commit runs inside a
 * `BEGIN IMMEDIATE` transaction, reads the dataset's head and the records it names and asks
 * core's `SyncStore.decideCommit` for the outcome, so processes sharing the file never both win
 * against one sync count, and a crash never leaves half a commit. Writes that come together
 * (many requests in flight) share one transaction, each in a savepoint of its own, and are
 * answered once it is committed: a write alone runs at once, in a transaction of its own.
 *
 * - WAL mode, so readers never wait for the writer; `synchronous=NORMAL` by default: a commit
 *   survives the death of any process (`kill -9` included), and only an operating-system crash or
 *   power loss can lose the last commits. `synchronous: "FULL"` makes those durable too, at about
 *   a fifth of the write rate.
 * - A file locked by another process's transaction is waited on for `busyTimeout` (5 s by
 *   default). better-sqlite3 is synchronous: that wait blocks this process's event loop, which is
 *   why transactions here are short and never wait on anything else.
 * - All processes must be on one machine (WAL needs shared memory): for many machines, use Redis.
 *
 * Give it what a `@keyv/sqlite` user already has: a file name, a `sqlite://` URI, or the
 * `KeyvSqlite` (or a `Keyv` over one), whose file it then shares, in tables of its own. A
 * `:memory:` database lives in this connection only.
 *
 * @example
 * ```ts
 * import { createCognitoSync } from "@syncalite/core"
 * import { SqliteSyncStore } from "@syncalite/sqlite"
 *
 * const sync = createCognitoSync({ store: SqliteSyncStore.layer("./data/sync.db") })
 * // …
 * await sync.close() // closes the database
 * ```
 *
 * @since 0.1.0
 */
import Database from "better-sqlite3"
import { Effect, Layer, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { makeSqliteStore, prepareSchema, storageError } from "./internal/store.js"

/**
 * What `@keyv/sqlite` exposes of its store: the file it opened.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeyvSqliteLike {
  readonly opts: { readonly dialect?: string; readonly db?: string; readonly uri?: string; readonly busyTimeout?: number }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** the database file; `":memory:"` for a database of this connection only */
  readonly path?: string
  /** a `sqlite://` URI, as `@keyv/sqlite` takes it */
  readonly uri?: string
  /** a `KeyvSqlite`, or a `Keyv` over one: its file is shared */
  readonly keyv?: KeyvSqliteLike | { readonly store: unknown }
  /** how long to wait for a lock held by another connection, in milliseconds; 5000 by default */
  readonly busyTimeout?: number
  /** `"NORMAL"` (the default) survives process crashes; `"FULL"` survives OS crashes too */
  readonly synchronous?: "NORMAL" | "FULL"
}

/**
 * Where the database is: a file name, a `sqlite://` URI, a `KeyvSqlite`, a `Keyv` over one, or options.
 *
 * @since 0.1.0
 * @category models
 */
export type DatabaseInput = string | KeyvSqliteLike | { readonly store: unknown } | Options

const defaultBusyTimeout = 5000

const isRecord = (u: unknown): u is { readonly [key: string]: any } => typeof u === "object" && u !== null

const isKeyvSqlite = (u: unknown): u is KeyvSqliteLike =>
  isRecord(u) && isRecord(u.opts) && u.opts.dialect === "sqlite" && (typeof u.opts.db === "string" || typeof u.opts.uri === "string")

const fromUri = (uri: string): string => uri.replace(/^sqlite:\/\//, "")

interface Resolved {
  readonly path: string
  readonly busyTimeout: number
  readonly synchronous: "NORMAL" | "FULL"
}

const keyvOf = (u: unknown): KeyvSqliteLike | undefined =>
  isKeyvSqlite(u) ? u : isRecord(u) && isKeyvSqlite(u.store) ? u.store : undefined

const resolve = (input: DatabaseInput): Resolved => {
  const given = keyvOf(input)
  const options: Options = typeof input === "string"
    ? input.startsWith("sqlite://") ? { uri: input } : { path: input }
    : given !== undefined
    ? { keyv: given }
    : input as Options
  const keyv = options.keyv === undefined ? undefined : keyvOf(options.keyv)
  if (options.keyv !== undefined && keyv === undefined) {
    throw new TypeError("SqliteSyncStore: `keyv` is neither a KeyvSqlite nor a Keyv over one")
  }
  const path = options.path ?? (options.uri === undefined ? undefined : fromUri(options.uri)) ??
    (keyv === undefined ? undefined : keyv.opts.db ?? fromUri(keyv.opts.uri ?? ""))
  if (path === undefined || path === "") throw new TypeError("SqliteSyncStore: no database given (path, uri or keyv)")
  return {
    path,
    busyTimeout: options.busyTimeout ?? keyv?.opts.busyTimeout ?? defaultBusyTimeout,
    synchronous: options.synchronous ?? "NORMAL"
  }
}

/** Opens the connection: WAL, the chosen durability, the busy timeout, the tables. */
const open = ({ busyTimeout, path, synchronous }: Resolved): Database.Database => {
  const db = new Database(path, { timeout: busyTimeout })
  try {
    const mode = db.pragma("journal_mode = WAL", { simple: true })
    if (mode !== "wal" && !(db.memory && mode === "memory")) {
      throw new SyncStore.StorageError({ message: `SQLite: ${path} cannot be put in WAL mode (it stays in ${String(mode)} mode)` })
    }
    db.pragma(`synchronous = ${synchronous}`)
    prepareSchema(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * The store over a SQLite database, open for the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (database: DatabaseInput): Effect.Effect<SyncStore.SyncStoreShape, SyncStore.StorageError, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.try({
        try: () => {
          const resolved = resolve(database)
          return { db: open(resolved), busyTimeout: resolved.busyTimeout }
        },
        catch: (cause) =>
          cause instanceof TypeError
            ? new SyncStore.StorageError({ message: cause.message, cause })
            : storageError("opening the database", undefined, cause, defaultBusyTimeout)
      }),
      ({ db }) => Effect.sync(() => db.close())
    ),
    ({ busyTimeout, db }) => makeSqliteStore(db, busyTimeout)
  )

/**
 * The store over a SQLite database, as a layer whose scope closes the database. Give it to
 * `createCognitoSync({ store })`, whose `close()` ends that scope.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (database: DatabaseInput): Layer.Layer<SyncStore.SyncStore, SyncStore.StorageError> =>
  Layer.scoped(SyncStore.SyncStore, make(database))
