/**
 * Storage figures: UpdateRecords and ListRecords through the Promise facade on the SQLite adapter
 * (a file in the temp directory; WAL, synchronous=NORMAL), at 1 and at 64 requests in flight,
 * each beside better-sqlite3 doing the equivalent work on the same kind of file in the same run:
 * - UpdateRecords of 1 record: one read-check-write transaction (BEGIN IMMEDIATE; read the head
 *   and the record; compare the sync count; write the record and the head; COMMIT); beside it, for
 *   information, its floor over the adapter's layout: the same transaction writing with the head
 *   the dataset's 64 consumed sessions, the text the adapter keeps in the head's row, and that
 *   floor against the plain transaction;
 * - ListRecords of the 10 records changed since N, of 100: one read transaction (the head, and
 *   the rows changed since N by the sync-count index, in key order). ListRecords counts the
 *   session it mints in memory and adds the counts to the store at most once a second, so the
 *   read is its whole equivalent work.
 * Then how the cost grows with the dataset (1 record written, or 10 changed records listed, in a
 * dataset of 10 and of 1000 records).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { SqliteSyncStore } from "@syncalite/sqlite"
import { sessions } from "./measure.js"
import { compare, keyOf, type Measured, type Operation, percent, prepareList, prepareUpdate, report, reportGrowth, runFor } from "./storage-facade.js"

/** better-sqlite3 doing the equivalent of each operation, on tables shaped like the adapter's. */
const rawSqlite = (path: string) => {
  const db = new Database(path)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  db.exec(`
    CREATE TABLE heads (id INTEGER PRIMARY KEY, sync_count INTEGER NOT NULL, modified INTEGER NOT NULL, consumed TEXT);
    CREATE TABLE records (dataset INTEGER NOT NULL, key BLOB NOT NULL, value, sync_count INTEGER NOT NULL,
      modified INTEGER NOT NULL, PRIMARY KEY (dataset, key)) WITHOUT ROWID;
    CREATE INDEX records_changed ON records (dataset, sync_count);`)
  const head = db.prepare<[number], { sync_count: number }>("SELECT sync_count FROM heads WHERE id = ?")
  const record = db.prepare<[number, Buffer], { sync_count: number }>("SELECT sync_count FROM records WHERE dataset = ? AND key = ?")
  const upsertRecord = db.prepare(
    `INSERT INTO records (dataset, key, value, sync_count, modified) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (dataset, key) DO UPDATE SET value = excluded.value, sync_count = excluded.sync_count, modified = excluded.modified`
  )
  const upsertHead = db.prepare(
    `INSERT INTO heads (id, sync_count, modified) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET sync_count = excluded.sync_count, modified = excluded.modified`
  )
  const upsertHeadConsumed = db.prepare(
    `INSERT INTO heads (id, sync_count, modified, consumed) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET sync_count = excluded.sync_count, modified = excluded.modified, consumed = excluded.consumed`
  )
  const since = db.prepare(
    "SELECT * FROM records INDEXED BY records_changed WHERE dataset = ? AND sync_count > ? ORDER BY key LIMIT ?"
  )
  const key = (k: string) => Buffer.from(k, "utf16le").swap16()
  /** one read-check-write transaction, the head written with `consumed` where given; answers the new sync count */
  const update = db.transaction((dataset: number, writes: ReadonlyArray<{ key: string; value: string; expected: number }>, consumed?: string) => {
    const current = head.get(dataset)?.sync_count ?? 0
    for (const write of writes) {
      if ((record.get(dataset, key(write.key))?.sync_count ?? 0) !== write.expected) throw new Error("conflict")
    }
    const next = current + 1
    const now = Date.now()
    for (const write of writes) upsertRecord.run(dataset, key(write.key), write.value, next, now)
    if (consumed === undefined) upsertHead.run(dataset, next, now)
    else upsertHeadConsumed.run(dataset, next, now, consumed)
    return next
  })
  const list = db.transaction((dataset: number, after: number) => {
    head.get(dataset)
    return since.all(dataset, after, 101)
  })
  return {
    update: (dataset: number, writes: ReadonlyArray<{ key: string; value: string; expected: number }>, consumed?: string) =>
      update.immediate(dataset, writes, consumed),
    list,
    close: () => db.close()
  }
}


