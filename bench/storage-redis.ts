/**
 * The Redis store (`@syncalite/redis`) beside the raw backend doing the equivalent work in the
 * same run: one EVALSHA of a compare-and-set script (GET, compare, SET) through the same client.
 *
 * - UpdateRecords: the store's commit of one record (one UpdateRecords' storage work), at 1 and
 *   at 64 in flight (each in-flight writer on a dataset of its own, as 64 users would be);
 *   targets: at least 40% of the baseline.
 * - ListRecords: the store's read of the 10 records of 100 changed since N; target: 50%. Beside
 *   each, for information, the bare Redis calls of the same operation (the commit's seven, the
 *   read's three) through the same client, against the same baseline: the floor of any store
 *   over this layout.
 * - Growth: the same two with datasets of 10 and of 1000 records (at 64 in flight): the cost of a
 *   write or a read follows the records it touches, not the dataset (target: at most 2x).
 * - Against the floor: UpdateRecords and ListRecords at 64 in flight beside the commit's seven
 *   Redis calls made by one bare script (target: 60%), the Redis CPU per call of the store's
 *   scripts beside the seven calls' (`INFO commandstats`; commit target: at most 1.5x), each split
 *   into the commands it called and the rest (Lua and its conversions), and the process's own CPU
 *   per call beside the seven calls' through the bare client; each figure beside the floor's of
 *   its own alternated rounds. For information, the floors under those: the older layout's five
 *   calls, the seven calls with the strings a commit reads and makes in Lua (their Redis CPU and
 *   their throughput: what a commit checked in Lua could reach at best), a commit decided in the
 *   process (a read, then a compare-and-set of the head that writes: what a commit checked out of
 *   Lua could reach at best), and ListRecords
 *   beside its own calls (HMGET, ZRANGEBYSCORE, HMGET) through the bare client, those calls
 *   beside the seven calls, and the same calls answered to fibers through `Effect.async` (what
 *   the Effect runtime adds to the client, the store's operations being Effects).
 * - For information, the whole operations through `createCognitoSync` on this store (token
 *   verification, validation, the pool read, the session count...).
 *
 * Redis comes from REDIS_URL (default redis://127.0.0.1:6379); the section is skipped when it
 * does not answer. Keys live under a prefix of their own and are removed afterwards.
 */
import { randomUUID } from "node:crypto"
import { Effect, Exit, Scope } from "effect"
import { createCognitoSync, SyncSessionToken, type SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { alternate, alternateEach, type Figure, sessions } from "./measure.js"

const url = process.env.REDIS_URL || "redis://127.0.0.1:6379"
const secret = "bench-secret-0123456789"
const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }

const CAS = `local v = redis.call('GET', KEYS[1]) if (v or '') ~= ARGV[1] then return 0 end redis.call('SET', KEYS[1], ARGV[2]) return 1`

/**
 * The Redis calls of a commit of one record, with none of its logic: the registration and the
 * head read (HMGET), the record read (HGET), the oldest consumed sessions read (GETRANGE of a few
 * entries), the change indexed (ZADD), the record and the head written (HSET, HSET), the session
 * appended to the dataset's consumed sessions (APPEND). What any commit over the store's layout
 * costs Redis at the least.
 */
const COMMIT_CALLS = [
  "redis.call('HMGET', KEYS[1], '', ARGV[1])",
  "redis.call('HGET', KEYS[2], ARGV[2])",
  "redis.call('GETRANGE', KEYS[4], 0, 63)",
  "redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])",
  "redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])",
  "redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])",
  "redis.call('APPEND', KEYS[4], ARGV[6])",
  "return {'ok', ARGV[5]}"
].join("\n")

/**
 * The seven calls with the strings any commit over this layout reads and makes in Lua, and none
 * of its checks: the head line read into its fields and made anew, the record's figures read and
 * its JSON made, the oldest consumed session read, the new one's entry made, from the
 * arguments the store's commit takes (name, session id and expiry, expected sync count, now,
 * modifiedBy, three limits, one condition and one write). What a commit checked in Lua costs
 * Redis at the least.
 */
