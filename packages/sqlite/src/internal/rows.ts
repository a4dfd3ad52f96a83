import { Either, Schema } from "effect"
import { SyncStore, type SyncSessionToken } from "@syncalite/core"

/**
 * Rows as SQLite answers them, and the checks that turn them into the port's models: a row that
 * does not fit is a StorageError naming where it is, never a crash further on.
 */

export interface HeadRow {
  readonly id: number
  readonly live: unknown
  readonly sync_count: unknown
  readonly last_deletion_count: unknown
  readonly creation_date: unknown
  readonly last_modified_date: unknown
  readonly last_modified_by: unknown
  readonly num_records: unknown
  readonly data_storage: unknown
  readonly entries: unknown
  readonly entry_bytes: unknown
  readonly consumed_sessions: unknown
}

/** A record row as an array (statements in raw mode: no object per row), in the order of `recordColumns`. */
export type RecordRow = readonly [
  key: unknown,
  value: unknown,
  sync_count: unknown,
  modified: unknown,
  modified_by: unknown,
  device_modified: unknown
]

export const recordColumns = "key, value, sync_count, modified, modified_by, device_modified"

export const corrupt = (key: string, what: string, cause?: unknown): SyncStore.StorageError =>
  new SyncStore.StorageError({
    message: `Unreadable row ${key}: ${what}`,
    key,
    ...(cause === undefined ? {} : { cause })
  })

const isCount = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0

const shown = (u: unknown): string =>
  typeof u === "string" ? JSON.stringify(u.slice(0, 40)) : Buffer.isBuffer(u) ? "a blob" : String(u)

const count = (u: unknown, key: string, column: string): number => {
  if (!isCount(u)) throw corrupt(key, `${column} is ${shown(u)}, not a count`)
  return u
}

const text = (u: unknown, key: string, column: string): string => {
  if (typeof u !== "string") throw corrupt(key, `${column} is not text`)
  return u
}

/**
 * A dataset's consumed sessions as one text column, `[floor,"id",expiresAt,"id",expiresAt,…]`.
 * The head is read and written by every commit, so its up to 64 sessions must cost little: the
 * text of each dataset's last read or write is kept with its value (compared, not parsed, on the
 * next read), and the text of each session is kept with the session (a commit adds one session
 * to a list whose other sessions it passes on as they were).
 */