export const benchStorage = async () => {
  const directory = mkdtempSync(join(tmpdir(), "syncalite-bench-"))
  try {
    console.log(
      "\n# storage: SQLite adapter (better-sqlite3, WAL, synchronous=NORMAL), Promise facade, a file in the temp directory;" +
        "\n# each figure beside better-sqlite3 doing the equivalent work, measured side by side in 5 interleaved rounds"
    )
    const raw = rawSqlite(join(directory, "raw.db"))
    const sqlite = (name: string) => SqliteSyncStore.layer(join(directory, `${name}.db`))
    // the first figures of a process would otherwise pay for compiling the code they run
    {
      const warm = await prepareUpdate("warm-up", sqlite("warm-up"), 1)
      await runFor(warm.operation, 1, performance.now() + 1500)
      await warm.close()
    }

    // raw: datasets 1..64 hold one record, 1001..1008 hold 100 records of which 10 changed since count 1
    for (let dataset = 1; dataset <= 64; dataset++) raw.update(dataset, [{ key: keyOf(0), value: "initial", expected: 0 }])
    for (let dataset = 1001; dataset <= 1008; dataset++) {
      raw.update(dataset, Array.from({ length: 100 }, (_, k) => ({ key: keyOf(k), value: "initial", expected: 0 })))
      raw.update(dataset, Array.from({ length: 10 }, (_, k) => ({ key: keyOf(k * 10), value: "changed", expected: 1 })))
    }
    const rawCounts = new Map<number, number>()
    const rawUpdate: Operation = (caller, i) => {
      const dataset = caller + 1
      rawCounts.set(dataset, raw.update(dataset, [{ key: keyOf(0), value: `value ${i}`, expected: rawCounts.get(dataset) ?? 1 }]))
    }
    // the floor of a commit that keeps its consumed sessions in the head's row, as the adapter does:
    // the same transaction writing with the head the text of 64 sessions (the adapter's JSON, the
    // oldest dropped and the new one appended at each write), datasets 201..264
    const session = sessions()
    const fragment = () => {
      const { id, expiresAt } = session()
      return `,${JSON.stringify(id)},${expiresAt}`
    }
    const consumedOf = new Map<number, string>()
    for (let dataset = 201; dataset <= 264; dataset++) {
      const listed = Array.from({ length: 64 }, fragment).join("")
      consumedOf.set(dataset, listed)
      raw.update(dataset, [{ key: keyOf(0), value: "initial", expected: 0 }], `[0${listed}]`)
    }
    const sessionsCounts = new Map<number, number>()
    const rawUpdateWithSessions: Operation = (caller, i) => {
      const dataset = 201 + caller
      const before = consumedOf.get(dataset)!
      const listed = before.slice(before.indexOf(",", before.indexOf(",", 1) + 1)) + fragment()
      const next = raw.update(dataset, [{ key: keyOf(0), value: `value ${i}`, expected: sessionsCounts.get(dataset) ?? 1 }], `[0${listed}]`)
      consumedOf.set(dataset, listed)
      sessionsCounts.set(dataset, next)
    }
    const rawList: Operation = (caller) => {
      if (raw.list(1001 + (caller % 8), 1).length !== 10) throw new Error("expected 10 rows")
    }

    for (const inFlight of [1, 64]) {
      const { baselines, figures } = await compare(
        inFlight,
        [await prepareUpdate("UpdateRecords", sqlite(`update-${inFlight}`), inFlight)],
        [
          { name: "better-sqlite3 read-check-write", operation: rawUpdate },
          { name: "(floor) with the head's 64 consumed sessions", operation: rawUpdateWithSessions }
        ]
      )
      report(`UpdateRecords of 1 record, ${inFlight} in flight`, figures[0]!, baselines, inFlight === 1 ? 0.5 : 0.6)
      // the floor's own cost: what keeping the sessions in the head takes from the plain transaction
      const [plain, withSessions] = baselines as [Measured, Measured]
      console.log(
        `  (info) the transaction with the head's 64 consumed sessions vs the plain one: ${percent(withSessions.perSecond, plain.perSecond)} ` +
          `(cpu ${percent(withSessions.perCpuSecond, plain.perCpuSecond)})`
      )
    }
    for (const inFlight of [1, 64]) {
      const { baselines, figures } = await compare(
        inFlight,
        [await prepareList("ListRecords", sqlite(`list-${inFlight}`))],
        [{ name: "better-sqlite3 read since N", operation: rawList }]
      )
      report(`ListRecords (10 changed of 100), ${inFlight} in flight`, figures[0]!, baselines, inFlight === 1 ? 0.6 : 0.7)
    }
    raw.close()

    console.log("\n# storage: SQLite adapter, cost against dataset size (1 in flight, side by side)")
    {
      const { figures } = await compare(1, [
        await prepareUpdate("into 10 records", sqlite("grow-update-10"), 1, 10),
        await prepareUpdate("into 1000 records", sqlite("grow-update-1000"), 1, 1000)
      ], [])
      reportGrowth("UpdateRecords of 1 record", figures[0]!, figures[1]!, 2)
    }
    {
      const { figures } = await compare(1, [
        await prepareList("of 10 records", sqlite("grow-list-10"), 10),
        await prepareList("of 1000 records", sqlite("grow-list-1000"), 1000)
      ], [])
      reportGrowth("ListRecords of the 10 changed since N", figures[0]!, figures[1]!, 2)
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