const STRING_WORK = String.raw`
local name, id, expiry, now, by, key, bytes, tail = ARGV[1], ARGV[2], ARGV[3], ARGV[5], ARGV[6], ARGV[14], ARGV[15], ARGV[16]
local got = redis.call('HMGET', KEYS[1], '', 'h' .. name)
local exists, syncCount, deletion, created, _, numRecords, dataStorage, entries, entryBytes, floor, count, last, start =
  string.match(got[2], '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t')
local value = redis.call('HGET', KEYS[2], key)
local server, was = string.match(value, '^{"syncCount":(%d+),"valueBytes":(%-?%d+),')
local oldest = redis.call('GETRANGE', KEYS[4], 0, 63)
local _, stop, at = string.find(oldest, '^\n[^\t\n]*\t([^\n]*)')
local synced = syncCount + 1
redis.call('ZADD', KEYS[3], synced, key)
redis.call('HSET', KEYS[2], key, '{"syncCount":' .. synced .. ',"valueBytes":' .. bytes .. ',' .. tail)
local line = exists .. '\t' .. synced .. '\t' .. deletion .. '\t' .. created .. '\t' .. now .. '\t' .. numRecords .. '\t' .. dataStorage ..
  '\t' .. entries .. '\t' .. entryBytes .. '\t' .. floor .. '\t' .. count .. '\t' .. expiry .. '\t' .. start .. '\t' .. by
redis.call('HSET', KEYS[1], 'h' .. name, line)
redis.call('APPEND', KEYS[4], '\n' .. id .. '\t' .. expiry)
return {'ok', line}
`

/**
 * A commit decided in the process, at the least: the head, the record and the oldest consumed
 * sessions read by one script, the process making the new head line, record and session entry
 * from them, and a second script that writes them only if the head line is still the one read
 * (the compare-and-set of the head), with no check beyond that. What a commit that takes its
 * decision out of Lua costs at the least: two round trips, the seven calls and a compare.
 */
const DECIDED_READ = String.raw`
local got = redis.call('HMGET', KEYS[1], '', ARGV[1])
return {got[2], redis.call('HGET', KEYS[2], ARGV[2]), redis.call('GETRANGE', KEYS[4], 0, 63)}
`
const DECIDED_WRITE = String.raw`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[6])
redis.call('APPEND', KEYS[4], ARGV[7])
return 1
`

/**
 * The Redis calls of a ListRecords' read, with none of its checks: the registration and the head
 * read (HMGET), the keys changed after a sync count (ZRANGEBYSCORE), their records (HMGET),
 * answered as read. Through the bare client, what such a read costs Redis and the process at the
 * least (the records left as the JSON Redis answers).
 */
const READ_CALLS = String.raw`
local got = redis.call('HMGET', KEYS[1], '', 'h' .. ARGV[1])
local keys = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[2], '+inf')
return {got[2], redis.call('HMGET', KEYS[2], unpack(keys))}
`

/**
 * The same over the older layout, the consumed sessions in a field of the heads (HMGET with the
 * head, written back as read): the floor the store's commit had before.
 */
const FIVE_CALLS = [
  "local got = redis.call('HMGET', KEYS[1], '', ARGV[1], ARGV[2])",
  "redis.call('HMGET', KEYS[2], ARGV[3])",
  "redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])",
  "redis.call('HSET', KEYS[2], ARGV[3], ARGV[5])",
  "redis.call('HSET', KEYS[1], ARGV[1], ARGV[6], ARGV[2], got[3] or '')",
  "return {'ok', ARGV[6]}"
].join("\n")

/** Runs `workers` loops of an operation for a fixed time after a warm-up; operations per second. */
export const measureInFlight = async (
  name: string,
  workers: number,
  operation: (worker: number, i: number) => Promise<unknown>,
  { seconds = 1.5, warmup = 0.3 }: { seconds?: number; warmup?: number } = {}
): Promise<Figure> => {
  const counters = new Array<number>(workers).fill(0)
  const run = (until: number) =>
    Promise.all(counters.map(async (_, worker) => {
      while (performance.now() < until) {
        await operation(worker, counters[worker]!)
        counters[worker]!++
      }
    }))
  await run(performance.now() + warmup * 1000)
  const before = counters.reduce((a, b) => a + b, 0)
  const start = performance.now()
  await run(start + seconds * 1000)
  const done = counters.reduce((a, b) => a + b, 0) - before
  return { name, perSecond: done / ((performance.now() - start) / 1000) }
}