export const sessionsCodec = (capacity = 1024) => {
  /** each dataset's last text and its value; `encoded` when the text was written here, part by part as `encode` writes it */
  const lastOf = new Map<
    number,
    { readonly column: string; readonly consumed: SyncSessionToken.ConsumedSessions; readonly encoded: boolean }
  >()
  const fragments = new WeakMap<SyncSessionToken.SyncSession, string>()
  const remember = (dataset: number, column: string, consumed: SyncSessionToken.ConsumedSessions, encoded: boolean) => {
    if (!lastOf.has(dataset) && lastOf.size >= capacity) lastOf.delete(lastOf.keys().next().value!)
    lastOf.set(dataset, { column, consumed, encoded })
  }
  const decode = (u: unknown, key: string, dataset: number): SyncSessionToken.ConsumedSessions => {
    const column = text(u, key, "consumed_sessions")
    const last = lastOf.get(dataset)
    if (last !== undefined && last.column === column) return last.consumed
    let flat: unknown
    try {
      flat = JSON.parse(column)
    } catch (cause) {
      throw corrupt(key, "consumed_sessions is not JSON", cause)
    }
    if (!Array.isArray(flat) || flat.length % 2 !== 1 || typeof flat[0] !== "number") {
      throw corrupt(key, "consumed_sessions is not a list of sessions")
    }
    const sessions: Array<SyncSessionToken.SyncSession> = []
    for (let i = 1; i < flat.length; i += 2) {
      const [id, expiresAt] = [flat[i], flat[i + 1]]
      if (typeof id !== "string" || typeof expiresAt !== "number") {
        throw corrupt(key, "consumed_sessions holds something that is not a session")
      }
      sessions.push({ id, expiresAt })
    }
    const consumed = { floor: flat[0] as number, sessions }
    remember(dataset, column, consumed, false)
    return consumed
  }
  const fragmentOf = (session: SyncSessionToken.SyncSession): string => {
    let fragment = fragments.get(session)
    if (fragment === undefined) {
      fragment = `,${JSON.stringify(session.id)},${JSON.stringify(session.expiresAt)}`
      fragments.set(session, fragment)
    }
    return fragment
  }
  /**
   * The text of `consumed` made from the dataset's last text, when that text holds the same
   * sessions in the same order but for the oldest dropped and one session added (what a commit
   * does): the kept part of the text, the added session's fragment put where it goes (at the end,
   * for a session expiring after the others). One copy of the text rather than a string built of
   * 64 parts; undefined otherwise.
   */
  const reused = (consumed: SyncSessionToken.ConsumedSessions, dataset: number | undefined): string | undefined => {
    const last = dataset === undefined ? undefined : lastOf.get(dataset)
    if (last === undefined || !last.encoded) return undefined
    const before = last.consumed.sessions
    const after = consumed.sessions
    // the sessions both end with: those expiring after the one added (none, usually)
    let suffix = 0
    while (suffix < after.length && suffix < before.length && after[after.length - 1 - suffix] === before[before.length - 1 - suffix]) {
      suffix++
    }
    const added = suffix < after.length ? 1 : 0
    const kept = after.length - added
    const dropped = before.length - kept
    if (dropped < 0) return undefined
    for (let i = 0; i < kept - suffix; i++) if (after[i] !== before[dropped + i]) return undefined
    // the same sessions under the same floor (a write that consumed none and expired none): the same text
    if (added === 0 && dropped === 0 && consumed.floor === last.consumed.floor) return last.column
    let start = JSON.stringify(last.consumed.floor).length + 1
    for (let i = 0; i < dropped; i++) start += fragmentOf(before[i]!).length
    let split = last.column.length - 1
    for (let i = before.length - suffix; i < before.length; i++) split -= fragmentOf(before[i]!).length
    const inserted = added === 0 ? "" : fragmentOf(after[kept - suffix]!)
    return `[${JSON.stringify(consumed.floor)}${last.column.slice(start, split)}${inserted}${last.column.slice(split, -1)}]`
  }
  const encode = (consumed: SyncSessionToken.ConsumedSessions, dataset: number | undefined): string => {
    let column = reused(consumed, dataset)
    if (column === undefined) {
      column = `[${JSON.stringify(consumed.floor)}`
      for (const session of consumed.sessions) column += fragmentOf(session)
      column += "]"
    }
    if (dataset !== undefined) remember(dataset, column, consumed, true)
    return column
  }
  // a text remembered by a transaction that then rolled back is still the text of its value
  return { decode, encode }
}

export type SessionsCodec = ReturnType<typeof sessionsCodec>

export const headKey = (pool: string, identity: string, name: string) => `syncalite_datasets/${pool}/${identity}/${name}`

export const headOf = (row: HeadRow, name: string, key: string, sessions: SessionsCodec): SyncStore.DatasetHead => {
  if (typeof row.id !== "number") throw corrupt(key, "id is not a number")
  if (row.live !== 0 && row.live !== 1) throw corrupt(key, "live is neither 0 nor 1")
  return {
    name,
    exists: row.live === 1,
    syncCount: count(row.sync_count, key, "sync_count"),
    lastDeletionCount: count(row.last_deletion_count, key, "last_deletion_count"),
    creationDate: count(row.creation_date, key, "creation_date"),
    lastModifiedDate: count(row.last_modified_date, key, "last_modified_date"),
    lastModifiedBy: text(row.last_modified_by, key, "last_modified_by"),
    numRecords: count(row.num_records, key, "num_records"),
    dataStorage: count(row.data_storage, key, "data_storage"),
    entries: count(row.entries, key, "entries"),
    entryBytes: count(row.entry_bytes, key, "entry_bytes"),
    consumedSessions: sessions.decode(row.consumed_sessions, key, row.id)
  }
}

/** The columns of a head, after `id`, `pool`, `identity` and `name`, in table order. */
export const headColumns = (head: SyncStore.DatasetHead, sessions: SessionsCodec, dataset: number | undefined) =>
  [
    head.exists ? 1 : 0,
    head.syncCount,
    head.lastDeletionCount,
    head.creationDate,
    head.lastModifiedDate,
    head.lastModifiedBy,
    head.numRecords,
    head.dataStorage,
    head.entries,
    head.entryBytes,
    sessions.encode(head.consumedSessions, dataset)
  ] as const

/**
 * Record keys are stored as UTF-16BE blobs: SQLite compares blobs bytewise, which for UTF-16BE is
 * the code-unit order every list and page of the port uses, and any JavaScript string — lone
 * surrogates included — comes back exactly.
 */
