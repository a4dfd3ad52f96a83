/**
 * What the Redis benches share: the floors' scripts (the bare Redis calls of a commit and of a
 * read, the compare-and-set baseline), loops that run an operation with a number in flight, and
 * the store beside its bare client on one Redis, with the operations the figures compare.
 */
import { randomUUID } from "node:crypto"
import { Effect, Exit, Scope } from "effect"
import type { SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { type Figure, sessions } from "./measure.js"

/** the limits every commit of the Redis benches is checked against */
export const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }

/**
 * A dataset's keys as the store names them (`makeKeys` in the Redis package's codec.ts, which it
 * does not export): under the hash tag of its pool and identity, ids without the characters the
 * store escapes in a tag. The benchmarks' bare calls use them, so that a floor's commands carry
 * as many bytes as the store's: at 64 in flight Redis reads a client's commands 16 KB a turn and
 * answers a turn's together, and the seven calls on keys under half as long ran about a tenth
 * faster.
 */
export const storeKeys = (prefix: string, pool: string, identity: string, dataset: string) => {
  const base = `${prefix}:{${pool}|${identity}}`
  return { heads: `${base}:heads`, records: `${base}:r:${dataset}`, changes: `${base}:c:${dataset}`, consumed: `${base}:u:${dataset}` }
}

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
 * The strings floor with the checks any commit over this layout makes, each in its least form, on
 * a commit's usual path (one record of a live dataset written over a live record, its session
 * expiring after every listed one): the dataset live, the session neither out of order nor older
 * than the floor, the expected sync count, the record's sync count against the condition, the
 * record and byte limits on the figures the write leaves, and `SyncSessionToken.consume` past the
 * cap (the oldest listed session read from where the list starts, dropped when it has expired or
 * the list is full, the floor raised to it when it has not). Answers `{'ok', line}` or the check
 * that stopped it. What a commit checked in Lua costs Redis at the least; the store's commit adds
 * its other paths (a new dataset, several records, a tombstone, a session out of order, the older
 * layout, a list written anew), the refusal of what does not read, and keeping the dropped part
 * of the list short.
 */
const CHECKED_WORK = String.raw`
local name, id, expiry, expected, now, by, key, bytes, tail = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[14], ARGV[15], ARGV[16]
local got = redis.call('HMGET', KEYS[1], '', 'h' .. name)
local exists, syncCount, deletion, created, _, numRecords, dataStorage, entries, entryBytes, floor, count, last, start =
  string.match(got[2], '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t')
local e, nowNumber, lastNumber, floorNumber = expiry + 0, now + 0, last + 0, floor + 0
count, start = count + 0, start + 0
if exists ~= '1' then return {'new'} end
if e <= lastNumber then return {'unordered'} end
if e <= floorNumber then return {'forgotten'} end
if expected ~= '' and expected + 0 ~= syncCount + 0 then return {'changed', syncCount} end
local value = redis.call('HGET', KEYS[2], key)
local server, was = string.match(value, '^{"syncCount":(%d+),"valueBytes":(%-?%d+),')
if server + 0 ~= ARGV[12] + 0 then return {'conflict', 1, server} end
local size, before, wasBytes = #key + bytes, #key + was, entryBytes + 0
local storage, newBytes = dataStorage + size - before, wasBytes + size - before
if entries + 0 > ARGV[8] + 0 then return {'limit', 'records', entries} end
if newBytes > ARGV[9] + 0 then return {'limit', 'bytes', newBytes} end
local oldest = redis.call('GETRANGE', KEYS[4], start - 1, start + 158)
local _, stop, at = string.find(oldest, '^\n[^\t\n]*\t([^\n]*)')
local atNumber = at + 0
if lastNumber <= nowNumber then
  count, start = 0, 1
elseif count >= 64 or atNumber <= nowNumber then
  if atNumber > nowNumber and atNumber > floorNumber then floor = at end
  start, count = start + stop, count - 1
end
count = count + 1
local synced = string.format('%d', syncCount + 1)
redis.call('ZADD', KEYS[3], synced, key)
redis.call('HSET', KEYS[2], key, '{"syncCount":' .. synced .. ',"valueBytes":' .. bytes .. ',' .. tail)
local line = exists .. '\t' .. synced .. '\t' .. deletion .. '\t' .. created .. '\t' .. now .. '\t' .. numRecords .. '\t' .. string.format('%d', storage) ..
  '\t' .. entries .. '\t' .. string.format('%d', newBytes) .. '\t' .. floor .. '\t' .. count .. '\t' .. expiry .. '\t' .. start .. '\t' .. by
redis.call('HSET', KEYS[1], 'h' .. name, line)
redis.call('APPEND', KEYS[4], '\n' .. id .. '\t' .. expiry)
return {'ok', line}
`

