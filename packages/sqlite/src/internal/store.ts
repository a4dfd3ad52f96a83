import type BetterSqlite3 from "better-sqlite3"
import { Effect, Either } from "effect"
import { SyncStore } from "@syncalite/core"
import {
  corrupt,
  encodeKey,
  encodeValue,
  headColumns,
  headKey,
  headOf,
  type HeadRow,
  poolColumn,
  poolKey,
  poolsCodec,
  recordColumns,
  recordOf,
  type RecordRow,
  sessionsCodec
} from "./rows.js"
import { makeGroupCommit } from "./groupCommit.js"
import { type KnownDataset, makeKnown } from "./known.js"
import { deviceDigest, migrationFrom1, SCHEMA_VERSION, schema } from "./schema.js"
import { makeSqliteTransfer } from "./transfer.js"

type Database = BetterSqlite3.Database

const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const describe = (cause: unknown): string => {
  const code = (cause as { code?: unknown } | undefined)?.code
  const message = cause instanceof Error ? cause.message : String(cause)
  return typeof code === "string" ? `${code}: ${message}` : message
}

/** A failure of SQLite as a StorageError that says what it is: a busy database is not a corrupt one. */
export const storageError = (what: string, key: string | undefined, cause: unknown, busyTimeout: number): SyncStore.StorageError => {
  if (cause instanceof SyncStore.StorageError) return cause
  const code = String((cause as { code?: unknown } | undefined)?.code ?? "")
  const reason = code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")
    ? `the database stayed locked by another connection for longer than the busy timeout (${busyTimeout} ms)`
    : code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB"
    ? `the database file is damaged or not a SQLite database (${describe(cause)})`
    : describe(cause)
  return new SyncStore.StorageError({
    message: `SQLite: ${what}${key === undefined ? "" : ` ${key}`} failed: ${reason}`,
    ...(key === undefined ? {} : { key }),
    cause
  })
}


/** Rebuilds the devices table of a schema 1 file with a digest per device. */
const migrateFrom1 = (db: Database): void => {
  db.exec(migrationFrom1.rename)
  db.exec(migrationFrom1.create)
  const rows = db.prepare<[], { pool: string; identity: string; device_id: string; platform: string; token: string }>(
    migrationFrom1.rows
  ).all()
  const insert = db.prepare(migrationFrom1.insert)
  for (const row of rows) {
    insert.run(row.pool, row.identity, row.device_id, row.platform, row.token, deviceDigest(row.platform, row.token))
  }
  db.exec(migrationFrom1.drop)
  db.exec(migrationFrom1.done)
}

/**
 * Creates the tables, if they are not there, brings a file of an older schema to this one, and
 * checks that this code understands the file.
 */
export const prepareSchema = (db: Database): void => {
  db.transaction(() => {
    db.exec(schema)
    const read = db.prepare("SELECT value FROM syncalite_meta WHERE name = 'schema'").pluck()
    if (read.get() === 1) migrateFrom1(db)
    const version = read.get()
    if (version !== SCHEMA_VERSION) {
      throw new SyncStore.StorageError({
        message: `SQLite: the file holds syncalite tables of schema ${String(version)}; this version reads schema ${SCHEMA_VERSION}`,
        key: "syncalite_meta/schema"
      })
    }
  }).immediate()
}

