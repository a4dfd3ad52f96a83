import { consume, consumption, noneConsumed, prune } from "../SyncSessionToken.js"
import type {
  CommitDecision,
  CommitRefusal,
  DatasetCommit,
  DatasetHead,
  DeletionAt,
  PoolUsage,
  StoredRecord,
  Usage
} from "./storeModel.js"
import { byteLength } from "./records.js"

/** The stored record of a key, or undefined. Only the keys a commit names are asked for. */
export type RecordLookup = (key: string) => StoredRecord | undefined

/**
 * What refuses a commit before anything is computed: a consumed (or forgotten) session, a moved
 * dataset, a patch whose sync count is not the server's (0 for a key never written).
 */
export const precondition = (
  head: DatasetHead | undefined,
  stored: RecordLookup,
  commit: Pick<DatasetCommit, "session" | "conditions" | "expectedSyncCount">
): Exclude<CommitRefusal, { _tag: "LimitExceeded" }> | undefined => {
  const used = head === undefined ? undefined : consumption(head.consumedSessions, commit.session)
  if (used !== undefined) return used === "Consumed" ? { _tag: "SessionUsed" } : { _tag: "SessionForgotten" }
  const current = head?.syncCount ?? 0
  if (commit.expectedSyncCount !== undefined && commit.expectedSyncCount !== current) {
    return { _tag: "DatasetChanged", syncCount: current }
  }
  const live = head?.exists === true
  for (const condition of commit.conditions) {
    const server = live ? stored(condition.key)?.syncCount ?? 0 : 0
    if (server !== condition.syncCount) {
      return { _tag: "Conflict", key: condition.key, server, client: condition.syncCount }
    }
  }
  return undefined
}

/** A dataset's four figures, as a commit changes them. */
export interface DatasetFigures {
  numRecords: number
  dataStorage: number
  entries: number
  entryBytes: number
}

/**
 * `figures` changed in place by the write of one record: `keyBytes` the UTF-8 length of its key,
 * `was` the valueBytes it had (-1 a tombstone, undefined none stored), `bytes` the valueBytes
 * written (-1 a tombstone). A record's size is its key's bytes and its value's; a tombstone
 * counts in `entries` and `entryBytes` (the limits) but not in `numRecords` and `dataStorage`.
 */
export const writeFigures = (figures: DatasetFigures, keyBytes: number, was: number | undefined, bytes: number): void => {
  const before = was === undefined ? 0 : was >= 0 ? keyBytes + was : keyBytes
  const size = bytes >= 0 ? keyBytes + bytes : keyBytes
  if (was === undefined) figures.entries++
  figures.entryBytes += size - before
  if (was !== undefined && was >= 0) {
    figures.numRecords--
    figures.dataStorage -= before
  }
  if (bytes >= 0) {
    figures.numRecords++
    figures.dataStorage += size
  }
}

/** The refusal of figures past the records or bytes limit of a dataset, or undefined. */
export const figuresRefused = (
  figures: DatasetFigures,
  limits: DatasetCommit["limits"]
): Extract<CommitRefusal, { _tag: "LimitExceeded" }> | undefined =>
  figures.entries > limits.recordsPerDataset
    ? { _tag: "LimitExceeded", limit: "records", value: figures.entries }
    : figures.entryBytes > limits.bytesPerDataset
    ? { _tag: "LimitExceeded", limit: "bytes", value: figures.entryBytes }
    : undefined

/** A record's valueBytes, as `writeFigures` takes it: its value's UTF-8 length, -1 a tombstone. */
export const valueBytes = (value: string | null): number => value === null ? -1 : byteLength(value)

/** The record `write` stores at `syncCount`. */
const recordOf = (write: DatasetCommit["writes"][number], syncCount: number, commit: DatasetCommit): StoredRecord => {
  const record: { -readonly [K in keyof StoredRecord]: StoredRecord[K] } = {
    key: write.key,
    value: write.value,
    syncCount,
    lastModifiedDate: commit.now,
    lastModifiedBy: commit.modifiedBy
  }
  if (write.deviceLastModifiedDate !== undefined) record.deviceLastModifiedDate = write.deviceLastModifiedDate
  return record
}

/**
 * The records a commit stores at `syncCount`, one a key: of a key written twice, its last write,
 * where its first stood. A commit of one write, most of them, makes no map.
 */
const writtenRecords = (commit: DatasetCommit, syncCount: number): Array<StoredRecord> => {
  const { writes } = commit
  if (writes.length === 1) return [recordOf(writes[0]!, syncCount, commit)]
  const byKey = new Map<string, StoredRecord>()
  for (const write of writes) byKey.set(write.key, recordOf(write, syncCount, commit))
  return [...byKey.values()]
}

