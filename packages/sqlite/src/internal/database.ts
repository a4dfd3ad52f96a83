/**
 * Where a database is and how it is opened, shared by the stores of the package: a file name, a
 * `sqlite://` URI or a `@keyv/sqlite` store resolved to a path; WAL, the durability and the busy
 * timeout set on every connection.
 */
import Database from "better-sqlite3"
import { Effect, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { storageError } from "./store.js"

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
    throw new TypeError("SQLite: `keyv` is neither a KeyvSqlite nor a Keyv over one")
  }
  const path = options.path ?? (options.uri === undefined ? undefined : fromUri(options.uri)) ??
    (keyv === undefined ? undefined : keyv.opts.db ?? fromUri(keyv.opts.uri ?? ""))
  if (path === undefined || path === "") throw new TypeError("SQLite: no database given (path, uri or keyv)")
  return {
    path,
    busyTimeout: options.busyTimeout ?? keyv?.opts.busyTimeout ?? defaultBusyTimeout,
    synchronous: options.synchronous ?? "NORMAL"
  }
}

/** Opens the connection: WAL, the chosen durability, the busy timeout, then `prepare` (the tables). */
const open = ({ busyTimeout, path, synchronous }: Resolved, prepare: (db: Database.Database) => void): Database.Database => {
  const db = new Database(path, { timeout: busyTimeout })
  try {
    const mode = db.pragma("journal_mode = WAL", { simple: true })
    if (mode !== "wal" && !(db.memory && mode === "memory")) {
      throw new SyncStore.StorageError({ message: `SQLite: ${path} cannot be put in WAL mode (it stays in ${String(mode)} mode)` })
    }
    db.pragma(`synchronous = ${synchronous}`)
    prepare(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/** A connection open for the scope, its tables prepared, and the busy timeout it waits for locks. */
export const connect = (
  database: DatabaseInput,
  prepare: (db: Database.Database) => void
): Effect.Effect<{ readonly db: Database.Database; readonly busyTimeout: number }, SyncStore.StorageError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const resolved = resolve(database)
        return { db: open(resolved, prepare), busyTimeout: resolved.busyTimeout }
      },
      catch: (cause) =>
        cause instanceof TypeError
          ? new SyncStore.StorageError({ message: cause.message, cause })
          : storageError("opening the database", undefined, cause, defaultBusyTimeout)
    }),
    ({ db }) => Effect.sync(() => db.close())
  )
