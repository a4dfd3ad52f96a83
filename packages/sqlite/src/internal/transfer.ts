import type BetterSqlite3 from "better-sqlite3"
import { Effect } from "effect"
import { SyncStore } from "@syncalite/core"
import {
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
  type SessionsCodec
} from "./rows.js"
import { deviceDigest } from "./schema.js"

type Database = BetterSqlite3.Database

/** How the store runs its writes: in its group commit, failures as StorageErrors. */
export type Write = <Args extends Array<unknown>, A>(
  what: string,
  key: string | undefined,
  transaction: BetterSqlite3.Transaction<(...args: Args) => A>,
  ...args: Args
) => Effect.Effect<A, SyncStore.StorageError>

export type Run = <A>(what: string, key: string | undefined, body: () => A) => Effect.Effect<A, SyncStore.StorageError>

/**
 * Scan and restore over the tables: pools in id order, then identities (those with datasets or
 * devices) in (pool, identity) order, each read in one transaction; a restore is one write.
 * `forget` drops what the connection remembers of datasets, which a restore rewrites.
 */
export const makeSqliteTransfer = (
  db: Database,
  parts: { readonly run: Run; readonly write: Write; readonly forget: () => void; readonly sessions: SessionsCodec }
): Pick<SyncStore.SyncStoreShape, "scan" | "restore"> => {
  const { forget, run, sessions, write } = parts
  const poolOf = poolsCodec()
  const statement = <R = unknown>(sql: string) => db.prepare<Array<unknown>, R>(sql)

  const pools = {
    first: statement<string>("SELECT pool FROM syncalite_pools ORDER BY pool LIMIT ?").pluck(),
    after: statement<string>("SELECT pool FROM syncalite_pools WHERE pool > ? ORDER BY pool LIMIT ?").pluck(),
    read: statement<{ readonly configuration: unknown; readonly sessions: unknown }>(
      "SELECT configuration, sessions FROM syncalite_pools WHERE pool = ?"
    ),
    write: statement(
      `INSERT INTO syncalite_pools (pool, configuration, sessions) VALUES (?, ?, ?)
       ON CONFLICT (pool) DO UPDATE SET configuration = excluded.configuration, sessions = excluded.sessions`
    ),
    known: statement("INSERT OR IGNORE INTO syncalite_pools (pool) VALUES (?)")
  }
  const identities = {
    first: statement<{ readonly pool: string; readonly identity: string }>(
      `SELECT pool, identity FROM syncalite_datasets UNION SELECT pool, identity FROM syncalite_devices
       ORDER BY 1, 2 LIMIT ?`
    ),
    after: statement<{ readonly pool: string; readonly identity: string }>(
      `SELECT pool, identity FROM syncalite_datasets WHERE (pool, identity) > (?, ?)
       UNION SELECT pool, identity FROM syncalite_devices WHERE (pool, identity) > (?, ?)
       ORDER BY 1, 2 LIMIT ?`
    )
  }
  const content = {
    heads: statement<HeadRow & { readonly name: string }>("SELECT * FROM syncalite_datasets WHERE pool = ? AND identity = ?"),
    records: db.prepare<Array<unknown>, RecordRow>(`SELECT ${recordColumns} FROM syncalite_records WHERE dataset = ? ORDER BY key`)
      .raw(),
    devices: statement<{ readonly device_id: string; readonly platform: string; readonly token: string }>(
      "SELECT device_id, platform, token FROM syncalite_devices WHERE pool = ? AND identity = ?"
    ),
    subscriptions: statement<{ readonly dataset: string; readonly device_id: string }>(
      "SELECT dataset, device_id FROM syncalite_subscriptions WHERE pool = ? AND identity = ?"
    )
  }
  const restoring = {
    head: statement<number>(
      `INSERT INTO syncalite_datasets (pool, identity, name, live, sync_count, last_deletion_count, creation_date,
         last_modified_date, last_modified_by, num_records, data_storage, entries, entry_bytes, consumed_sessions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (pool, identity, name) DO UPDATE SET live = excluded.live, sync_count = excluded.sync_count,
         last_deletion_count = excluded.last_deletion_count, creation_date = excluded.creation_date,
         last_modified_date = excluded.last_modified_date, last_modified_by = excluded.last_modified_by,
         num_records = excluded.num_records, data_storage = excluded.data_storage, entries = excluded.entries,
         entry_bytes = excluded.entry_bytes, consumed_sessions = excluded.consumed_sessions
       RETURNING id`
    ).pluck(),
    clearRecords: statement("DELETE FROM syncalite_records WHERE dataset = ?"),
    record: statement(
      `INSERT INTO syncalite_records (dataset, key, value, sync_count, modified, modified_by, device_modified)
       VALUES (?, ?, ?, ?, ?, ?, ?)`
    ),
    device: statement(
      "INSERT OR REPLACE INTO syncalite_devices (pool, identity, device_id, platform, token, digest) VALUES (?, ?, ?, ?, ?, ?)"
    ),
    clearSubscriptions: statement("DELETE FROM syncalite_subscriptions WHERE pool = ? AND identity = ? AND dataset = ?"),
    subscription: statement("INSERT INTO syncalite_subscriptions (pool, identity, dataset, device_id) VALUES (?, ?, ?, ?)")
  }

  const readPool = (identityPoolId: string): SyncStore.PoolItem => {
    const found = pools.read.get(identityPoolId)
    const count = found?.sessions ?? 0
    if (typeof count !== "number" || !Number.isSafeInteger(count)) {
      throw new SyncStore.StorageError({ message: `Unreadable row ${poolKey(identityPoolId)}: sessions is not a count` })
    }
    return { _tag: "Pool", identityPoolId, configuration: poolOf(found?.configuration, identityPoolId), syncSessionsCount: count }
  }

  const readIdentity = db.transaction((identityPoolId: string, identityId: string): SyncStore.IdentityItem => {
    const subscriptions = new Map<string, Array<string>>()
    for (const row of content.subscriptions.all(identityPoolId, identityId)) {
      subscriptions.set(row.dataset, [...(subscriptions.get(row.dataset) ?? []), row.device_id])
    }
    return SyncStore.identityItem(identityPoolId, identityId, {
      datasets: content.heads.all(identityPoolId, identityId).map((row) => {
        const key = headKey(identityPoolId, identityId, row.name)
        return { head: headOf(row, row.name, key, sessions), records: content.records.all(row.id).map((found) => recordOf(found, key)) }
      }),
      devices: content.devices.all(identityPoolId, identityId).map((row) => ({
        deviceId: row.device_id,
        platform: row.platform,
        token: row.token
      })),
      subscriptions: [...subscriptions].map(([datasetName, deviceIds]) => ({ datasetName, deviceIds }))
    })
  })

  const restoreIdentity = (item: SyncStore.IdentityItem) => {
    const { identityId, identityPoolId } = item
    pools.known.run(identityPoolId)
    for (const { head, records } of item.datasets) {
      const id = restoring.head.get(identityPoolId, identityId, head.name, ...headColumns(head, sessions, undefined))
      restoring.clearRecords.run(id)
      for (const record of records) {
        restoring.record.run(
          id,
          encodeKey(record.key),
          encodeValue(record.value),
          record.syncCount,
          record.lastModifiedDate,
          record.lastModifiedBy,
          record.deviceLastModifiedDate ?? null
        )
      }
    }
    for (const device of item.devices) restoring.device.run(identityPoolId, identityId, device.deviceId, device.platform, device.token, deviceDigest(device.platform, device.token))
    for (const { datasetName, deviceIds } of item.subscriptions) {
      restoring.clearSubscriptions.run(identityPoolId, identityId, datasetName)
      for (const deviceId of deviceIds) restoring.subscription.run(identityPoolId, identityId, datasetName, deviceId)
    }
  }

  const restoreTransaction = db.transaction((items: ReadonlyArray<SyncStore.StoreItem>) => {
    for (const item of items) {
      if (item._tag === "Pool") pools.write.run(item.identityPoolId, poolColumn(item.configuration), item.syncSessionsCount)
      else restoreIdentity(item)
    }
    // the datasets this connection remembers may be among those rewritten
    forget()
  })

  return {
    scan: SyncStore.scanInPhases({
      pools: (after, limit) =>
        run("listing pools", undefined, () => (after === undefined ? pools.first.all(limit) : pools.after.all(after, limit))),
      identities: (after, limit) =>
        run("listing identities", undefined, () =>
          (after === undefined ? identities.first.all(limit) : identities.after.all(after[0], after[1], after[0], after[1], limit))
            .map((row) => [row.pool, row.identity] as const)),
      pool: (identityPoolId) => run("reading pool", poolKey(identityPoolId), () => readPool(identityPoolId)),
      identity: (identityPoolId, identityId) =>
        run("reading identity", `${identityPoolId}/${identityId}`, () => readIdentity(identityPoolId, identityId))
    }),
    restore: (items) => write("restoring", undefined, restoreTransaction, items)
  }
}
