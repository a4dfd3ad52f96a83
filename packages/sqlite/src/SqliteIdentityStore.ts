/**
 * Cognito Identity state (pools, identities, login links, the signing key) in a SQLite file,
 * atomic across every process on the machine that opens it.
 *
 * The port is implemented natively, in tables of its own beside the sync store's when given the
 * same file: pools (their configuration as JSON), identities indexed by pool, and the links of
 * logins, keyed by (pool, provider, subject) and indexed by identity — an identity's logins are
 * its links, so the two never disagree — and the merges whose datasets have not all moved, written
 * in the merge's own transaction. Each operation runs inside one SQLite transaction
 * (`BEGIN IMMEDIATE` when it writes), so it is one atomic step for every connection: two devices
 * calling GetId for one new login get one identity, and a merge or a deletion is done whole or
 * not at all, even when the process dies in the middle. Creating an identity costs the same
 * whatever the size of its pool.
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
import { Effect, Either, Layer, Schema, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { IdentityStore } from "@syncalite/identity"
import { connect, type DatabaseInput } from "./internal/database.js"
import { storageError } from "./internal/store.js"

type Login = IdentityStore.Login
type StoredIdentity = IdentityStore.StoredIdentity
type StoredPool = IdentityStore.StoredPool

const tables = `
CREATE TABLE IF NOT EXISTS syncalite_identity_pools (
  pool TEXT PRIMARY KEY,
  configuration TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS syncalite_identities (
  identity TEXT PRIMARY KEY,
  pool TEXT NOT NULL,
  creation_date INTEGER NOT NULL,
  last_modified_date INTEGER NOT NULL,
  disabled INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS syncalite_identities_of_pool ON syncalite_identities (pool, identity);

CREATE TABLE IF NOT EXISTS syncalite_identity_logins (
  pool TEXT NOT NULL,
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  identity TEXT NOT NULL,
  PRIMARY KEY (pool, provider, subject)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS syncalite_identity_logins_of_identity ON syncalite_identity_logins (identity);

CREATE TABLE IF NOT EXISTS syncalite_identity_merges (
  source TEXT PRIMARY KEY,
  pool TEXT NOT NULL,
  destination TEXT NOT NULL,
  merged_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS syncalite_identity_keys (
  name TEXT PRIMARY KEY,
  key TEXT NOT NULL
) WITHOUT ROWID;`

interface IdentityRow {
  readonly identity: string
  readonly pool: string
  readonly creation_date: number
  readonly last_modified_date: number
  readonly disabled: number
}

/** thrown inside a transaction to roll it back when the operation fails */
class Rollback<E> {
  constructor(readonly error: E) {}
}

/** Logins in the port's order, by provider then subject, as JavaScript compares strings. */
const loginOrder = (a: Login, b: Login): number =>
  a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0

