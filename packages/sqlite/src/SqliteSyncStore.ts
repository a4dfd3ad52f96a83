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
import { Effect, Layer, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { connect, type DatabaseInput } from "./internal/database.js"
import { makeSqliteStore, prepareSchema } from "./internal/store.js"

/**
 * What `@keyv/sqlite` exposes of its store, the options, and what a database may be given as.
 *
 * @since 0.1.0
 * @category models
 */
export type { DatabaseInput, KeyvSqliteLike, Options } from "./internal/database.js"

/**
 * The store over a SQLite database, open for the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (database: DatabaseInput): Effect.Effect<SyncStore.SyncStoreShape, SyncStore.StorageError, Scope.Scope> =>
  Effect.map(connect(database, prepareSchema), ({ busyTimeout, db }) => makeSqliteStore(db, busyTimeout))

/**
 * The store over a SQLite database, as a layer whose scope closes the database. Give it to
 * `createCognitoSync({ store })`, whose `close()` ends that scope.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (database: DatabaseInput): Layer.Layer<SyncStore.SyncStore, SyncStore.StorageError> =>
  Layer.scoped(SyncStore.SyncStore, make(database))