/**
 * The checked floor over a layout of packed numbers rather than text: the head's figures, a
 * record's sync count and size (before its JSON) and each consumed session's expiry (before its
 * id's length and id) stored as little-endian doubles and read and written with Lua's `struct`,
 * the commit's numbers sent packed likewise. The same reads, checks and writes, with no text
 * turned into a number or a number into text but the sync count Redis writes as the record's
 * score. Not the store's layout: what a commit checked in Lua could cost over one.
 */
const PACKED_WORK = String.raw`
local e, nowNumber, condition, bytes, recordsLimit, bytesLimit = struct.unpack('<dddddd', ARGV[2])
local id, key, tail, by, name = ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local got = redis.call('HMGET', KEYS[1], '', 'h' .. name)
local exists, syncCount, deletion, created, _, numRecords, dataStorage, entries, entryBytes, floor, count, last, start =
  struct.unpack('<Bdddddddddddd', got[2])
if exists ~= 1 then return {'new'} end
if e <= last then return {'unordered'} end
if e <= floor then return {'forgotten'} end
local value = redis.call('HGET', KEYS[2], key)
local server, was = struct.unpack('<dd', value)
if server ~= condition then return {'conflict', 1, server} end
local size, before = #key + bytes, #key + was
local storage, newBytes = dataStorage + size - before, entryBytes + size - before
if entries > recordsLimit then return {'limit', 'records', entries} end
if newBytes > bytesLimit then return {'limit', 'bytes', newBytes} end
local oldest = redis.call('GETRANGE', KEYS[4], start - 1, start + 158)
local at, length = struct.unpack('<dB', oldest)
if last <= nowNumber then
  count, start = 0, 1
elseif count >= 64 or at <= nowNumber then
  if at > nowNumber and at > floor then floor = at end
  start, count = start + 9 + length, count - 1
end
count = count + 1
local synced = syncCount + 1
redis.call('ZADD', KEYS[3], synced, key)
redis.call('HSET', KEYS[2], key, struct.pack('<dd', synced, bytes) .. tail)
local line = struct.pack('<Bdddddddddddd', 1, synced, deletion, created, nowNumber, numRecords, storage, entries, newBytes, floor, count, e, start) .. by
redis.call('HSET', KEYS[1], 'h' .. name, line)
redis.call('APPEND', KEYS[4], struct.pack('<dB', e, #id) .. id)
return {'ok', line}
`

/**
 * A commit checked in the process against a head it holds, in one round trip, at the least:
 * Redis' part of a commit whose process keeps each dataset's head line and consumed sessions as
 * its last commit left them. The process checks the session, the expected sync count and the
 * records limit, and makes the new head line but for the figures that follow from the stored
 * record, and the session's entry; the script writes only if the head line is still the one
 * held (the compare-and-set of the head: any commit, deletion or move changes the line), reads
 * the record's figures, checks them against the condition and the bytes limit, and writes the
 * change, the record, the head and the entry. Over the store's layout as it is, text; what a
 * commit that finds its head held costs Redis at the least. Not the store's: its head, when not
 * held or changed by another process, would be read and decided by the commit script as today.
 */