const makeStore = (db: Database.Database, busyTimeout: number): IdentityStore.IdentityStoreShape => {
  const sql = <R = unknown>(text: string) => db.prepare<Array<unknown>, R>(text)
  const pools = {
    select: sql<{ configuration: string }>("SELECT configuration FROM syncalite_identity_pools WHERE pool = ?"),
    insert: sql("INSERT INTO syncalite_identity_pools (pool, configuration) VALUES (?, ?) ON CONFLICT (pool) DO NOTHING"),
    update: sql("UPDATE syncalite_identity_pools SET configuration = ? WHERE pool = ?"),
    delete: sql("DELETE FROM syncalite_identity_pools WHERE pool = ?"),
    list: sql<{ configuration: string }>("SELECT configuration FROM syncalite_identity_pools WHERE pool > ? ORDER BY pool LIMIT ?")
  }
  const identities = {
    select: sql<IdentityRow>("SELECT * FROM syncalite_identities WHERE identity = ?"),
    insert: sql(
      `INSERT INTO syncalite_identities (identity, pool, creation_date, last_modified_date, disabled) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (identity) DO NOTHING`
    ),
    update: sql("UPDATE syncalite_identities SET last_modified_date = ?, disabled = ? WHERE identity = ?"),
    delete: sql("DELETE FROM syncalite_identities WHERE identity = ?"),
    list: sql<IdentityRow>("SELECT * FROM syncalite_identities WHERE pool = ? AND identity > ? ORDER BY identity LIMIT ?")
  }
  const logins = {
    owner: sql<{ identity: string }>("SELECT identity FROM syncalite_identity_logins WHERE pool = ? AND provider = ? AND subject = ?"),
    of: sql<Login>("SELECT provider, subject FROM syncalite_identity_logins WHERE identity = ?"),
    insert: sql("INSERT INTO syncalite_identity_logins (pool, provider, subject, identity) VALUES (?, ?, ?, ?)"),
    delete: sql("DELETE FROM syncalite_identity_logins WHERE pool = ? AND provider = ? AND subject = ? AND identity = ?"),
    deleteOf: sql("DELETE FROM syncalite_identity_logins WHERE identity = ?"),
    move: sql("UPDATE syncalite_identity_logins SET identity = ? WHERE identity = ?")
  }
  const merges = {
    record: sql(
      `INSERT INTO syncalite_identity_merges (source, pool, destination, merged_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET pool = excluded.pool, destination = excluded.destination, merged_at = excluded.merged_at`
    ),
    pending: sql<{ source: string; pool: string; destination: string; merged_at: number }>(
      "SELECT source, pool, destination, merged_at FROM syncalite_identity_merges ORDER BY merged_at, source"
    ),
    done: sql("DELETE FROM syncalite_identity_merges WHERE source = ?")
  }
  const keys = {
    select: sql<{ key: string }>("SELECT key FROM syncalite_identity_keys WHERE name = 'signing'"),
    insert: sql("INSERT INTO syncalite_identity_keys (name, key) VALUES ('signing', ?) ON CONFLICT (name) DO NOTHING")
  }

  /** A document of a schema from its JSON; one that does not fit is a StorageError naming where it is. */
  const decoder = <A, I>(schema: Schema.Schema<A, I>) => {
    const decode = Schema.decodeUnknownEither(Schema.parseJson(schema))
    return (text: string, at: string): A => {
      const decoded = decode(text)
      if (Either.isLeft(decoded)) throw new SyncStore.StorageError({ message: `Unreadable value under key ${at}`, key: at, cause: decoded.left })
      return decoded.right
    }
  }
  const poolOf = decoder(IdentityStore.StoredPoolSchema)
  const keyOf = decoder(IdentityStore.SigningKeySchema)
  const encodePool = Schema.encodeSync(Schema.parseJson(IdentityStore.StoredPoolSchema))

  const identityOf = (row: IdentityRow): StoredIdentity => ({
    identityId: row.identity,
    identityPoolId: row.pool,
    logins: logins.of.all(row.identity).sort(loginOrder),
    creationDate: row.creation_date,
    lastModifiedDate: row.last_modified_date,
    disabled: row.disabled === 1
  })
  const readIdentity = (id: string): StoredIdentity | undefined => {
    const row = identities.select.get(id)
    return row === undefined ? undefined : identityOf(row)
  }
  const exists = (what: string) => new SyncStore.StorageError({ message: `${what} exists already` })

  /**
   * One operation in one transaction: `fail` rolls it back with a typed error; anything thrown
   * is a StorageError.
   */
  const atomically = <A, E = never>(
    what: string,
    write: boolean,
    body: (fail: (error: E) => never) => A
  ): Effect.Effect<A, E | SyncStore.StorageError> =>
    Effect.suspend((): Effect.Effect<A, E | SyncStore.StorageError> => {
      const transaction = db.transaction(() => body((error) => { throw new Rollback(error) }))
      try {
        return Effect.succeed(write ? transaction.immediate() : transaction.deferred())
      } catch (cause) {
        return cause instanceof Rollback
          ? Effect.fail(cause.error as E)
          : Effect.fail(storageError(what, undefined, cause, busyTimeout))
      }
    })

  return {
    createPool: (pool) =>
      atomically("creating identity pool", true, (fail) => {
        if (pools.insert.run(pool.IdentityPoolId, encodePool(pool)).changes === 0) fail(exists(`Identity pool ${pool.IdentityPoolId}`))
      }),
    readPool: (id) =>
      atomically("reading identity pool", false, () => {
        const row = pools.select.get(id)
        return row === undefined ? undefined : poolOf(row.configuration, `identity pool ${id}`)
      }),
    updatePool: <E>(id: string, update: (pool: StoredPool) => Either.Either<StoredPool, E>) =>
      atomically<StoredPool | undefined, E>("updating identity pool", true, (fail) => {
        const row = pools.select.get(id)
        if (row === undefined) return undefined
        const next = update(poolOf(row.configuration, `identity pool ${id}`))
        if (Either.isLeft(next)) return fail(next.left)
        pools.update.run(encodePool(next.right), id)
        return next.right
      }),
    deletePool: (id) => atomically("deleting identity pool", true, () => pools.delete.run(id).changes > 0),
    listPools: (after, limit) =>
      atomically("listing identity pools", false, () => {
        const rows = pools.list.all(after ?? "", limit + 1)
        return {
          items: rows.slice(0, limit).map((row) => poolOf(row.configuration, "identity pools")),
          more: rows.length > limit
        }
      }),

    readIdentity: (id) => atomically("reading identity", false, () => readIdentity(id)),
    createIdentity: (identity) =>
      atomically("creating identity", true, (fail) => {
        const { creationDate, disabled, identityId, identityPoolId, lastModifiedDate } = identity
        if (identities.insert.run(identityId, identityPoolId, creationDate, lastModifiedDate, disabled ? 1 : 0).changes === 0) {
          fail(exists(`Identity ${identityId}`))
        }
        for (const login of identity.logins) logins.insert.run(identityPoolId, login.provider, login.subject, identityId)
      }),
    listIdentities: (pool, after, limit) =>
      atomically("listing identities", false, () => {
        const rows = identities.list.all(pool, after ?? "", limit + 1)
        return { items: rows.slice(0, limit).map(identityOf), more: rows.length > limit }
      }),
    deleteIdentity: (id) =>
      atomically("deleting identity", true, () => {
        const identity = readIdentity(id)
        if (identity === undefined) return undefined
        logins.deleteOf.run(id)
        identities.delete.run(id)
        return identity
      }),

    findLogin: (pool, login) =>
      atomically("reading login", false, () => logins.owner.get(pool, login.provider, login.subject)?.identity),
    linkLogin: (pool, login, identityId, now) =>
      atomically("linking login", true, () => {
        const owner = logins.owner.get(pool, login.provider, login.subject)?.identity
        if (owner !== undefined) return owner
        logins.insert.run(pool, login.provider, login.subject, identityId)
        if (identities.insert.run(identityId, pool, now, now, 0).changes === 0) identities.update.run(now, 0, identityId)
        return identityId
      }),
    unlinkLogin: (id, login, now, disableWhenLast) =>
      atomically("unlinking login", true, () => {
        const identity = identities.select.get(id)
        if (identity === undefined) return false
        if (logins.delete.run(identity.pool, login.provider, login.subject, id).changes === 0) return false
        const last = logins.of.get(id) === undefined
        identities.update.run(now, identity.disabled === 1 || (disableWhenLast && last) ? 1 : 0, id)
        return true
      }),
    mergeIdentity: (source, destination, now) =>
      atomically("merging identities", true, () => {
        if (source === destination) return false
        const from = identities.select.get(source)
        if (from === undefined || identities.select.get(destination) === undefined) return false
        logins.move.run(destination, source)
        identities.delete.run(source)
        identities.update.run(now, 0, destination)
        merges.record.run(source, from.pool, destination, now)
        return true
      }),
    pendingMerges: () =>
      atomically("reading the pending merges", false, () =>
        merges.pending.all().map((row) => ({
          identityPoolId: row.pool,
          source: row.source,
          destination: row.destination,
          mergedAt: row.merged_at
        }))),
    mergeDone: (source) => atomically("ending a merge", true, () => void merges.done.run(source)),

    readSigningKey: () =>
      atomically("reading the signing key", false, () => {
        const row = keys.select.get()
        return row === undefined ? undefined : keyOf(row.key, "signing key")
      }),
    signingKey: (candidate) =>
      atomically("storing the signing key", true, () => {
        keys.insert.run(JSON.stringify(candidate))
        return keyOf(keys.select.get()!.key, "signing key")
      })
  }
}

/**
 * The identity store over a SQLite database, open for the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (database: DatabaseInput): Effect.Effect<IdentityStore.IdentityStoreShape, SyncStore.StorageError, Scope.Scope> =>
  Effect.flatMap(connect(database, (db) => db.exec(tables)), ({ busyTimeout, db }) =>
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
