/**
 * Storage figures: UpdateRecords and ListRecords through the Promise facade on the SQLite adapter
 * (a file in the temp directory; WAL, synchronous=NORMAL), at 1 and at 64 requests in flight,
 * each beside better-sqlite3 doing the equivalent work on the same kind of file in the same run:
 * - UpdateRecords of 1 record: one read-check-write transaction (BEGIN IMMEDIATE; read the head
 *   and the record; compare the sync count; write the record and the head; COMMIT);
 * - ListRecords of the 10 records changed since N, of 100: one read transaction (the head, and
 *   the rows changed since N by the sync-count index, in key order), and the upsert of the pool's
 *   session counter, since every ListRecords mints a token and SyncSessionsCount counts them
 *   (SPEC A §5); the target is against both, and the read alone is printed beside them.
 * Then how the cost grows with the dataset (1 record written, or 10 changed records listed, in a
 * dataset of 10 and of 1000 records), and the Keyv adapter over @keyv/sqlite and over Keyv's Map.
 *
 * Tokens are minted outside the timed figure, as in core.ts: the time minting takes is measured
 * apart and taken out. Figures and baselines run side by side in interleaved rounds; beside the
 * ratio of rates, the ratio of CPU time per operation (in brackets) is what a busy machine
 * distorts least.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import KeyvSqlite from "@keyv/sqlite"
import Database from "better-sqlite3"
import Keyv from "keyv"
import { createCognitoSync, SyncSessionToken } from "@syncalite/core"
import { KeyvSyncStore } from "@syncalite/keyv"
import { SqliteSyncStore } from "@syncalite/sqlite"
import { type Figure, measure } from "./measure.js"

const secret = "bench-secret-0123456789"
const pool = "us-east-1:5e1ec7ed"

type Operation = (caller: number, i: number) => Promise<unknown> | unknown

/** Runs `operation` with `inFlight` callers, each awaiting its own calls one after another, until `until`. */
const runFor = async (operation: Operation, inFlight: number, until: number): Promise<number> => {
  let n = 0
  await Promise.all(Array.from({ length: inFlight }, async (_, caller) => {
    while (performance.now() < until) {
      for (let k = 0; k < 20; k++) await operation(caller, n++)
    }
  }))
  return n
}

/** A figure, and the operations per second of this process's CPU time: the view a busy machine distorts least. */
interface Measured extends Figure {
  readonly perCpuSecond: number
}

const cpuMs = () => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * Measures operations side by side: after a warm-up, `rounds` rounds each running every operation
 * for `slice` seconds in turn, so that a change of the machine's load during the run weighs on
 * all of them alike (the machine is shared: single runs drift 10-30%). Rates are totals over
 * the rounds.
 */