const CACHED_WORK = String.raw`
local key = ARGV[3]
if redis.call('HGET', KEYS[1], 'h' .. ARGV[1]) ~= ARGV[2] then return {'stale'} end
local value = redis.call('HGET', KEYS[2], key)
local server, was = string.match(value, '^{"syncCount":(%d+),"valueBytes":(%-?%d+),')
if server ~= ARGV[4] then return {'conflict', 1, server} end
local change = ARGV[5] - was
local storage, newBytes = ARGV[9] + change, ARGV[11] + change
if newBytes > ARGV[15] + 0 then return {'limit', 'bytes', newBytes} end
local line = ARGV[6] .. ARGV[8] .. '\t' .. string.format('%d', storage) .. '\t' .. ARGV[10] .. '\t' .. string.format('%d', newBytes) .. ARGV[12]
redis.call('ZADD', KEYS[3], ARGV[7], key)
redis.call('HSET', KEYS[2], key, '{"syncCount":' .. ARGV[7] .. ',"valueBytes":' .. ARGV[5] .. ',' .. ARGV[13])
redis.call('HSET', KEYS[1], 'h' .. ARGV[1], line)
redis.call('APPEND', KEYS[4], ARGV[14])
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

/** a stored record's fields (the store's JSON, as codec.ts writes it without escapes) */
const RECORD =
  /^\{"syncCount":(\d+),"valueBytes":-?\d+,"key":"([^"\\]*)","value":(?:null|"([^"\\]*)"),"lastModifiedDate":(-?[\d.eE+-]+),"lastModifiedBy":"([^"\\]*)"(?:,"deviceLastModifiedDate":(-?[\d.eE+-]+))?\}$/

/**
 * The least reading of a read's answer into what the port answers: the head line's fields and
 * numbers, each record's fields by one match of a pattern (for ten records a third of what
 * `JSON.parse` of each took, measured), with no check, no escape and no order. What any store over
 * this layout must do in the process beside the calls; answers the number of records read.
 */
const readAnswer = (line: string, found: ReadonlyArray<string>): number => {
  const fields = line.split("\t")
  const head = {
    exists: fields[0] === "1",
    syncCount: Number(fields[1]),
    lastDeletionCount: Number(fields[2]),
    creationDate: Number(fields[3]),
    lastModifiedDate: Number(fields[4]),
    lastModifiedBy: fields[13],
    numRecords: Number(fields[5]),
    dataStorage: Number(fields[6]),
    entries: Number(fields[7]),
    entryBytes: Number(fields[8])
  }
  const records: Array<{ key: string; value: string | null; syncCount: number; lastModifiedDate: number; lastModifiedBy: string }> = []
  for (const json of found) {
    const match = RECORD.exec(json)
    if (match === null) throw new Error(`not a stored record: ${json}`)
    records.push({
      key: match[2]!,
      value: match[3] ?? null,
      syncCount: Number(match[1]),
      lastModifiedDate: Number(match[4]),
      lastModifiedBy: match[5]!
    })
  }
  return Number.isNaN(head.syncCount) ? 0 : records.length
}

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
export const measureFibers = async (
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

/** A worker's step of a loop: its number and how many steps it made before. */
type Step<A> = (worker: number, i: number) => A

/**
 * Bare calls answered to a fiber through `Effect.async`, run as the store's operations are: what
 * the Effect runtime adds to the client (the store's operations are Effects).
 */
export const inFibers = (step: Step<Promise<void>>): Step<Effect.Effect<void>> => (worker, i) =>
  Effect.async<void>((resume) => {
    step(worker, i).then(() => resume(Effect.void), (error) => resume(Effect.die(error)))
  })

/** The store and its bare client on one Redis, with the operations the Redis figures compare. */
export interface RedisHarness {
  readonly store: Effect.Effect.Success<ReturnType<typeof RedisSyncStore.make>>
  readonly client: { sendCommand: (args: ReadonlyArray<string | Buffer>) => Promise<unknown> }
  readonly pool: string
  /** the identities of the workers, one each */
  readonly identities: ReadonlyArray<string>
  readonly session: ReturnType<typeof sessions>
  /** the baseline: one compare-and-set through the bare client */
  readonly casOperation: (workers: number) => Promise<Step<Promise<void>>>
  /** a floor's calls of a commit of one record through the bare client (see the scripts above) */
  readonly commitCalls: (workers: number, floor?: "seven" | "older" | "strings" | "checked" | "packed" | "decided" | "cached") => Promise<Step<Promise<void>>>
  /** datasets `name` of `size` records, 10 changed after sync count 1; each worker's sync counts by key */
  readonly seed: (name: string, size: number) => Promise<Array<{ [key: string]: number }>>
  /**
   * the store's commit of one record into a seeded dataset; with `turns`, by this store and
   * another process's in turn, so that each commit finds its dataset's head changed since the
   * one its store holds
   */
  readonly updates: (name: string, counts: Array<{ [key: string]: number }>, turns?: boolean) => Step<Effect.Effect<void, unknown>>
  /** the store's read of the records changed after sync count 1 */
  readonly reads: (name: string) => Step<Effect.Effect<void, unknown>>
  /** the read's bare calls through the client; with `read`, their answer read into a head and records */
  readonly readCalls: (name: string, read?: boolean) => Step<Promise<void>>
  /** removes the harness's keys and closes the store */
  readonly close: () => Promise<void>
}

/**
 * The store on the Redis at `redisUrl` (keys under a prefix of their own), its bare client, and
 * the operations the Redis figures compare, each one worker's step of a loop; undefined when
 * Redis does not answer. `close` removes the keys and closes the store.
 */
export const redisHarness = async (redisUrl: string): Promise<RedisHarness | undefined> => {
  const prefix = `syncalite-bench-${randomUUID().slice(0, 8)}`
  const scope = Effect.runSync(Scope.make())
  const built = await Effect.runPromiseExit(Scope.extend(RedisSyncStore.make({ redis: redisUrl, prefix }), scope))
  if (Exit.isFailure(built)) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    return undefined
  }
  const store = built.value
  const client = store.client as unknown as RedisHarness["client"]
  // another process's store, holding heads of its own, on the same connection
  const other = await Effect.runPromise(Scope.extend(RedisSyncStore.make({ redis: store.client as RedisSyncStore.RedisInput, prefix }), scope))
  const run = <A>(effect: Effect.Effect<A, unknown>) => Effect.runPromise(effect)
  const pool = `us-east-1:${randomUUID()}`
  const identities = Array.from({ length: 64 }, (_, i) => `us-east-1:${i.toString(16).padStart(8, "0")}`)
  const sha = String(await client.sendCommand(["SCRIPT", "LOAD", CAS]))
  const commitCallsSha = String(await client.sendCommand(["SCRIPT", "LOAD", COMMIT_CALLS]))
  const fiveCallsSha = String(await client.sendCommand(["SCRIPT", "LOAD", FIVE_CALLS]))
  const stringWorkSha = String(await client.sendCommand(["SCRIPT", "LOAD", STRING_WORK]))
  const checkedWorkSha = String(await client.sendCommand(["SCRIPT", "LOAD", CHECKED_WORK]))
  const packedWorkSha = String(await client.sendCommand(["SCRIPT", "LOAD", PACKED_WORK]))
  const readCallsSha = String(await client.sendCommand(["SCRIPT", "LOAD", READ_CALLS]))
  const decidedReadSha = String(await client.sendCommand(["SCRIPT", "LOAD", DECIDED_READ]))
  const decidedWriteSha = String(await client.sendCommand(["SCRIPT", "LOAD", DECIDED_WRITE]))
  const cachedWorkSha = String(await client.sendCommand(["SCRIPT", "LOAD", CACHED_WORK]))

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
  /** little-endian doubles, as Lua's `struct` reads `d` */
  const doubles = (...values: ReadonlyArray<number>) => {
    const packed = Buffer.alloc(8 * values.length)
    values.forEach((value, i) => packed.writeDoubleLE(value, 8 * i))
    return packed
  }
  /** Each worker's keys of a floor's dataset "bench", in a pool of the floor's own. */
  const floorKeys = (workers: number) => {
    const floorPool = `us-east-1:${randomUUID()}`
    return identities.slice(0, workers).map((identity) => storeKeys(prefix, floorPool, identity, "bench"))
  }
  /** The packed floor's datasets, seeded as the others' below, and each worker's commit of one record. */
  const packedCalls = async (workers: number) => {
    const floors = floorKeys(workers)
    let lastExpiry = 0
    const sessionList = Buffer.concat(Array.from({ length: 64 }, () => {
      const { id, expiresAt } = session()
      lastExpiry = expiresAt
      return Buffer.concat([doubles(expiresAt), Buffer.from([id.length]), Buffer.from(id)])
    }))
    const head = Buffer.concat([Buffer.from([1]), doubles(1, 0, 1700000000000, Date.now(), 1, 20, 1, 20, 0, 64, lastExpiry, 1), Buffer.from("bench")])
    for (let worker = 0; worker < workers; worker++) {
      const where = floors[worker]!
      await client.sendCommand(["HSET", where.heads, "hbench", head])
      await client.sendCommand(["HSET", where.records, "key0", Buffer.concat([doubles(1, 5), Buffer.from(`"value":"value"}`)])])
      await client.sendCommand(["SET", where.consumed, sessionList])
    }
    const synced = new Array<number>(workers).fill(1)
    return async (worker: number, i: number) => {
      const where = floors[worker]!
      const { id, expiresAt } = session()
      const value = `value ${i}`
      const answer = (await client.sendCommand([
        "EVALSHA", packedWorkSha, "4", where.heads, where.records, where.changes, where.consumed,
        id, doubles(expiresAt, Date.now(), synced[worker]!, Buffer.byteLength(value), 1024, 1048576), "key0",
        `"key":"key0","value":${JSON.stringify(value)},"lastModifiedDate":${Date.now()},"lastModifiedBy":"bench"}`, "bench", "bench"
      ])) as Array<unknown>
      if (String(answer[0]) !== "ok") throw new Error(`the packed floor answered ${answer.join(" ")}`)
      synced[worker]!++
    }
  }

  /**
   * Each worker's dataset as a commit finds it after 64 writes: a head line, 64 consumed sessions
   * made as the store's commits below make theirs (the list's length is much of what a commit
   * of the older layout costs Redis), in the string of the store's layout or (`older`) in a
   * field of the heads; for the packed floor, the same in its layout.
   */
  const commitCalls = async (workers: number, floor: "seven" | "older" | "strings" | "checked" | "packed" | "decided" | "cached" = "seven") => {
    if (floor === "packed") return packedCalls(workers)
    const floors = floorKeys(workers)
    const older = floor === "older"
    let lastExpiry = 0
    const sessionList = Array.from({ length: 64 }, () => {
      const { id, expiresAt } = session()
      lastExpiry = expiresAt
      return `\n${id}\t${expiresAt}`
    }).join("")
    const head = (syncCount: number) => `1\t${syncCount}\t0\t1700000000000\t${Date.now()}\t1\t20\t1\t20\t0\t64\t${lastExpiry}\t1\tbench`
    const seeded = head(1)
    // the checked floor's sync count of each worker's record (its condition), whatever `i` its loop counts from
    const synced = new Array<number>(workers).fill(1)
    const record = (syncCount: number, value: string) =>
      `{"syncCount":${syncCount},"valueBytes":${Buffer.byteLength(value)},"value":${JSON.stringify(value)}}`
    for (let worker = 0; worker < workers; worker++) {
      const where = floors[worker]!
      await client.sendCommand(["HSET", where.heads, "hbench", seeded, ...(older ? ["sbench", sessionList] : [])])
      await client.sendCommand(["HSET", where.records, "key0", record(1, "value")])
      if (!older) await client.sendCommand(["SET", where.consumed, sessionList])
    }
    // the cached floor's process: each worker's head line and consumed sessions as its last commit left them
    const held = Array.from({ length: workers }, () => ({
      line: seeded,
      fields: seeded.split("\t"),
      sessions: sessionList.split("\n").slice(1).map((entry) => ({ text: `\n${entry}`, id: entry.split("\t")[0]!, expiresAt: Number(entry.split("\t")[1]) })),
      recordSync: 1
    }))
    return async (worker: number, i: number) => {
      const where = floors[worker]!
      const { id, expiresAt } = session()
      const value = `value ${i}`
      const keys = [where.heads, where.records, where.changes]
      if (floor === "cached") {
        const dataset = held[worker]!
        const { fields, sessions } = dataset
        const now = Date.now()
        let [floorAt, count, start] = [Number(fields[9]), Number(fields[10]), Number(fields[12])]
        if (expiresAt <= floorAt || sessions.some((consumed) => consumed.id === id)) throw new Error("the session was used")
        if (Number(fields[7]) > limits.recordsPerDataset) throw new Error("over the records limit")
        // SyncSessionToken.consume on the usual path: the expired go, then past the cap the oldest, the floor raised to it
        while (count > 0 && (count >= 64 || sessions[0]!.expiresAt <= now)) {
          const oldest = sessions.shift()!
          if (oldest.expiresAt > now) floorAt = Math.max(floorAt, oldest.expiresAt)
          start += oldest.text.length
          count--
        }
        const entry = `\n${id}\t${expiresAt}`
        sessions.push({ text: entry, id, expiresAt })
        const synced = String(Number(fields[1]) + 1)
        const answer = (await client.sendCommand([
          "EVALSHA", cachedWorkSha, "4", ...keys, where.consumed, "bench", dataset.line, "key0", String(dataset.recordSync),
          String(Buffer.byteLength(value)), `1\t${synced}\t${fields[2]}\t${fields[3]}\t${now}\t`, synced, fields[5]!, fields[6]!, fields[7]!,
          fields[8]!, `\t${floorAt}\t${count + 1}\t${expiresAt}\t${start}\tbench`,
          `"key":"key0","value":${JSON.stringify(value)},"lastModifiedDate":${now},"lastModifiedBy":"bench"}`, entry, String(limits.bytesPerDataset)
        ])) as Array<string>
        if (answer[0] !== "ok") throw new Error(`the cached floor answered ${answer.join(" ")}`)
        dataset.line = answer[1]!
        dataset.fields = dataset.line.split("\t")
        dataset.recordSync = Number(synced)
        return
      }
      if (floor === "decided") {
        const all = [...keys, where.consumed]
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
      // the arguments of the store's commit (scripts.ts) to a floor's script, with the record's sync count
      const inLua = (sha: string, syncCount: number) => [
        "EVALSHA", sha, "4", ...keys, where.consumed, "bench", id, String(expiresAt), "", String(Date.now()), "bench", "20", "1024", "1048576",
        "1", "key0", String(syncCount), "1", "key0", String(Buffer.byteLength(value)),
        `"key":"key0","value":${JSON.stringify(value)},"lastModifiedDate":${Date.now()},"lastModifiedBy":"bench"}`
      ]
      if (floor === "checked") {
        const answer = (await client.sendCommand(inLua(checkedWorkSha, synced[worker]!))) as Array<string>
        if (answer[0] !== "ok") throw new Error(`the checked floor answered ${answer.join(" ")}`)
        synced[worker]!++
        return
      }
      await client.sendCommand(
        floor === "older"
          ? ["EVALSHA", fiveCallsSha, "3", ...keys, "hbench", "sbench", "key0", String(i + 1), record(i + 1, value), head(i + 1)]
          : floor === "seven"
          ? ["EVALSHA", commitCallsSha, "4", ...keys, where.consumed, "hbench", "key0", String(i + 1), record(i + 1, value), head(i + 1), `\n${id}\t${expiresAt}`]
          : inLua(stringWorkSha, i + 1)
      )
    }
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

  const updates = (name: string, counts: Array<{ [key: string]: number }>, turns = false) => {
    const refs = identities.map((identityId) => ({ identityPoolId: pool, identityId, datasetName: name }))
    return (worker: number, i: number) => {
      const key = `key${i % 7}`
      return Effect.map(
        (turns && i % 2 === 1 ? other : store).commit({
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

  /**
   * the read's calls on the store's own keys of a dataset `name` (the layout of codec.ts); with
   * `read`, their answer read into the values the port answers (`readAnswer`)
   */
  const readCalls = (name: string, read = false) => {
    const keys = identities.map((identityId) => {
      const { heads, records, changes } = storeKeys(prefix, pool, identityId, name)
      return [heads, records, changes]
    })
    return async (worker: number) => {
      const [line, records] = (await client.sendCommand(["EVALSHA", readCallsSha, "3", ...keys[worker]!, name, "1"])) as [string, Array<string>]
      const count = read ? readAnswer(line, records) : records.length
      if (count !== 10) throw new Error(`expected 10 records, got ${count}`)
    }
  }

  const close = async () => {
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
  return { store, client, pool, identities, session, casOperation, commitCalls, seed, updates, reads, readCalls, close }
}
