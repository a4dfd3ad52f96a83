/**
 * Keys and value formats of the store (see scripts.ts for the formats' description), and the
 * errors of a value that does not fit its format.
 */
import { type SyncSessionToken, SyncStore } from "@syncalite/core"

type DatasetHead = SyncStore.DatasetHead
type StoredRecord = SyncStore.StoredRecord
type ConsumedSessions = SyncSessionToken.ConsumedSessions
type StorageError = SyncStore.StorageError

export const IDENTITY_SHARDS = 16
export const SESSION_SHARDS = 8

const tagSpecial = /[%{}|#]/
const tagSpecials = /[%{}|#]/g

/** A part of a hash tag: `%`, braces, `|` and `#` escaped, so that tags are unambiguous and end where we say. */
const tag = (id: string): string =>
  tagSpecial.test(id) ? id.replace(tagSpecials, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : id

/**
 * Every key of the store. The keys of one identity share the hash tag `{pool|identity}` (one
 * Redis Cluster slot), so that every script runs on one slot; pool-level keys have tags of
 * their own, and a pool's sharded counters and indexes one per shard.
 */
export const makeKeys = (prefix: string) => ({
  /** the first part of every key */
  prefix,
  /** the common part of an identity's keys */
  identity: (pool: string, identity: string): string => `${prefix}:{${tag(pool)}|${tag(identity)}}`,
  /** hash: dataset name → head; "" → the identity's usage */
  heads: (base: string): string => `${base}:heads`,
  /** hash: record key → record */
  records: (base: string, dataset: string): string => `${base}:r:${dataset}`,
  /** sorted set: record key scored by the sync count it last changed at */
  changes: (base: string, dataset: string): string => `${base}:c:${dataset}`,
  /** string: a dataset's consumed sessions (see scripts.ts) */
  consumed: (base: string, dataset: string): string => `${base}:u:${dataset}`,
  /** set: the names of the identity's existing datasets */
  live: (base: string): string => `${base}:live`,
  /** hash: device id → `[platform, token]` */
  devices: (base: string): string => `${base}:devices`,
  /** hash: SHA-1 (hex) of `[platform, token]` → device id */
  deviceDigests: (base: string): string => `${base}:digests`,
  /** hash: `[platform, token]` → device id, the index of tokens of an older layout, read until emptied */
  tokens: (base: string): string => `${base}:tokens`,
  /** hash: session id → the Cognito Streams entry committed and not yet appended (on a Cluster) */
  outbox: (base: string): string => `${base}:outbox`,
  /** stream: a pool's Cognito Streams */
  stream: (streamName: string): string => `${prefix}:streams:${streamName}`,
  /** string: the records of a stream record too large to travel inline, kept a day */
  streamPayload: (id: string): string => `${prefix}:stream-payloads:${id}`,
  /** set: the device ids subscribed to a dataset */
  subscriptions: (base: string, dataset: string): string => `${base}:s:${dataset}`,
  /** sorted set (all scores 0, ordered by id): every known pool */
  pools: `${prefix}:pools`,
  /** hash: version, state (the pool's configuration as JSON) */
  pool: (pool: string): string => `${prefix}:pool:{${tag(pool)}}`,
  /** set: one shard of a pool's identities */
  poolIdentities: (pool: string, shard: number): string => `${prefix}:identities:{${tag(pool)}#${shard}}`,
  /** integer: one shard of a pool's SyncSessionsCount */
  sessions: (pool: string, shard: number): string => `${prefix}:sessions:{${tag(pool)}#${shard}}`
})

export type Keys = ReturnType<typeof makeKeys>

/** Text matched literally in a SCAN pattern. */
export const globEscaped = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)

export const shardOf = (id: string, shards: number): number => {
  let hash = 0
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0
  return Math.abs(hash) % shards
}

const textSpecial = /[\\\t\n]/
const textSpecials = /[\\\t\n]/g
const escapes: { readonly [c: string]: string } = { "\\": "\\\\", "\t": "\\t", "\n": "\\n" }

/** Text kept inside a head (LastModifiedBy, session ids), without tabs and newlines. */
export const escapeText = (text: string): string =>
  textSpecial.test(text) ? text.replace(textSpecials, (c) => escapes[c]!) : text

export const unescapeText = (text: string): string =>
  text.includes("\\") ? text.replace(/\\(.)/g, (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c)) : text

/** The number Lua reads back from `numberText(n)`: `n` where finite (JS writes numbers exactly), infinities clamped. */
export const luaNumber = (n: number): number =>
  Number.isFinite(n) ? n : n > 0 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER

/** A number as Lua reads it back exactly: finite numbers as JS writes them, infinities clamped. */
export const numberText = (n: number): string => String(luaNumber(n))

/** Whether `text` is one or more decimal digits. */
export const isDigits = (text: string): boolean => {
  if (text.length === 0) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** A number of a head's line; NaN where there is none. */
export const readNumber = (text: string | undefined): number => (text === undefined || text === "" ? NaN : Number(text))

/** The consumed sessions of a head: never throws; entries that do not parse are left out. */
const parseSessions = (floor: number, text: string): ConsumedSessions => {
  const sessions: Array<{ id: string; expiresAt: number }> = []
  let at = text.indexOf("\n")
  while (at !== -1) {
    const next = text.indexOf("\n", at + 1)
    const entry = text.slice(at + 1, next === -1 ? undefined : next)
    const tab = entry.indexOf("\t")
    const expiresAt = tab === -1 ? NaN : readNumber(entry.slice(tab + 1))
    if (!Number.isNaN(expiresAt)) sessions.push({ id: unescapeText(entry.slice(0, tab)), expiresAt })
    at = next
  }
  return { floor, sessions }
}

const ascii = /^[\x00-\x7f]*$/

/** The list of consumed sessions from byte `start` (1-based) of its stored string. */
export const sessionsFrom = (blob: string, start: number): string =>
  start <= 1 ? blob : ascii.test(blob) ? blob.slice(start - 1) : Buffer.from(blob, "utf8").subarray(start - 1).toString("utf8")

const startsEntry = (blob: string, start: number): boolean =>
  blob.charCodeAt(start - 1) === 10 || Buffer.from(blob, "utf8")[start - 1] === 10

/** Where each field of a head's stored line is (see scripts.ts), and how many it has. */
export const Line = {
  exists: 0,
  syncCount: 1,
  lastDeletionCount: 2,
  creationDate: 3,
  lastModifiedDate: 4,
  numRecords: 5,
  dataStorage: 6,
  entries: 7,
  entryBytes: 8,
  floor: 9,
  count: 10,
  last: 11,
  start: 12,
  lastModifiedBy: 13,
  fields: 14
} as const

/** A head's stored line in its fields, or undefined when it has not a line's shape. */
export const lineFields = (line: unknown): Array<string> | undefined => {
  if (typeof line !== "string") return undefined
  const fields = line.split("\t")
  return fields.length === Line.fields && (fields[Line.exists] === "1" || fields[Line.exists] === "0") ? fields : undefined
}

/** A head's line as the scripts write it, its consumed sessions (`count`, the `last` expiry) listed from byte 1. */
export const headLine = (head: SyncStore.CommittedHead, floor: number, count: number, last: number | undefined): string => {
  const fields = new Array<string>(Line.fields)
  fields[Line.exists] = head.exists ? "1" : "0"
  fields[Line.syncCount] = numberText(head.syncCount)
  fields[Line.lastDeletionCount] = numberText(head.lastDeletionCount)
  fields[Line.creationDate] = numberText(head.creationDate)
  fields[Line.lastModifiedDate] = numberText(head.lastModifiedDate)
  fields[Line.numRecords] = numberText(head.numRecords)
  fields[Line.dataStorage] = numberText(head.dataStorage)
  fields[Line.entries] = numberText(head.entries)
  fields[Line.entryBytes] = numberText(head.entryBytes)
  fields[Line.floor] = numberText(floor)
  fields[Line.count] = String(count)
  fields[Line.last] = last === undefined ? "" : numberText(last)
  fields[Line.start] = "1"
  fields[Line.lastModifiedBy] = escapeText(head.lastModifiedBy)
  return fields.join("\t")
}

/**
 * A head's line read: the head but for its consumed sessions, where its list of them starts, and
 * the line's fields as written.
 */
export const readLine = (
  name: string,
  line: unknown
): {
  readonly head: SyncStore.CommittedHead
  readonly floor: number
  readonly count: number
  readonly start: number
  readonly fields: ReadonlyArray<string>
} | undefined => {
  const fields = lineFields(line)
  if (fields === undefined) return undefined
  const syncCount = readNumber(fields[Line.syncCount])
  const lastDeletionCount = readNumber(fields[Line.lastDeletionCount])
  const creationDate = readNumber(fields[Line.creationDate])
  const lastModifiedDate = readNumber(fields[Line.lastModifiedDate])
  const numRecords = readNumber(fields[Line.numRecords])
  const dataStorage = readNumber(fields[Line.dataStorage])
  const entries = readNumber(fields[Line.entries])
  const entryBytes = readNumber(fields[Line.entryBytes])
  const floor = readNumber(fields[Line.floor])
  const start = readNumber(fields[Line.start])
  if (
    Number.isNaN(syncCount + lastDeletionCount + creationDate + lastModifiedDate + numRecords + dataStorage + entries +
      entryBytes + floor + start)
  ) return undefined
  return {
    head: {
      name,
      exists: fields[Line.exists] === "1",
      syncCount,
      lastDeletionCount,
      creationDate,
      lastModifiedDate,
      lastModifiedBy: unescapeText(fields[Line.lastModifiedBy]!),
      numRecords,
      dataStorage,
      entries,
      entryBytes
    },
    floor,
    count: readNumber(fields[Line.count]),
    start,
    fields
  }
}

/**
 * A head as a commit answers it, from its stored line alone, or undefined when the line is not
 * one.
 */
export const parseCommittedHead = (name: string, line: unknown): SyncStore.CommittedHead | undefined =>
  readLine(name, line)?.head

/**
 * The key to name when a head and its consumed sessions do not read: `consumed` (the string the
 * list was read from, undefined when it came from the heads) when the line reads and the list
 * does not, else the heads.
 */
export const unreadableAt = (name: string, line: unknown, heads: string, consumed: string | undefined): string =>
  consumed !== undefined && readLine(name, line) !== undefined ? consumed : heads

/**
 * A head from its stored line and the two parts of its list of consumed sessions, or undefined
 * when they are not those. `older` undefined: the list was not read (ListRecords without a token,
 * usage figures), and the head has the floor and no sessions; `newer` not a string: that part is
 * absent (as in the older layout). A plain literal: one with a getter (to decode the list when
 * first looked at) costs V8 about 0.7 µs to make, most of what reading a head without its list
 * costs, and a list is read only where it is wanted (a token's check, a deletion, an export).
 */
export const parseHead = (name: string, line: unknown, older: unknown, newer?: unknown): DatasetHead | undefined => {
  const read = readLine(name, line)
  if (read === undefined) return undefined
  const recent = typeof newer === "string" ? newer : ""
  const stored = (typeof older === "string" ? older : "") + recent
  // each part must start an entry where the head says
  if (recent !== "" && recent.charCodeAt(0) !== 10) return undefined
  if (older !== undefined && read.count > 0 && !startsEntry(stored, read.start)) return undefined
  const { floor, head, start } = read
  return {
    name,
    exists: head.exists,
    syncCount: head.syncCount,
    lastDeletionCount: head.lastDeletionCount,
    creationDate: head.creationDate,
    lastModifiedDate: head.lastModifiedDate,
    lastModifiedBy: head.lastModifiedBy,
    numRecords: head.numRecords,
    dataStorage: head.dataStorage,
    entries: head.entries,
    entryBytes: head.entryBytes,
    consumedSessions: parseSessions(floor, sessionsFrom(stored, start))
  }
}

/** A number as JSON.stringify writes it, without its general case. */
const jsonNumber = (n: number): string => Number.isFinite(n) ? String(n) : "null"

/** A record's valueBytes (core's `SyncStore.valueBytes`) as the commit scripts take it. */
export const valueBytes = (value: string | null): string => String(SyncStore.valueBytes(value))

/**
 * The part of a record's JSON after its sync count and size, which the commit script prefixes:
 * `"key":…,"value":…,"lastModifiedDate":…,"lastModifiedBy":…[,"deviceLastModifiedDate":…]}`.
 */
export const recordTail = (
  key: string,
  value: string | null,
  lastModifiedDate: number,
  lastModifiedBy: string,
  deviceLastModifiedDate: number | undefined
): string =>
  `"key":${JSON.stringify(key)},"value":${JSON.stringify(value)},"lastModifiedDate":${jsonNumber(lastModifiedDate)},"lastModifiedBy":${
    JSON.stringify(lastModifiedBy)
  }${deviceLastModifiedDate === undefined ? "" : `,"deviceLastModifiedDate":${jsonNumber(deviceLastModifiedDate)}`}}`

/** A record from its stored JSON (parsed), or undefined when it is not one. */
const recordOf = (json: unknown): StoredRecord | undefined => {
  if (typeof json !== "object" || json === null) return undefined
  const { deviceLastModifiedDate, key, lastModifiedBy, lastModifiedDate, syncCount, value } = json as { [field: string]: unknown }
  if (
    typeof key !== "string" || typeof syncCount !== "number" || typeof lastModifiedDate !== "number" ||
    typeof lastModifiedBy !== "string" || (value !== null && typeof value !== "string") ||
    (deviceLastModifiedDate !== undefined && typeof deviceLastModifiedDate !== "number")
  ) return undefined
  return deviceLastModifiedDate === undefined
    ? { key, value, syncCount, lastModifiedDate, lastModifiedBy }
    : { key, value, syncCount, lastModifiedDate, lastModifiedBy, deviceLastModifiedDate }
}

/**
 * A record as the commit script writes it, its strings holding no escape (the usual record): its
 * fields in that order, its strings read as they stand. Any other record is read by JSON.parse
 * (which, with a copy of each field into a record, costs twice as much).
 */
const written =
  /^\{"syncCount":(\d+),"valueBytes":-?\d+,"key":"([^"\\]*)","value":(?:null|"([^"\\]*)"),"lastModifiedDate":(-?[\d.eE+-]+),"lastModifiedBy":"([^"\\]*)"(?:,"deviceLastModifiedDate":(-?[\d.eE+-]+))?\}$/

/** A record from its stored JSON, or undefined when it is not one. */
const storedRecord = (json: unknown): StoredRecord | undefined => {
  if (typeof json !== "string") return undefined
  const fields = written.exec(json)
  if (fields === null) {
    try {
      return recordOf(JSON.parse(json))
    } catch {
      return undefined
    }
  }
  const lastModifiedDate = Number(fields[4])
  const device = fields[6] === undefined ? undefined : Number(fields[6])
  if (Number.isNaN(lastModifiedDate) || Number.isNaN(device)) return undefined
  const key = fields[2]!
  const value = fields[3] ?? null
  const lastModifiedBy = fields[5]!
  const syncCount = Number(fields[1])
  return device === undefined
    ? { key, value, syncCount, lastModifiedDate, lastModifiedBy }
    : { key, value, syncCount, lastModifiedDate, lastModifiedBy, deviceLastModifiedDate: device }
}

/** The records of a read, each its stored JSON, or undefined when one of them is not a record. */
export const parseRecords = (found: unknown): Array<StoredRecord> | undefined => {
  if (!Array.isArray(found)) return undefined
  const records: Array<StoredRecord> = []
  for (const json of found) {
    const record = storedRecord(json)
    if (record === undefined) return undefined
    records.push(record)
  }
  return records
}

/** A device from its stored `[platform, token]`, or undefined when it is not one. */
export const parseDevice = (deviceId: string, text: unknown): SyncStore.Device | undefined => {
  if (typeof text !== "string") return undefined
  try {
    const json = JSON.parse(text)
    return Array.isArray(json) && json.length === 2 && typeof json[0] === "string" && typeof json[1] === "string"
      ? { deviceId, platform: json[0], token: json[1] }
      : undefined
  } catch {
    return undefined
  }
}

export const deviceText = (platform: string, token: string): string => JSON.stringify([platform, token])

/** Code-unit order, the order of every list the port answers. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const byKey = (a: StoredRecord, b: StoredRecord): number => compareKeys(a.key, b.key)

/**
 * Records put in key order, sorted only when they are not in it already: Redis answers the
 * records of one sync count in the order of their bytes, most often the key order itself, and a
 * check costs a fifth of a sort.
 */
export const inKeyOrder = (records: Array<StoredRecord>): Array<StoredRecord> => {
  for (let i = 1; i < records.length; i++) {
    if (compareKeys(records[i - 1]!.key, records[i]!.key) > 0) return records.sort(byKey)
  }
  return records
}

/** A value under `key` that cannot be read as what it should be. */
export const unreadable = (key: string, what: string, cause?: unknown): StorageError =>
  new SyncStore.StorageError({
    message: `Unreadable value under key ${key}: ${what}`,
    key,
    ...(cause === undefined ? {} : { cause })
  })

/** A script's `{"corrupt", key, message}` answer as a StorageError, or undefined for any other answer. */
export const corruption = (reply: unknown): StorageError | undefined =>
  Array.isArray(reply) && reply[0] === "corrupt" && typeof reply[1] === "string"
    ? unreadable(reply[1], String(reply[2]))
    : undefined

/**
 * The datasets a bulk read script answers as `{line, records, line, records, …}`, `count` of
 * them: undefined where it answered false (no such dataset), else the head `head` makes of its
 * line with its records in key order. The first that does not read (under the keys `where`
 * names), a corruption the script reported, or an answer of another shape is the error.
 */
export const datasetPairs = <H, A>(
  reply: unknown,
  count: number,
  script: string,
  where: (i: number) => { readonly heads: string; readonly records: string; readonly name: string },
  head: (i: number, line: unknown) => H | undefined,
  dataset: (head: H, records: Array<StoredRecord>) => A
): Array<A | undefined> | StorageError => {
  const corrupt = corruption(reply)
  if (corrupt !== undefined) return corrupt
  if (!Array.isArray(reply) || reply.length !== 2 * count) {
    return new SyncStore.StorageError({ message: `Unexpected answer of the ${script} script` })
  }
  const datasets: Array<A | undefined> = []
  for (let i = 0; i < count; i++) {
    const line: unknown = reply[2 * i]
    if (line === null) {
      datasets.push(undefined)
      continue
    }
    const read = head(i, line)
    if (read === undefined) return unreadable(where(i).heads, `head of dataset ${where(i).name}`)
    const records = parseRecords(reply[2 * i + 1])
    if (records === undefined) return unreadable(where(i).records, "records")
    datasets.push(dataset(read, inKeyOrder(records)))
  }
  return datasets
}