/**
 * The whole decision of a commit, with no I/O: given the dataset's head, the stored records of
 * the keys the commit writes, and how many other datasets the identity has, either the refusal
 * or the head and records to write. Its cost grows with the records written, not with the
 * dataset, so native adapters call it inside their own transaction.
 */
export const decideCommit = (
  head: DatasetHead | undefined,
  stored: RecordLookup,
  otherDatasets: number,
  commit: DatasetCommit
): CommitDecision => {
  const refused = precondition(head, stored, commit)
  if (refused !== undefined) return refused
  const live = head?.exists === true
  if (!live && otherDatasets + 1 > commit.limits.datasetsPerIdentity) {
    return { _tag: "LimitExceeded", limit: "datasets", value: otherDatasets + 1 }
  }
  const syncCount = (head?.syncCount ?? 0) + 1
  const records = writtenRecords(commit, syncCount)
  const figures: DatasetFigures = live
    ? { numRecords: head.numRecords, dataStorage: head.dataStorage, entries: head.entries, entryBytes: head.entryBytes }
    : { numRecords: 0, dataStorage: 0, entries: 0, entryBytes: 0 }
  for (const record of records) {
    const before = live ? stored(record.key) : undefined
    const was = before === undefined ? undefined : valueBytes(before.value)
    writeFigures(figures, byteLength(record.key), was, valueBytes(record.value))
  }
  const passed = figuresRefused(figures, commit.limits)
  if (passed !== undefined) return passed
  const { dataStorage, entries, entryBytes, numRecords } = figures
  return {
    _tag: "Committed",
    head: {
      name: commit.ref.datasetName,
      exists: true,
      syncCount,
      lastDeletionCount: head?.lastDeletionCount ?? 0,
      creationDate: live ? head.creationDate : commit.now,
      lastModifiedDate: commit.now,
      lastModifiedBy: commit.modifiedBy,
      numRecords,
      dataStorage,
      entries,
      entryBytes,
      consumedSessions: consume(head?.consumedSessions ?? noneConsumed, commit.session, commit.now)
    },
    records
  }
}

/**
 * The head a dataset keeps once deleted, all that SPEC needs of it: its name, its sync count
 * (so that counts never go back), the deletion time, and the consumed sessions not yet expired
 * (so that a used token stays refused); nothing of its history.
 */
export const deletedHead = (head: DatasetHead, now: number): DatasetHead => ({
  name: head.name,
  exists: false,
  syncCount: head.syncCount,
  lastDeletionCount: head.syncCount,
  creationDate: now,
  lastModifiedDate: now,
  lastModifiedBy: "",
  numRecords: 0,
  dataStorage: 0,
  entries: 0,
  entryBytes: 0,
  consumedSessions: prune(head.consumedSessions, now)
})

/**
 * What a deletion finds short of deleting: no existing dataset, or — when it is conditional on a
 * sync count — another count; undefined when the dataset is to be deleted.
 */
export const refusedDeletion = (head: DatasetHead | undefined, syncCount: number | undefined): DeletionAt | undefined =>
  head === undefined || !head.exists
    ? { _tag: "Absent" }
    : syncCount !== undefined && head.syncCount !== syncCount
    ? { _tag: "Changed", syncCount: head.syncCount }
    : undefined

/**
 * The usage of an identity from its dataset heads: existing datasets and their bytes, and the
 * last change of any dataset, deleted ones included.
 */
export const usageOfHeads = (heads: Iterable<DatasetHead>): Usage => {
  let datasetCount = 0
  let dataStorage = 0
  let lastModifiedDate: number | undefined
  for (const head of heads) {
    if (head.exists) {
      datasetCount++
      dataStorage += head.dataStorage
    }
    if (lastModifiedDate === undefined || head.lastModifiedDate > lastModifiedDate) lastModifiedDate = head.lastModifiedDate
  }
  return lastModifiedDate === undefined ? { datasetCount, dataStorage } : { datasetCount, dataStorage, lastModifiedDate }
}

/** The usage of a pool from the usage of its identities, its session count and its configuration's last change. */
export const poolUsageOf = (
  identityPoolId: string,
  identities: Iterable<Usage>,
  syncSessionsCount: number,
  configurationModified: number | undefined
): PoolUsage => {
  let dataStorage = 0
  let lastModifiedDate = configurationModified
  for (const usage of identities) {
    dataStorage += usage.dataStorage
    if (usage.lastModifiedDate !== undefined && (lastModifiedDate === undefined || usage.lastModifiedDate > lastModifiedDate)) {
      lastModifiedDate = usage.lastModifiedDate
    }
  }
  const usage: PoolUsage = { identityPoolId, syncSessionsCount, dataStorage }
  return lastModifiedDate === undefined ? usage : { ...usage, lastModifiedDate }
}