/** The port over one open connection. Statements are prepared once; every call is one transaction. */
export const makeSqliteStore = (db: Database, busyTimeout: number): SyncStore.SyncStoreShape => {
  const sessions = sessionsCodec()
  const poolOf = poolsCodec()
  const statement = <R = unknown>(sql: string) => db.prepare<Array<unknown>, R>(sql)

  const head = {
    select: statement<HeadRow>("SELECT * FROM syncalite_datasets WHERE pool = ? AND identity = ? AND name = ?"),
    insert: statement(
      `INSERT INTO syncalite_datasets (pool, identity, name, live, sync_count, last_deletion_count, creation_date,
         last_modified_date, last_modified_by, num_records, data_storage, entries, entry_bytes, consumed_sessions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ),
    update: statement(
      `UPDATE syncalite_datasets SET live = ?, sync_count = ?, last_deletion_count = ?, creation_date = ?,
         last_modified_date = ?, last_modified_by = ?, num_records = ?, data_storage = ?, entries = ?, entry_bytes = ?,
         consumed_sessions = ?
       WHERE id = ?`
    ),
    liveCount: statement<number>("SELECT count(*) FROM syncalite_datasets WHERE pool = ? AND identity = ? AND live = 1").pluck(),
    live: statement<HeadRow & { readonly name: string }>(
      "SELECT * FROM syncalite_datasets WHERE pool = ? AND identity = ? AND live = 1"
    ),
    merged: statement<string>(
      "SELECT name FROM syncalite_datasets WHERE pool = ? AND identity = ? AND name >= ? AND name < ? AND live = 1"
    ).pluck(),
    ofPool: statement<{ readonly identity: string; readonly name: string }>(
      "SELECT identity, name FROM syncalite_datasets WHERE pool = ? AND live = 1"
    )
  }

  const columns = recordColumns
  const raw = <R>(sql: string) => db.prepare<Array<unknown>, R>(sql).raw()
  const record = {
    select: raw<RecordRow>(`SELECT ${columns} FROM syncalite_records WHERE dataset = ? AND key = ?`),
    upsert: statement(
      `INSERT INTO syncalite_records (dataset, key, value, sync_count, modified, modified_by, device_modified)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (dataset, key) DO UPDATE SET value = excluded.value, sync_count = excluded.sync_count,
         modified = excluded.modified, modified_by = excluded.modified_by, device_modified = excluded.device_modified`
    ),
    deleteAll: statement("DELETE FROM syncalite_records WHERE dataset = ?"),
    // since 0: the primary key, in key order
    all: raw<RecordRow>(`SELECT ${columns} FROM syncalite_records WHERE dataset = ? ORDER BY key LIMIT ?`),
    allAfter: raw<RecordRow>(`SELECT ${columns} FROM syncalite_records WHERE dataset = ? AND key > ? ORDER BY key LIMIT ?`),
    // since N: the index of changes, which finds the rows changed after N whatever the size of the
    // dataset; they are put in key order here, cheaper than SQLite's sorter for the few rows a
    // sync usually reads (a page is every change, up to 1024, by default)
    since: raw<RecordRow>(
      `SELECT ${columns} FROM syncalite_records INDEXED BY syncalite_records_changed WHERE dataset = ? AND sync_count > ?`
    ),
    sinceAfter: raw<RecordRow>(
      `SELECT ${columns} FROM syncalite_records INDEXED BY syncalite_records_changed
       WHERE dataset = ? AND sync_count > ? AND key > ?`
    )
  }

  const pool = {
    select: statement<{ readonly configuration: unknown; readonly sessions: unknown }>(
      "SELECT configuration, sessions FROM syncalite_pools WHERE pool = ?"
    ),
    known: statement("INSERT OR IGNORE INTO syncalite_pools (pool) VALUES (?)"),
    configure: statement(
      `INSERT INTO syncalite_pools (pool, configuration) VALUES (?, ?)
       ON CONFLICT (pool) DO UPDATE SET configuration = excluded.configuration`
    ),
    countSessions: statement(
      `INSERT INTO syncalite_pools (pool, sessions) VALUES (?, ?)
       ON CONFLICT (pool) DO UPDATE SET sessions = sessions + excluded.sessions`
    ),
    page: statement<string>("SELECT pool FROM syncalite_pools WHERE pool > ? ORDER BY pool LIMIT ?").pluck(),
    first: statement<string>("SELECT pool FROM syncalite_pools ORDER BY pool LIMIT ?").pluck(),
    usage: statement<{ readonly bytes: unknown; readonly modified: unknown }>(
      `SELECT coalesce(sum(CASE WHEN live = 1 THEN data_storage ELSE 0 END), 0) AS bytes, max(last_modified_date) AS modified
       FROM syncalite_datasets WHERE pool = ?`
    )
  }

  const identity = {
    usage: statement<{ readonly heads: number; readonly datasets: unknown; readonly bytes: unknown; readonly modified: unknown }>(
      `SELECT count(*) AS heads, coalesce(sum(live = 1), 0) AS datasets,
         coalesce(sum(CASE WHEN live = 1 THEN data_storage ELSE 0 END), 0) AS bytes, max(last_modified_date) AS modified
       FROM syncalite_datasets WHERE pool = ? AND identity = ?`
    ),
    hasDevices: statement("SELECT 1 FROM syncalite_devices WHERE pool = ? AND identity = ? LIMIT 1").pluck()
  }

  const device = {
    byDigest: statement<string>("SELECT device_id FROM syncalite_devices WHERE pool = ? AND identity = ? AND digest = ?").pluck(),
    count: statement<number>("SELECT count(*) FROM syncalite_devices WHERE pool = ? AND identity = ?").pluck(),
    exists: statement("SELECT 1 FROM syncalite_devices WHERE pool = ? AND identity = ? AND device_id = ?").pluck(),
    read: statement<{ readonly platform: string; readonly token: string }>(
      "SELECT platform, token FROM syncalite_devices WHERE pool = ? AND identity = ? AND device_id = ?"
    ),
    register: statement(
      "INSERT OR REPLACE INTO syncalite_devices (pool, identity, device_id, platform, token, digest) VALUES (?, ?, ?, ?, ?, ?)"
    ),
    subscribe: statement(
      "INSERT OR IGNORE INTO syncalite_subscriptions (pool, identity, dataset, device_id) VALUES (?, ?, ?, ?)"
    ),
    unsubscribe: statement(
      "DELETE FROM syncalite_subscriptions WHERE pool = ? AND identity = ? AND dataset = ? AND device_id = ?"
    ),
    unsubscribeAll: statement("DELETE FROM syncalite_subscriptions WHERE pool = ? AND identity = ? AND dataset = ?"),
    subscribers: statement<{ readonly device_id: string; readonly platform: string; readonly token: string }>(
      `SELECT d.device_id, d.platform, d.token FROM syncalite_subscriptions s
       JOIN syncalite_devices d ON d.pool = s.pool AND d.identity = s.identity AND d.device_id = s.device_id
       WHERE s.pool = ? AND s.identity = ? AND s.dataset = ? ORDER BY s.rowid`
    )
  }

  const run = <A>(what: string, key: string | undefined, body: () => A): Effect.Effect<A, SyncStore.StorageError> =>
    Effect.try({ try: body, catch: (cause) => storageError(what, key, cause, busyTimeout) })

  /** The names of the datasets merged into a dataset, as this connection knows them or from the file. */
  const mergedNames = (ref: SyncStore.DatasetRef, key: string): ReadonlyArray<string> => {
    const remembered = known.mergedNames(key)
    if (remembered !== undefined) return remembered
    const names = head.merged.all(ref.identityPoolId, ref.identityId, `${ref.datasetName}.`, `${ref.datasetName}/`)
      .filter((name) => SyncStore.isMergedName(ref.datasetName, name))
      .sort(compareKeys)
    known.setMergedNames(key, names)
    return names
  }

  /** The records from the first key (after `query.after`), by the primary key; one more than asked for tells whether more remain. */
  const inKeyOrder = (dataset: number, query: SyncStore.RecordQuery, key: string): Array<SyncStore.StoredRecord> => {
    const limit = query.limit === undefined ? -1 : query.limit + 1
    const rows = query.after === undefined
      ? record.all.all(dataset, limit)
      : record.allAfter.all(dataset, encodeKey(query.after), limit)
    return rows.map((row) => recordOf(row, key))
  }

  /**
   * The records changed since `query.since` (after `query.after`), by the index of changes, put in
   * key order here: their keys as strings compare in the order of the blobs, at less than the
   * cost of comparing blobs.
   */
  const changedSince = (dataset: number, query: SyncStore.RecordQuery, key: string): Array<SyncStore.StoredRecord> =>
    (query.after === undefined
      ? record.since.all(dataset, query.since)
      : record.sinceAfter.all(dataset, query.since, encodeKey(query.after)))
      .map((row) => recordOf(row, key))
      .sort((a, b) => compareKeys(a.key, b.key))

  /** A dataset whose id and head are `dataset` (undefined: never written), its records read from the file. */
  const viewOf = (
    ref: SyncStore.DatasetRef,
    query: SyncStore.RecordQuery,
    key: string,
    dataset: { readonly id: number; readonly head: SyncStore.DatasetHead } | undefined
  ): SyncStore.DatasetView => {
    const mergedDatasetNames = mergedNames(ref, key)
    if (dataset === undefined || !dataset.head.exists) {
      return { head: dataset?.head, records: [], more: false, mergedDatasetNames }
    }
    const records = query.since > 0 ? changedSince(dataset.id, query, key) : inKeyOrder(dataset.id, query, key)
    const more = query.limit !== undefined && records.length > query.limit
    if (more) records.length = query.limit!
    return { head: dataset.head, records, more, mergedDatasetNames }
  }

  const dataVersion = statement<number>("PRAGMA data_version").pluck()
  const known = makeKnown()

  /** A dataset's id and head, as this connection knows it or from the file; undefined if never written. */
  const knownDataset = (ref: SyncStore.DatasetRef, key: string): KnownDataset | undefined => {
    const remembered = known.dataset(key)
    if (remembered !== undefined) return remembered
    const row = head.select.get(ref.identityPoolId, ref.identityId, ref.datasetName)
    if (row === undefined) return undefined
    const read = { id: row.id, head: headOf(row, ref.datasetName, key, sessions), records: new Map() }
    known.remember(key, read)
    return read
  }

  /**
   * A dataset as of one commit, its head as this connection knows it while no other connection
   * has committed (the head, read and decoded, is most of what a small read costs).
   */
  const readTransaction = db.transaction((ref: SyncStore.DatasetRef, query: SyncStore.RecordQuery, key: string) => {
    known.check(dataVersion.get())
    return viewOf(ref, query, key, knownDataset(ref, key))
  })

  /** The number of live datasets of an identity. */
  const liveDatasets = (identityPoolId: string, identityId: string): number => {
    const identityKey = `${identityPoolId}/${identityId}`
    const remembered = known.liveCount(identityKey)
    if (remembered !== undefined) return remembered
    const count = head.liveCount.get(identityPoolId, identityId)!
    known.setLiveCount(identityKey, count)
    return count
  }

  const subscribersOf = (ref: SyncStore.DatasetRef): Array<SyncStore.Device> =>
    device.subscribers.all(ref.identityPoolId, ref.identityId, ref.datasetName).map((row) => ({
      deviceId: row.device_id,
      platform: row.platform,
      token: row.token
    }))

  // A write learns what it wrote as its last step: the writes after it in its group commit see it,
  // and a rollback of any of them forgets everything (the group's onAbort)
  const commitTransaction = db.transaction((commit: SyncStore.DatasetCommit): SyncStore.CommitResult => {
    known.check(dataVersion.get())
    const { datasetName, identityId, identityPoolId } = commit.ref
    const key = headKey(identityPoolId, identityId, datasetName)
    const current = knownDataset(commit.ref, key)
    const lookup = (recordKey: string): SyncStore.StoredRecord | undefined => {
      if (current === undefined) return undefined
      if (current.records.has(recordKey)) return current.records.get(recordKey)
      const found = record.select.get(current.id, encodeKey(recordKey))
      const read = found === undefined ? undefined : recordOf(found, key)
      current.records.set(recordKey, read)
      return read
    }
    const wasLive = current?.head.exists === true
    const live = liveDatasets(identityPoolId, identityId)
    const decision = SyncStore.decideCommit(current?.head, lookup, live - (wasLive ? 1 : 0), commit)
    if (decision._tag !== "Committed") return decision
    let id = current?.id
    if (id === undefined) {
      id = Number(
        head.insert.run(identityPoolId, identityId, datasetName, ...headColumns(decision.head, sessions, undefined)).lastInsertRowid
      )
      pool.known.run(identityPoolId)
    } else {
      head.update.run(...headColumns(decision.head, sessions, id), id)
    }
    for (const written of decision.records) {
      record.upsert.run(
        id,
        encodeKey(written.key),
        encodeValue(written.value),
        written.syncCount,
        written.lastModifiedDate,
        written.lastModifiedBy,
        written.deviceLastModifiedDate ?? null
      )
    }
    if (wasLive) {
      current!.head = decision.head
      for (const written of decision.records) current!.records.set(written.key, written)
      known.remember(key, current!)
    } else {
      // a dataset that was not live has no other records
      known.remember(key, { id, head: decision.head, records: new Map(decision.records.map((r) => [r.key, r])) })
      known.liveChanged(`${identityPoolId}/${identityId}`, live + 1)
    }
    return commit.subscribers === true ? { ...decision, subscribers: subscribersOf(commit.ref) } : decision
  })

  /** a deletion, conditional on the dataset's sync count when `syncCount` is given */
  const deleteTransaction = db.transaction((ref: SyncStore.DatasetRef, now: number, syncCount?: number): SyncStore.DeletionAt => {
    known.check(dataVersion.get())
    const key = headKey(ref.identityPoolId, ref.identityId, ref.datasetName)
    const current = knownDataset(ref, key)
    const refused = SyncStore.refusedDeletion(current?.head, syncCount)
    if (refused !== undefined || current === undefined) return refused ?? { _tag: "Absent" }
    head.update.run(...headColumns(SyncStore.deletedHead(current.head, now), sessions, current.id), current.id)
    record.deleteAll.run(current.id)
    device.unsubscribeAll.run(ref.identityPoolId, ref.identityId, ref.datasetName)
    known.forgetDataset(key)
    known.liveChanged(`${ref.identityPoolId}/${ref.identityId}`, undefined)
    return { _tag: "Deleted", head: current.head }
  })

  const countTransaction = db.transaction((identityPoolId: string, sessions: number) =>
    void pool.countSessions.run(identityPoolId, sessions)
  )

  /** A write, in a group commit; a failure, or the group's, forgets everything the connection knew. */
  const group = makeGroupCommit(db, () => known.forget())
  const write = <Args extends Array<unknown>, A>(
    what: string,
    key: string | undefined,
    transaction: BetterSqlite3.Transaction<(...args: Args) => A>,
    ...args: Args
  ): Effect.Effect<A, SyncStore.StorageError> =>
    Effect.mapError(group(transaction, ...args), (cause) => storageError(what, key, cause, busyTimeout))

  const listTransaction = db.transaction((identityPoolId: string, identityId: string) =>
    head.live.all(identityPoolId, identityId)
      .map((row) => headOf(row, row.name, headKey(identityPoolId, identityId, row.name), sessions))
      .sort((a, b) => compareKeys(a.name, b.name))
  )

  type Updated<E> = { readonly _tag: "Written"; readonly state: SyncStore.PoolState } | {
    readonly _tag: "Refused"
    readonly error: E
  } | { readonly _tag: "Threw"; readonly defect: unknown }

  const updatePoolTransaction = db.transaction(<E>(
    identityPoolId: string,
    update: (state: SyncStore.PoolState) => Either.Either<SyncStore.PoolState, E>
  ): Updated<E> => {
    const found = pool.select.get(identityPoolId)
    const state = found === undefined ? SyncStore.emptyPool : poolOf(found.configuration, identityPoolId)
    let next: Either.Either<SyncStore.PoolState, E>
    try {
      next = update(state)
    } catch (defect) {
      return { _tag: "Threw", defect }
    }
    if (Either.isLeft(next)) return { _tag: "Refused", error: next.left }
    pool.configure.run(identityPoolId, poolColumn(next.right))
    return { _tag: "Written", state: next.right }
  })

  const registerTransaction = db.transaction((
    identityPoolId: string,
    identityId: string,
    candidate: SyncStore.Device,
    maxDevices: number
  ): SyncStore.DeviceRegistration => {
    const digest = deviceDigest(candidate.platform, candidate.token)
    const known = device.byDigest.get(identityPoolId, identityId, digest)
    if (known !== undefined) return { _tag: "Registered", deviceId: known }
    const devices = device.count.get(identityPoolId, identityId)!
    if (devices >= maxDevices) return { _tag: "LimitExceeded", devices }
    device.register.run(identityPoolId, identityId, candidate.deviceId, candidate.platform, candidate.token, digest)
    pool.known.run(identityPoolId)
    return { _tag: "Registered", deviceId: candidate.deviceId }
  })

  const subscribeTransaction = db.transaction((ref: SyncStore.DatasetRef, deviceId: string): boolean => {
    if (device.exists.get(ref.identityPoolId, ref.identityId, deviceId) === undefined) return false
    device.subscribe.run(ref.identityPoolId, ref.identityId, ref.datasetName, deviceId)
    return true
  })

  const unsubscribeTransaction = db.transaction((ref: SyncStore.DatasetRef, deviceId: string) => {
    if (device.exists.get(ref.identityPoolId, ref.identityId, deviceId) === undefined) return "UnknownDevice" as const
    const { changes } = device.unsubscribe.run(ref.identityPoolId, ref.identityId, ref.datasetName, deviceId)
    return changes === 0 ? "NotSubscribed" as const : "Unsubscribed" as const
  })

  const figure = (u: unknown, key: string, what: string): number => {
    if (typeof u !== "number" || !Number.isSafeInteger(u) || u < 0) throw corrupt(key, `${what} adds up to ${String(u)}`)
    return u
  }

  const identityUsageTransaction = db.transaction((identityPoolId: string, identityId: string): SyncStore.Usage | undefined => {
    const where = `syncalite_datasets/${identityPoolId}/${identityId}`
    const usage = identity.usage.get(identityPoolId, identityId)!
    if (usage.heads === 0 && identity.hasDevices.get(identityPoolId, identityId) === undefined) return undefined
    const figures = {
      datasetCount: figure(usage.datasets, where, "datasets"),
      dataStorage: figure(usage.bytes, where, "data_storage")
    }
    return usage.modified === null ? figures : { ...figures, lastModifiedDate: figure(usage.modified, where, "last_modified_date") }
  })

  const usageOfPool = (identityPoolId: string): SyncStore.PoolUsage | undefined => {
    const found = pool.select.get(identityPoolId)
    if (found === undefined) return undefined
    const key = poolKey(identityPoolId)
    const configured = poolOf(found.configuration, identityPoolId).lastModifiedDate
    const usage = pool.usage.get(identityPoolId)!
    const datasets = usage.modified === null ? undefined : figure(usage.modified, key, "last_modified_date")
    const lastModifiedDate = configured === undefined ? datasets : datasets === undefined ? configured : Math.max(configured, datasets)
    const figures: SyncStore.PoolUsage = {
      identityPoolId,
      syncSessionsCount: figure(found.sessions, key, "sessions"),
      dataStorage: figure(usage.bytes, key, "data_storage")
    }
    return lastModifiedDate === undefined ? figures : { ...figures, lastModifiedDate }
  }

  const poolUsageTransaction = db.transaction(usageOfPool)

  const listPoolUsageTransaction = db.transaction((after: string | undefined, limit: number) => {
    const ids = after === undefined ? pool.first.all(limit + 1) : pool.page.all(after, limit + 1)
    return {
      pools: ids.slice(0, limit).map((id) => usageOfPool(id)!),
      more: ids.length > limit
    }
  })

  return {
    readDataset: (ref, query) => {
      const key = headKey(ref.identityPoolId, ref.identityId, ref.datasetName)
      return run("reading dataset", key, () => readTransaction(ref, query, key))
    },
    listDatasets: (identityPoolId, identityId) =>
      run("listing datasets of", `${identityPoolId}/${identityId}`, () => listTransaction(identityPoolId, identityId)),
    commit: (commit) =>
      write(
        "committing to dataset",
        headKey(commit.ref.identityPoolId, commit.ref.identityId, commit.ref.datasetName),
        commitTransaction,
        commit
      ),
    deleteDataset: (ref, now) =>
      Effect.map(
        write("deleting dataset", headKey(ref.identityPoolId, ref.identityId, ref.datasetName), deleteTransaction, ref, now),
        (done) => done._tag === "Deleted" ? done.head : undefined
      ),
    deleteDatasetAt: (ref, syncCount, now) =>
      write("deleting dataset", headKey(ref.identityPoolId, ref.identityId, ref.datasetName), deleteTransaction, ref, now, syncCount),
    poolDatasets: (identityPoolId) =>
      run("listing the datasets of pool", identityPoolId, () =>
        head.ofPool.all(identityPoolId).map((row) => ({ identityPoolId, identityId: row.identity, datasetName: row.name }))),
    readPool: (identityPoolId) =>
      run("reading pool", poolKey(identityPoolId), () => {
        const found = pool.select.get(identityPoolId)
        return found === undefined ? SyncStore.emptyPool : poolOf(found.configuration, identityPoolId)
      }),
    updatePool: <E>(identityPoolId: string, update: (state: SyncStore.PoolState) => Either.Either<SyncStore.PoolState, E>) =>
      Effect.flatMap(
        write("updating pool", poolKey(identityPoolId), updatePoolTransaction, identityPoolId, update),
        (updated): Effect.Effect<SyncStore.PoolState, E> =>
          updated._tag === "Written"
            ? Effect.succeed(updated.state)
            : updated._tag === "Refused"
            ? Effect.fail(updated.error as E)
            : Effect.die(updated.defect)
      ),
    registerDevice: (identityPoolId, identityId, candidate, maxDevices) =>
      write(
        "registering a device of",
        `${identityPoolId}/${identityId}`,
        registerTransaction,
        identityPoolId,
        identityId,
        candidate,
        maxDevices
      ),
    subscribe: (ref, deviceId) =>
      write("subscribing to", headKey(ref.identityPoolId, ref.identityId, ref.datasetName), subscribeTransaction, ref, deviceId),
    unsubscribe: (ref, deviceId) =>
      write("unsubscribing from", headKey(ref.identityPoolId, ref.identityId, ref.datasetName), unsubscribeTransaction, ref, deviceId),
    subscribers: (ref) =>
      run("reading the subscribers of", headKey(ref.identityPoolId, ref.identityId, ref.datasetName), () => subscribersOf(ref)),
    device: (identityPoolId, identityId, deviceId) =>
      run("reading a device of", `${identityPoolId}/${identityId}`, () => {
        const row = device.read.get(identityPoolId, identityId, deviceId)
        return row === undefined ? undefined : { deviceId, platform: row.platform, token: row.token }
      }),
    countSessions: (identityPoolId, sessions) =>
      write("counting the sessions of pool", poolKey(identityPoolId), countTransaction, identityPoolId, sessions),
    identityUsage: (identityPoolId, identityId) =>
      run("reading the usage of", `${identityPoolId}/${identityId}`, () => identityUsageTransaction(identityPoolId, identityId)),
    poolUsage: (identityPoolId) =>
      run("reading the usage of pool", poolKey(identityPoolId), () => poolUsageTransaction(identityPoolId)),
    listPoolUsage: (after, limit) =>
      run("listing pool usage", undefined, () => listPoolUsageTransaction(after, limit)),
    ...makeSqliteTransfer(db, { run, write, forget: () => known.forget(), sessions })
  }
}