export const encodeKey = (key: string): Buffer => Buffer.from(key, "utf16le").swap16()

/**
 * A key from its UTF-16BE blob (of even length). Keys are short: read code unit by code unit here,
 * they cost a fraction of a byte swap and a decoding in Buffer's native code.
 */
const decodeKey = (blob: Buffer): string => {
  // past the number of arguments a call can take
  if (blob.length > 8192) return Buffer.from(blob).swap16().toString("utf16le")
  const units = new Array<number>(blob.length >> 1)
  for (let i = 0; i < units.length; i++) units[i] = (blob[2 * i]! << 8) | blob[2 * i + 1]!
  return String.fromCharCode.apply(null, units)
}

const isWellFormed = (value: string): boolean => (value as unknown as { isWellFormed(): boolean }).isWellFormed()

/** Values are text; one that UTF-8 cannot carry (a lone surrogate) is a UTF-16LE blob instead. */
export const encodeValue = (value: string | null): string | Buffer | null =>
  value === null || isWellFormed(value) ? value : Buffer.from(value, "utf16le")

export const recordKey = (datasetKey: string, key: string) => `syncalite_records/${datasetKey.slice("syncalite_datasets/".length)}/${key}`

const isTime = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0

export const recordOf = (row: RecordRow, datasetKey: string): SyncStore.StoredRecord => {
  const [key, value, sync_count, modified, modified_by, device_modified] = row
  // the checks of every row read, cheap; what exactly is wrong is worked out only when something is
  if (
    Buffer.isBuffer(key) && key.length % 2 === 0 && (value === null || typeof value === "string") &&
    isTime(sync_count) && isTime(modified) && typeof modified_by === "string" &&
    (device_modified === null || isTime(device_modified))
  ) {
    const record = { key: decodeKey(key), value, syncCount: sync_count, lastModifiedDate: modified, lastModifiedBy: modified_by }
    return device_modified === null ? record : { ...record, deviceLastModifiedDate: device_modified }
  }
  return checkedRecordOf(row, datasetKey)
}

/** A record row that is not plain text in plain columns: a value stored as UTF-16 (see encodeValue), or damage. */
const checkedRecordOf = (row: RecordRow, datasetKey: string): SyncStore.StoredRecord => {
  const [blob, stored, sync_count, modified, modified_by, device_modified] = row
  if (!Buffer.isBuffer(blob) || blob.length % 2 !== 0) throw corrupt(recordKey(datasetKey, "?"), "key is not a UTF-16 blob")
  const key = decodeKey(blob)
  const where = recordKey(datasetKey, key)
  const value = stored === null || typeof stored === "string"
    ? stored
    : Buffer.isBuffer(stored) && stored.length % 2 === 0
    ? stored.toString("utf16le")
    : undefined
  if (value === undefined) throw corrupt(where, "value is neither text nor null")
  const record = {
    key,
    value,
    syncCount: count(sync_count, where, "sync_count"),
    lastModifiedDate: count(modified, where, "modified"),
    lastModifiedBy: text(modified_by, where, "modified_by")
  }
  if (device_modified === null) return record
  return { ...record, deviceLastModifiedDate: count(device_modified, where, "device_modified") }
}

const PoolStateJson = Schema.parseJson(SyncStore.PoolStateSchema)

const decodePool = Schema.decodeUnknownEither(PoolStateJson)
const encodePool = Schema.encodeSync(PoolStateJson)

export const poolKey = (pool: string) => `syncalite_pools/${pool}`

/**
 * Pool configurations, decoded and validated once per text: core reads the configuration at every
 * UpdateRecords, and it changes rarely.
 */
export const poolsCodec = (capacity = 1024) => {
  const decoded = new Map<string, { readonly column: string; readonly state: SyncStore.PoolState }>()
  return (configuration: unknown, pool: string): SyncStore.PoolState => {
    if (configuration === null || configuration === undefined) return SyncStore.emptyPool
    const known = decoded.get(pool)
    if (known !== undefined && known.column === configuration) return known.state
    const result = decodePool(configuration)
    if (Either.isLeft(result)) throw corrupt(poolKey(pool), "configuration is not a pool's configuration", result.left)
    if (known === undefined && decoded.size >= capacity) decoded.delete(decoded.keys().next().value!)
    if (typeof configuration === "string") decoded.set(pool, { column: configuration, state: result.right })
    return result.right
  }
}

export const poolColumn = (state: SyncStore.PoolState): string => encodePool(state)
