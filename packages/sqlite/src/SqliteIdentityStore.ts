/**
 * Cognito Identity state (pools, identities, login links, the signing key) in a SQLite file,
 * atomic across every process on the machine that opens it.
 *
 * The documents of `IdentityStore.fromDriver` live in a table of their own,
 * `syncalite_identity (key, version, value)`, beside the sync store's tables when given the same
 * file; each operation of the port runs inside one SQLite transaction (`BEGIN IMMEDIATE` when it
 * writes), so it is one atomic step for every connection, however many keys it touches: two
 * devices calling GetId for one new login get one identity, and a merge or a deletion is done
 * whole or not at all, even when the process dies in the middle.
 *
 * The database is given as to `SqliteSyncStore`: a file name, a `sqlite://` URI, a `KeyvSqlite`
 * (or a `Keyv` over one), or options; the store opens a connection of its own, in WAL mode, and
 * waits `busyTimeout` for a lock another connection holds (blocking this process's event loop,
 * as better-sqlite3 does: the transactions are short).
 *
 * @example
 * ```ts
 * import { SqliteIdentityStore } from "@syncalite/sqlite"
 *
 * const identities = SqliteIdentityStore.layer("./data/sync.db")
 * ```
 *
 * @since 0.1.0
 */
import type Database from "better-sqlite3"
import { Effect, Exit, Layer, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { IdentityStore } from "@syncalite/identity"
import { connect, type DatabaseInput } from "./internal/database.js"
import { storageError } from "./internal/store.js"

const table = `
CREATE TABLE IF NOT EXISTS syncalite_identity (
  key TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;`

/** the operations of the port that only read: their transaction is deferred, and never waits for a writer */
const reads = new Set<keyof IdentityStore.IdentityStoreShape>(["readPool", "listPools", "readIdentity", "listIdentities", "findLogin"])

/** thrown inside a transaction to roll it back when the operation failed */
const rollback = Symbol("rollback")

/** The driver over the table: every statement synchronous, so that one operation fits in one transaction. */
const driverOf = (db: Database.Database, busyTimeout: number): SyncStore.SyncStoreDriver => {
  const select = db.prepare<[string], { version: number; value: string }>("SELECT version, value FROM syncalite_identity WHERE key = ?")
  const insert = db.prepare<[string, string]>("INSERT INTO syncalite_identity (key, version, value) VALUES (?, 1, ?) ON CONFLICT (key) DO NOTHING")
  const update = db.prepare<[string, string, number]>("UPDATE syncalite_identity SET version = version + 1, value = ? WHERE key = ? AND version = ?")
  const remove = db.prepare<[string]>("DELETE FROM syncalite_identity WHERE key = ?")
  const statement = <A>(what: string, key: string, run: () => A) =>
    Effect.try({ try: run, catch: (cause) => storageError(what, key, cause, busyTimeout) })
  const read = (key: string): SyncStore.Versioned | undefined => {
    const row = select.get(key)
    return row === undefined ? undefined : { version: row.version, value: JSON.parse(row.value) }
  }
  return {
    get: (key) => statement("reading", key, () => read(key)),
    getMany: (keys) => statement("reading", keys.join(", "), () => keys.map(read)),
    compareAndSet: (key, expected, value) =>
      statement("writing", key, () =>
        (expected === undefined
          ? insert.run(key, JSON.stringify(value))
          : update.run(JSON.stringify(value), key, expected)).changes === 1),
    delete: (key) => statement("deleting", key, () => void remove.run(key))
  }
}

/** Runs an operation of the port, synchronous over the driver, inside one transaction. */
const transactional = (db: Database.Database, busyTimeout: number) =>
<A, E>(effect: Effect.Effect<A, E>, write: boolean): Effect.Effect<A, E | SyncStore.StorageError> =>
  Effect.suspend((): Effect.Effect<A, E | SyncStore.StorageError> => {
    let exit: Exit.Exit<A, E> | undefined
    const body = db.transaction(() => {
      exit = Effect.runSyncExit(effect)
      if (Exit.isFailure(exit)) throw rollback
    })
    try {
      if (write) body.immediate()
      else body.deferred()
    } catch (cause) {
      if (cause !== rollback) return Effect.fail(storageError("an identity transaction", undefined, cause, busyTimeout))
    }
    return exit!
  })

/** Every operation of the driver's store, each in a transaction of its own. */
const makeStore = (db: Database.Database, busyTimeout: number): IdentityStore.IdentityStoreShape => {
  const store = IdentityStore.fromDriver(driverOf(db, busyTimeout))
  const run = transactional(db, busyTimeout)
  return Object.fromEntries(
    Object.entries(store).map(([name, operation]: [string, (...args: Array<unknown>) => Effect.Effect<unknown, unknown>]) => [
      name,
      (...args: Array<unknown>) => run(operation(...args), !reads.has(name as keyof IdentityStore.IdentityStoreShape))
    ])
  ) as unknown as IdentityStore.IdentityStoreShape
}

/**
 * The identity store over a SQLite database, open for the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (database: DatabaseInput): Effect.Effect<IdentityStore.IdentityStoreShape, SyncStore.StorageError, Scope.Scope> =>
  Effect.flatMap(connect(database, (db) => db.exec(table)), ({ busyTimeout, db }) =>
    Effect.try({
      try: () => makeStore(db, busyTimeout),
      catch: (cause) => storageError("preparing the identity statements", undefined, cause, busyTimeout)
    }))

/**
 * The identity store over a SQLite database, as a layer whose scope closes its connection.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (database: DatabaseInput): Layer.Layer<IdentityStore.IdentityStore, SyncStore.StorageError> =>
  Layer.scoped(IdentityStore.IdentityStore, make(database))