const sideBySide = async (
  operations: ReadonlyArray<{ readonly name: string; readonly operation: Operation }>,
  inFlight: number,
  { rounds = 5, slice = 0.3 }: { rounds?: number; slice?: number } = {}
): Promise<Array<Measured>> => {
  for (const { operation } of operations) await runFor(operation, inFlight, performance.now() + 150)
  const counts = operations.map(() => 0)
  const times = operations.map(() => 0)
  const cpu = operations.map(() => 0)
  for (let round = 0; round < rounds; round++) {
    for (const [i, { operation }] of operations.entries()) {
      const [start, startCpu] = [performance.now(), cpuMs()]
      counts[i]! += await runFor(operation, inFlight, start + slice * 1000)
      times[i]! += performance.now() - start
      cpu[i]! += cpuMs() - startCpu
    }
  }
  return operations.map(({ name }, i) => ({
    name,
    perSecond: counts[i]! / (times[i]! / 1000),
    perCpuSecond: counts[i]! / (cpu[i]! / 1000)
  }))
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(9)

const percent = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`

/**
 * Prints a figure beside its baselines, with the ratio of the rates and, in brackets, the ratio
 * of the CPU time per operation; a target is a least ratio of rates to the first baseline.
 */
const report = (title: string, figure: Measured, baselines: ReadonlyArray<Measured>, target?: number) => {
  const line = [`${title.padEnd(46)} ${fmt(figure.perSecond)}/s`]
  for (const baseline of baselines) {
    line.push(
      `${baseline.name}: ${fmt(baseline.perSecond)}/s ${percent(figure.perSecond, baseline.perSecond)} ` +
        `(cpu ${percent(figure.perCpuSecond, baseline.perCpuSecond)})`
    )
  }
  if (target !== undefined) {
    line.push(`target >= ${(target * 100).toFixed(0)}%: ${figure.perSecond / baselines[0]!.perSecond >= target ? "met" : "MISSED"}`)
  }
  console.log(line.join("  |  "))
}

/** Prints how much slower the large case is than the small one; a target is the largest ratio. */
const reportGrowth = (title: string, small: Measured, large: Measured, target: number) => {
  const ratio = small.perSecond / large.perSecond
  console.log(
    `${title.padEnd(46)} ${small.name}: ${fmt(small.perSecond)}/s  |  ${large.name}: ${fmt(large.perSecond)}/s  |  ` +
      `cost x${ratio.toFixed(2)} (cpu x${(small.perCpuSecond / large.perCpuSecond).toFixed(2)})  |  ` +
      `target <= x${target}: ${ratio <= target ? "met" : "MISSED"}`
  )
}

/** better-sqlite3 doing the equivalent of each operation, on tables shaped like the adapter's. */
const rawSqlite = (path: string) => {
  const db = new Database(path)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  db.exec(`
    CREATE TABLE heads (id INTEGER PRIMARY KEY, sync_count INTEGER NOT NULL, modified INTEGER NOT NULL);
    CREATE TABLE records (dataset INTEGER NOT NULL, key BLOB NOT NULL, value, sync_count INTEGER NOT NULL,
      modified INTEGER NOT NULL, PRIMARY KEY (dataset, key)) WITHOUT ROWID;
    CREATE INDEX records_changed ON records (dataset, sync_count);
    CREATE TABLE counters (pool TEXT PRIMARY KEY, sessions INTEGER NOT NULL) WITHOUT ROWID;`)
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
  const since = db.prepare(
    "SELECT * FROM records INDEXED BY records_changed WHERE dataset = ? AND sync_count > ? ORDER BY key LIMIT ?"
  )
  const count = db.prepare(
    "INSERT INTO counters (pool, sessions) VALUES (?, 1) ON CONFLICT (pool) DO UPDATE SET sessions = sessions + 1"
  )
  const key = (k: string) => Buffer.from(k, "utf16le").swap16()
  /** one read-check-write transaction; answers the new sync count */
  const update = db.transaction((dataset: number, writes: ReadonlyArray<{ key: string; value: string; expected: number }>) => {
    const current = head.get(dataset)?.sync_count ?? 0
    for (const write of writes) {
      if ((record.get(dataset, key(write.key))?.sync_count ?? 0) !== write.expected) throw new Error("conflict")
    }
    const next = current + 1
    const now = Date.now()
    for (const write of writes) upsertRecord.run(dataset, key(write.key), write.value, next, now)
    upsertHead.run(dataset, next, now)
    return next
  })
  const list = db.transaction((dataset: number, after: number) => {
    head.get(dataset)
    return since.all(dataset, after, 101)
  })
  return {
    update: (dataset: number, writes: ReadonlyArray<{ key: string; value: string; expected: number }>) => update.immediate(dataset, writes),
    list,
    countSession: () => count.run(pool),
    close: () => db.close()
  }
}

/** Keys k000…k<n-1>, so that key order and insertion order agree. */
const keyOf = (k: number) => `k${String(k).padStart(4, "0")}`

type Store = NonNullable<NonNullable<Parameters<typeof createCognitoSync>[0]>["store"]>

/** The facade over a store, with a token minted per write outside the figure. */
const facade = (store: Store) => {
  const sync = createCognitoSync({ tokenSecret: secret, store })
  let session = 0
  const ref = (identity: number, DatasetName = "bench") => ({
    IdentityPoolId: pool,
    IdentityId: `us-east-1:${identity.toString(16).padStart(8, "0")}`,
    DatasetName
  })
  const token = (target: ReturnType<typeof ref>) =>
    SyncSessionToken.mint(secret, { identityPoolId: target.IdentityPoolId, identityId: target.IdentityId, datasetName: target.DatasetName }, {
      id: `bench${session}`,
      // strictly later expiries: past 64 consumed sessions, a dataset refuses every token
      // expiring no later than the oldest one it forgets
      expiresAt: Date.now() + 600_000 + session++
    })
  /** writes `count` records k0000… with `value`, at the sync counts in `counts`, in one UpdateRecords */
  const fill = async (target: ReturnType<typeof ref>, keys: ReadonlyArray<string>, value: string, counts: Map<string, number>) => {
    const result = await sync.updateRecords({
      ...target,
      SyncSessionToken: token(target),
      RecordPatches: keys.map((Key) => ({ Op: "replace" as const, Key, Value: value, SyncCount: counts.get(Key) ?? 0 }))
    })
    for (const record of result.Records) counts.set(record.Key, record.SyncCount)
    return result.Records[0]!.SyncCount
  }
  return { sync, ref, token, fill }
}

interface Prepared {
  readonly name: string
  readonly operation: Operation
  /** the seconds per operation spent outside what is measured (minting tokens), taken out of the figure */
  readonly outside: number
  readonly close: () => Promise<void>
}

/** Takes the time spent outside the measured work out of a figure. */
const net = (figure: Measured, outside: number): Measured => ({
  name: figure.name,
  perSecond: 1 / (1 / figure.perSecond - outside),
  perCpuSecond: 1 / (1 / figure.perCpuSecond - outside)
})

/** UpdateRecords of one record into a dataset per caller, each changing its record every time. */
const prepareUpdate = async (name: string, store: Store, inFlight: number, datasetSize = 1): Promise<Prepared> => {
  const { fill, ref, sync, token } = facade(store)
  const counts = Array.from({ length: inFlight }, () => new Map<string, number>())
  for (let caller = 0; caller < inFlight; caller++) {
    await fill(ref(caller), Array.from({ length: datasetSize }, (_, k) => keyOf(k)), "initial", counts[caller]!)
  }
  const mintOnly = await measure("token minting alone", () => token(ref(0)), { seconds: 0.3, warmup: 0.1 })
  return {
    name,
    outside: 1 / mintOnly.perSecond,
    operation: async (caller, i) => {
      const target = ref(caller)
      const result = await sync.updateRecords({
        ...target,
        SyncSessionToken: token(target),
        RecordPatches: [{ Op: "replace", Key: keyOf(0), Value: `value ${i}`, SyncCount: counts[caller]!.get(keyOf(0))! }]
      })
      counts[caller]!.set(keyOf(0), result.Records[0]!.SyncCount)
    },
    close: () => sync.close()
  }
}

/** ListRecords of the 10 records changed since N in a dataset of `size` records, 10 of them changed. */
const prepareList = async (name: string, store: Store, size = 100): Promise<Prepared> => {
  const { fill, ref, sync } = facade(store)
  const datasets = 8
  const since: Array<number> = []
  for (let dataset = 0; dataset < datasets; dataset++) {
    const counts = new Map<string, number>()
    since.push(await fill(ref(dataset), Array.from({ length: size }, (_, k) => keyOf(k)), "initial", counts))
    const step = Math.max(1, Math.floor(size / 10))
    await fill(ref(dataset), Array.from({ length: 10 }, (_, k) => keyOf(k * step)), "changed", counts)
  }
  return {
    name,
    outside: 0,
    operation: async (caller) => {
      const page = await sync.listRecords({ ...ref(caller % datasets), LastSyncCount: since[caller % datasets]! })
      if (page.Count !== 10) throw new Error(`expected 10 records, got ${page.Count}`)
    },
    close: () => sync.close()
  }
}

/** Measures prepared figures beside baselines, side by side. */
const compare = async (
  inFlight: number,
  prepared: ReadonlyArray<Prepared>,
  baselines: ReadonlyArray<{ readonly name: string; readonly operation: Operation }>
) => {
  const figures = await sideBySide([...baselines, ...prepared], inFlight)
  for (const p of prepared) await p.close()
  return {
    baselines: figures.slice(0, baselines.length),
    figures: figures.slice(baselines.length).map((figure, i) => net(figure, prepared[i]!.outside))
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
    const rawList: Operation = (caller) => {
      if (raw.list(1001 + (caller % 8), 1).length !== 10) throw new Error("expected 10 rows")
    }
    const rawListAndCount: Operation = (caller, i) => {
      rawList(caller, i)
      raw.countSession()
    }

    for (const inFlight of [1, 64]) {
      const { baselines, figures } = await compare(
        inFlight,
        [await prepareUpdate("UpdateRecords", sqlite(`update-${inFlight}`), inFlight)],
        [{ name: "better-sqlite3 read-check-write", operation: rawUpdate }]
      )
      report(`UpdateRecords of 1 record, ${inFlight} in flight`, figures[0]!, baselines, 0.4)
    }
    for (const inFlight of [1, 64]) {
      const { baselines, figures } = await compare(
        inFlight,
        [await prepareList("ListRecords", sqlite(`list-${inFlight}`))],
        [
          // the equivalent work first: ListRecords mints a token, and SyncSessionsCount counts it
          { name: "better-sqlite3 read since N + session count", operation: rawListAndCount },
          { name: "the read alone", operation: rawList }
        ]
      )
      report(`ListRecords (10 changed of 100), ${inFlight} in flight`, figures[0]!, baselines, 0.5)
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

    console.log("\n# storage: Keyv adapter (SyncStore.fromDriver over a Keyv), UpdateRecords of 1 record, 1 in flight")
    {
      const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${join(directory, "keyv-raw.sqlite")}` }))
      const store = new Keyv(new KeyvSqlite({ uri: `sqlite://${join(directory, "keyv.sqlite")}` }))
      const { baselines, figures } = await compare(
        1,
        [await prepareUpdate("UpdateRecords", KeyvSyncStore.layer(store), 1)],
        [{
          name: "@keyv/sqlite get + set",
          operation: async (_, i) => {
            await keyv.get("key")
            await keyv.set("key", `value ${i}`)
          }
        }]
      )
      report("over @keyv/sqlite (sqlite3, rollback journal, as shipped)", figures[0]!, baselines)
      await keyv.disconnect()
    }
    {
      const keyv = new Keyv()
      const { baselines, figures } = await compare(
        1,
        [await prepareUpdate("UpdateRecords", KeyvSyncStore.layer(new Keyv()), 1)],
        [{
          name: "Keyv Map get + set",
          operation: async (_, i) => {
            await keyv.get("key")
            await keyv.set("key", `value ${i}`)
          }
        }]
      )
      report("over Keyv's in-memory Map", figures[0]!, baselines)
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}