/**
 * The same for an Effect operation, its loops running as fibers of one program, as the store's
 * operations run inside the service (no `runPromise` per operation).
 */
const measureFibers = async (
  name: string,
  workers: number,
  operation: (worker: number, i: number) => Effect.Effect<unknown, unknown>,
  { seconds = 1.5, warmup = 0.3 }: { seconds?: number; warmup?: number } = {}
): Promise<Figure> => {
  const counters = new Array<number>(workers).fill(0)
  const run = (until: number) =>
    Effect.forEach(counters, (_, worker) =>
      Effect.whileLoop({
        while: () => performance.now() < until,
        body: () => operation(worker, counters[worker]!),
        step: () => {
          counters[worker]!++
        }
      }), { concurrency: "unbounded", discard: true })
  await Effect.runPromise(run(performance.now() + warmup * 1000))
  const before = counters.reduce((a, b) => a + b, 0)
  const start = performance.now()
  await Effect.runPromise(run(start + seconds * 1000))
  const done = counters.reduce((a, b) => a + b, 0) - before
  return { name, perSecond: done / ((performance.now() - start) / 1000) }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(9)

const ROUNDS = 5
const SHORT = { seconds: 0.5, warmup: 0.1 }

export const line = (title: string, figure: Figure, baseline: Figure, target?: number) => {
  const ratio = figure.perSecond / baseline.perSecond
  const verdict = target === undefined ? "" : `  |  target >= ${target * 100}%: ${ratio >= target ? "met" : "MISSED"}`
  console.log(
    `${title.padEnd(50)} ${fmt(figure.perSecond)}/s  |  ${baseline.name}: ${fmt(baseline.perSecond)}/s (${(ratio * 100).toFixed(0)}%)${verdict}`
  )
}

/** script calls (FCALL, EVALSHA) and the microseconds Redis spent in them */
interface ScriptCpu {
  calls: number
  usec: number
  /** of `usec`, the microseconds of the commands the scripts called (HMGET, ZADD, HSET...) */
  commandUsec: number
  /** the microseconds of CPU this process spent meanwhile (the client's, the store's and the harness's) */
  processUsec: number
}

/**
 * A script's Redis CPU per call beside a floor's, each split into the commands it called
 * and the rest (Lua, and Redis turning arguments and answers into Lua values and back).
 */
const cpuLine = (title: string, figure: ScriptCpu, baseline: ScriptCpu, baselineName: string, target?: number) => {
  const perCall = figure.usec / figure.calls
  const basePerCall = baseline.usec / baseline.calls
  const ratio = perCall / basePerCall
  const verdict = target === undefined ? "" : `  |  target <= ${target}x: ${ratio <= target ? "met" : "MISSED"}`
  const split = (cpu: ScriptCpu) => `commands ${(cpu.commandUsec / cpu.calls).toFixed(2)}, the rest ${((cpu.usec - cpu.commandUsec) / cpu.calls).toFixed(2)}`
  console.log(
    `${title.padEnd(50)} ${perCall.toFixed(2).padStart(6)} µs/call (${split(figure)})  |  ${baselineName}: ${basePerCall.toFixed(2)} µs/call (${
      split(baseline)
    }) (${ratio.toFixed(2)}x)${verdict}`
  )
}

/** The process's CPU per operation (one script call each) beside a floor's through the bare client. */
const processLine = (title: string, figure: ScriptCpu, baseline: ScriptCpu, baselineName: string) => {
  const perCall = figure.processUsec / figure.calls
  const basePerCall = baseline.processUsec / baseline.calls
  console.log(
    `${title.padEnd(50)} ${perCall.toFixed(2).padStart(6)} µs/call  |  ${baselineName}: ${basePerCall.toFixed(2)} µs/call (${(perCall / basePerCall).toFixed(2)}x)`
  )
}

/** the commands the store's commit and read scripts and the floors make */
const scriptCommands = new Set([
  "hmget", "hget", "hset", "hdel", "zadd", "zrangebyscore", "hlen", "scard", "smembers", "sadd", "type", "xadd", "set", "get", "getrange", "append"
])

const growth = (title: string, small: Figure, large: Figure) => {
  const cost = small.perSecond / large.perSecond
  console.log(
    `${title.padEnd(50)} ${fmt(large.perSecond)}/s  |  ${small.name}: ${fmt(small.perSecond)}/s  |  cost ${cost.toFixed(2)}x  |  target <= 2x: ${
      cost <= 2 ? "met" : "MISSED"
    }`
  )
}

export const benchStorageRedis = async () => {
  console.log(`\n# @syncalite/redis on ${url.replace(/\/\/[^@/]*@/, "//")}, beside one EVALSHA compare-and-set through the same client`)
  const prefix = `syncalite-bench-${randomUUID().slice(0, 8)}`
  const scope = Effect.runSync(Scope.make())
  const built = await Effect.runPromiseExit(Scope.extend(RedisSyncStore.make({ redis: url, prefix }), scope))
  if (Exit.isFailure(built)) {
    console.log(`skipped: Redis does not answer at ${url} (set REDIS_URL)`)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    return
  }
  const store = built.value
  const client = store.client as unknown as { sendCommand: (args: ReadonlyArray<string>) => Promise<unknown> }
  const run = <A>(effect: Effect.Effect<A, unknown>) => Effect.runPromise(effect)
  const pool = `us-east-1:${randomUUID()}`
  const identities = Array.from({ length: 64 }, (_, i) => `us-east-1:${i.toString(16).padStart(8, "0")}`)
  const sha = String(await client.sendCommand(["SCRIPT", "LOAD", CAS]))
  const commitCallsSha = String(await client.sendCommand(["SCRIPT", "LOAD", COMMIT_CALLS]))
  const fiveCallsSha = String(await client.sendCommand(["SCRIPT", "LOAD", FIVE_CALLS]))
  const stringWorkSha = String(await client.sendCommand(["SCRIPT", "LOAD", STRING_WORK]))
  const readCallsSha = String(await client.sendCommand(["SCRIPT", "LOAD", READ_CALLS]))
  const decidedReadSha = String(await client.sendCommand(["SCRIPT", "LOAD", DECIDED_READ]))
  const decidedWriteSha = String(await client.sendCommand(["SCRIPT", "LOAD", DECIDED_WRITE]))

  let baselines = 0
  const session = sessions()
  /** the baseline: each worker compare-and-sets a key of its own, one EVALSHA per operation */
  const casOperation = async (workers: number) => {
    const values = new Array<string>(workers).fill("")
    const run = baselines++
    return async (worker: number, i: number) => {
      const next = `value ${i}`
      const done = await client.sendCommand(["EVALSHA", sha, "1", `${prefix}:cas:${run}:${worker}`, values[worker]!, next])
      if (done !== 1) throw new Error("the compare-and-set lost")
      values[worker] = next
    }
  }
  const casBaseline = async (workers: number) =>
    measureInFlight("EVALSHA compare-and-set", workers, await casOperation(workers), SHORT)

  /**
   * Each worker's dataset as a commit finds it after 64 writes: a head line, 64 consumed sessions
   * made as the store's commits below make theirs (the list's length is much of what a commit
   * of the older layout costs Redis), in the string of the store's layout or (`older`) in a
   * field of the heads.
   */
  const commitCalls = async (workers: number, floor: "seven" | "older" | "strings" | "decided" = "seven") => {
    const older = floor === "older"
    const run = baselines++
    const sessionList = Array.from({ length: 64 }, () => {
      const { id, expiresAt } = session()
      return `\n${id}\t${expiresAt}`
    }).join("")
    const head = (syncCount: number) =>
      `1\t${syncCount}\t0\t1700000000000\t${Date.now()}\t1\t20\t1\t20\t0\t64\t${Date.now() + 3_600_000}\t1\tbench`
    const record = (syncCount: number, value: string) =>
      `{"syncCount":${syncCount},"valueBytes":${Buffer.byteLength(value)},"value":${JSON.stringify(value)}}`
    for (let worker = 0; worker < workers; worker++) {
      const base = `${prefix}:calls:${run}:${worker}`
      await client.sendCommand(["HSET", `${base}:heads`, "hbench", head(1), ...(older ? ["sbench", sessionList] : [])])
      await client.sendCommand(["HSET", `${base}:records`, "key0", record(1, "value")])
      if (!older) await client.sendCommand(["SET", `${base}:consumed`, sessionList])
    }
    return async (worker: number, i: number) => {
      const base = `${prefix}:calls:${run}:${worker}`
      const { id, expiresAt } = session()
      const value = `value ${i}`
      const keys = [`${base}:heads`, `${base}:records`, `${base}:changes`]
      if (floor === "decided") {
        const all = [...keys, `${base}:consumed`]
        const [current, stored, oldest] = (await client.sendCommand(["EVALSHA", decidedReadSha, "4", ...all, "hbench", "key0"])) as [string, string, string]
        const fields = current.split("\t")
        const synced = Number(fields[1]) + 1
        if (!/^\{"syncCount":\d+,"valueBytes":-?\d+,/.test(stored) || !/^\n[^\t\n]*\t[^\n]*/.test(oldest)) throw new Error("unexpected read")
        fields[1] = String(synced)
        fields[4] = String(Date.now())
        fields[11] = String(expiresAt)
        const next = fields.join("\t")
        const written = await client.sendCommand(
          ["EVALSHA", decidedWriteSha, "4", ...all, "hbench", current, String(synced), "key0", record(synced, value), next, `\n${id}\t${expiresAt}`]
        )
        if (written !== 1) throw new Error("the compare-and-set of the head lost")
        return
      }
      await client.sendCommand(
        floor === "older"
          ? ["EVALSHA", fiveCallsSha, "3", ...keys, "hbench", "sbench", "key0", String(i + 1), record(i + 1, value), head(i + 1)]
          : floor === "seven"
          ? ["EVALSHA", commitCallsSha, "4", ...keys, `${base}:consumed`, "hbench", "key0", String(i + 1), record(i + 1, value), head(i + 1), `\n${id}\t${expiresAt}`]
          : [
            "EVALSHA", stringWorkSha, "4", ...keys, `${base}:consumed`, "bench", id, String(expiresAt), "", String(Date.now()), "bench", "20", "1024", "1048576",
            "1", "key0", String(i + 1), "1", "key0", String(Buffer.byteLength(value)),
            `"key":"key0","value":${JSON.stringify(value)},"lastModifiedDate":${Date.now()},"lastModifiedBy":"bench"}`
          ]
      )
    }
  }

  /**
   * The figures of script calls in `INFO commandstats` so far, FCALL (the store's scripts where
   * Redis has functions) and EVALSHA (the baselines, and the store's scripts where it has not)
   * summed: Redis counts what a script's own calls cost in them.
   */
  const scriptsSoFar = async (): Promise<ScriptCpu> => {
    const stats = String(await client.sendCommand(["INFO", "commandstats"]))
    const total: ScriptCpu = { calls: 0, usec: 0, commandUsec: 0, processUsec: 0 }
    for (const found of stats.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)) {
      const [, command, calls, usec] = found as unknown as [string, string, string, string]
      if (command === "evalsha" || command === "fcall") {
        total.calls += Number(calls)
        total.usec += Number(usec)
      } else if (scriptCommands.has(command)) {
        total.commandUsec += Number(usec)
      }
    }
    return total
  }
  /** a phase that also adds the script calls and CPU it cost Redis to `cpu` */
  const withCpu = (cpu: ScriptCpu, phase: () => Promise<Figure>) => async () => {
    const before = await scriptsSoFar()
    const processBefore = process.cpuUsage()
    const figure = await phase()
    const processSpent = process.cpuUsage(processBefore)
    const after = await scriptsSoFar()
    cpu.calls += after.calls - before.calls
    cpu.usec += after.usec - before.usec
    cpu.commandUsec += after.commandUsec - before.commandUsec
    cpu.processUsec += processSpent.user + processSpent.system
    return figure
  }

  /** A dataset per worker holding `size` records, 10 of which changed after sync count 1. */
  const seed = async (name: string, size: number) => {
    const counts: Array<{ [key: string]: number }> = []
    await Promise.all(identities.map(async (identityId, worker) => {
      const ref = { identityPoolId: pool, identityId, datasetName: name }
      const keys = Array.from({ length: size }, (_, k) => `key${k}`)
      const commit = (writes: ReadonlyArray<string>, value: string, syncCount: (key: string) => number) =>
        run(store.commit({
          ref,
          session: session(),
          conditions: writes.map((key) => ({ key, syncCount: syncCount(key) })),
          writes: writes.map((key) => ({ key, value })),
          modifiedBy: "bench",
          now: Date.now(),
          limits
        }))
      await commit(keys, "value seeded".padEnd(60, "."), () => 0)
      const changed = Array.from({ length: 10 }, (_, k) => `key${Math.floor((k * size) / 10)}`)
      await commit(changed, "changed", () => 1)
      const current: { [key: string]: number } = {}
      for (const key of keys) current[key] = 1
      for (const key of changed) current[key] = 2
      counts[worker] = current
    }))
    return counts
  }

  const updates = (name: string, counts: Array<{ [key: string]: number }>) => {
    const refs = identities.map((identityId) => ({ identityPoolId: pool, identityId, datasetName: name }))
    return (worker: number, i: number) => {
      const key = `key${i % 7}`
      return Effect.map(
        store.commit({
          ref: refs[worker]!,
          session: session(),
          conditions: [{ key, syncCount: counts[worker]![key] ?? 0 }],
          writes: [{ key, value: `value ${i}` }],
          modifiedBy: "bench",
          now: Date.now(),
          limits
        }),
        (result) => {
          if (result._tag !== "Committed") throw new Error(`expected Committed, got ${result._tag}`)
          counts[worker]![key] = result.head.syncCount
        }
      )
    }
  }

  /** a ListRecords' read: without a token to check (a device's usual first call), as core asks it */
  const reads = (name: string) => {
    const refs = identities.map((identityId) => ({ identityPoolId: pool, identityId, datasetName: name }))
    return (worker: number) =>
      Effect.map(store.readDataset(refs[worker]!, { since: 1, withoutSessions: true }), (view: SyncStore.DatasetView) => {
        if (view.records.length !== 10) throw new Error(`expected 10 records, got ${view.records.length}`)
      })
  }

  /** the read's calls on the store's own keys of a dataset `name` (the layout of codec.ts) */
  const readCalls = (name: string) => {
    const keys = identities.map((identityId) => {
      const base = `${prefix}:{${pool}|${identityId}}`
      return [`${base}:heads`, `${base}:r:${name}`, `${base}:c:${name}`]
    })
    return async (worker: number) => {
      const [, records] = (await client.sendCommand(["EVALSHA", readCallsSha, "3", ...keys[worker]!, name, "1"])) as [string, Array<string>]
      if (records.length !== 10) throw new Error(`expected 10 records, got ${records.length}`)
    }
  }

  /**
   * the same calls answered to a fiber through `Effect.async`, run as the store's reads are: what
   * the Effect runtime adds to the bare client (the store's operations are Effects)
   */
  const readCallsInFibers = (name: string) => {
    const call = readCalls(name)
    return (worker: number) =>
      Effect.async<void>((resume) => {
        call(worker).then(() => resume(Effect.void), (error) => resume(Effect.die(error)))
      })
  }

  try {
    for (const inFlight of [1, 64]) {
      const counts = await seed(`update-${inFlight}`, 1)
      const [baseline, figure] = await alternate(
        ROUNDS,
        () => casBaseline(inFlight),
        () => measureFibers("UpdateRecords", inFlight, updates(`update-${inFlight}`, counts), SHORT)
      )
      line(`UpdateRecords of 1 record, ${inFlight} in flight`, figure, baseline, 0.4)
      const [againstCalls, calls] = await alternate(
        ROUNDS,
        () => casBaseline(inFlight),
        async () => measureInFlight("the calls", inFlight, await commitCalls(inFlight), SHORT)
      )
      line(`  (info) the commit's 7 Redis calls alone, ${inFlight}`, calls, againstCalls)
    }
    await seed("list", 100)
    for (const inFlight of [1, 64]) {
      const [baseline, figure] = await alternate(
        ROUNDS,
        () => casBaseline(inFlight),
        () => measureFibers("ListRecords", inFlight, reads("list"), SHORT)
      )
      line(`ListRecords, 10 changed of 100, ${inFlight} in flight`, figure, baseline, 0.5)
      const [againstCalls, calls] = await alternate(
        ROUNDS,
        () => casBaseline(inFlight),
        () => measureInFlight("the calls", inFlight, readCalls("list"), SHORT)
      )
      line(`  (info) the read's 3 Redis calls alone, ${inFlight}`, calls, againstCalls)
    }

    // against the floor: the commit's seven Redis calls, each figure beside those of its own rounds
    const cpu = (): ScriptCpu => ({ calls: 0, usec: 0, commandUsec: 0, processUsec: 0 })
    const sevenCalls = (into: ScriptCpu) => withCpu(into, async () => measureInFlight("the seven calls", 64, await commitCalls(64), SHORT))
    const floorCounts = await seed("floor", 1)
    const [commitFloor, commitCpu] = [cpu(), cpu()]
    const [updateFloor, update] = await alternate(
      ROUNDS,
      sevenCalls(commitFloor),
      withCpu(commitCpu, () => measureFibers("UpdateRecords", 64, updates("floor", floorCounts), SHORT))
    )
    line("UpdateRecords of 1 record, 64, vs the seven calls", update, updateFloor, 0.6)
    const [readFloor, readCpu] = [cpu(), cpu()]
    const [listFloor, list] = await alternate(
      ROUNDS,
      sevenCalls(readFloor),
      withCpu(readCpu, () => measureFibers("ListRecords", 64, reads("list"), SHORT))
    )
    line("ListRecords, 10 of 100, 64, vs the seven calls", list, listFloor, 0.6)
    cpuLine("Redis CPU of the commit script", commitCpu, commitFloor, "the seven calls", 1.5)
    cpuLine("  (info) Redis CPU of the read script", readCpu, readFloor, "the seven calls")
    processLine("  (info) process CPU per commit", commitCpu, commitFloor, "the seven calls")
    processLine("  (info) process CPU per read", readCpu, readFloor, "the seven calls")

    // for information, other floors beside the seven calls or the store
    const [olderFloor, olderCpu] = [cpu(), cpu()]
    await alternate(ROUNDS, sevenCalls(olderFloor), withCpu(olderCpu, async () => measureInFlight("the older five calls", 64, await commitCalls(64, "older"), SHORT)))
    cpuLine("  (info) the older layout's five calls", olderCpu, olderFloor, "the seven calls")
    const [stringsFloor, stringsCpu] = [cpu(), cpu()]
    const [sevenBeside, strings] = await alternate(
      ROUNDS,
      sevenCalls(stringsFloor),
      withCpu(stringsCpu, async () => measureInFlight("the string work", 64, await commitCalls(64, "strings"), SHORT))
    )
    cpuLine("  (info) the seven calls with a commit's strings", stringsCpu, stringsFloor, "the seven calls")
    line("  (info) the seven calls with a commit's strings, 64", strings, sevenBeside)
    const [decidedFloor, decidedCpu] = [cpu(), cpu()]
    const [sevenBesideDecided, decided] = await alternate(
      ROUNDS,
      sevenCalls(decidedFloor),
      withCpu(decidedCpu, async () => measureInFlight("the decided commit", 64, await commitCalls(64, "decided"), SHORT))
    )
    // two script calls an operation
    const decidedPerOperation = { ...decidedCpu, calls: decidedCpu.calls / 2 }
    cpuLine("  (info) a commit decided in the process (two calls)", decidedPerOperation, decidedFloor, "the seven calls")
    processLine("  (info) process CPU per commit decided in it", decidedPerOperation, decidedFloor, "the seven calls")
    line("  (info) a commit decided in the process, 64", decided, sevenBesideDecided)
    const [readCallsCpu, inFibersCpu, listCpu, sevenCpu] = [cpu(), cpu(), cpu(), cpu()]
    const [readCallsFigure, inFibers, listAgain, sevenAgain] = await alternateEach(ROUNDS, [
      withCpu(readCallsCpu, () => measureInFlight("the read's calls", 64, readCalls("list"), SHORT)),
      withCpu(inFibersCpu, () => measureFibers("the read's calls in fibers", 64, readCallsInFibers("list"), SHORT)),
      withCpu(listCpu, () => measureFibers("ListRecords", 64, reads("list"), SHORT)),
      sevenCalls(sevenCpu)
    ])
    line("  (info) ListRecords, 10 of 100, 64, vs its calls", listAgain!, readCallsFigure!)
    cpuLine("  (info) Redis CPU of the read script", listCpu, readCallsCpu, "the read's calls")
    processLine("  (info) process CPU per read", listCpu, readCallsCpu, "the read's calls")
    line("  (info) the read's calls alone vs the seven calls", readCallsFigure!, sevenAgain!)
    line("  (info) the read's calls in fibers vs their calls", inFibers!, readCallsFigure!)
    processLine("  (info) process CPU per read's calls in fibers", inFibersCpu, readCallsCpu, "the read's calls")
    line("  (info) ListRecords vs its calls in fibers", listAgain!, inFibers!)
    processLine("  (info) process CPU per read", listCpu, inFibersCpu, "its calls in fibers")

    // reads first: the writes below change more records after sync count 1
    const small = await seed("small", 10)
    const large = await seed("large", 1000)
    const [smallReads, largeReads] = await alternate(
      ROUNDS,
      () => measureFibers("of 10 records", 64, reads("small"), SHORT),
      () => measureFibers("of 1000 records", 64, reads("large"), SHORT)
    )
    growth("ListRecords of 10 changed of 1000 records, 64", smallReads, largeReads)
    const [smallWrites, largeWrites] = await alternate(
      ROUNDS,
      () => measureFibers("into 10 records", 64, updates("small", small), SHORT),
      () => measureFibers("into 1000 records", 64, updates("large", large), SHORT)
    )
    growth("UpdateRecords of 1 record into 1000 records, 64", smallWrites, largeWrites)

    // for information: the whole operations, through the Promise facade on this store
    const sync = createCognitoSync({ tokenSecret: secret, store })
    for (const inFlight of [1, 64]) {
      const baseline = await measureInFlight("EVALSHA compare-and-set", inFlight, await casOperation(inFlight), { seconds: 1 })
      const counts = new Array<number>(inFlight).fill(0)
      const refs = identities.map((IdentityId) => ({ IdentityPoolId: pool, IdentityId, DatasetName: `api-${inFlight}` }))
      // a fresh token per write, minted as ListRecords would (the figure includes the minting)
      const token = (worker: number) =>
        SyncSessionToken.mint(secret, { identityPoolId: pool, identityId: identities[worker]!, datasetName: `api-${inFlight}` }, session())
      const update = await measureInFlight("API UpdateRecords", inFlight, async (worker, i) => {
        const result = await sync.updateRecords({
          ...refs[worker]!,
          SyncSessionToken: token(worker),
          RecordPatches: [{ Op: "replace", Key: "key", Value: `value ${i}`, SyncCount: counts[worker]! }]
        })
        counts[worker] = result.Records[0]!.SyncCount
      }, { seconds: 1 })
      line(`  (info) API updateRecords, ${inFlight} in flight`, update, baseline)
      const list = await measureInFlight("API ListRecords", inFlight, (worker) =>
        sync.listRecords({ ...refs[worker]!, LastSyncCount: 0 }), { seconds: 1 })
      line(`  (info) API listRecords, ${inFlight} in flight`, list, baseline)
    }
    await sync.close()
  } finally {
    const keys: Array<string> = []
    let cursor = "0"
    do {
      const [next, batch] = (await client.sendCommand(["SCAN", cursor, "MATCH", `${prefix}:*`, "COUNT", "1000"])) as [string, Array<string>]
      cursor = next
      keys.push(...batch)
    } while (cursor !== "0")
    for (let i = 0; i < keys.length; i += 500) await client.sendCommand(["UNLINK", ...keys.slice(i, i + 500)])
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
