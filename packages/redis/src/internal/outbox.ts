/**
 * The outbox of Cognito Streams: a streamed write is announced in `<prefix>:outbox` (by session
 * id) before its commit, and its commit maps that session id to the new sync count in the
 * identity's outbox, in the same script. The publisher appends the record and clears both; a
 * sweeper appends what a process that stopped in between left behind.
 */
import type { SyncStore } from "@syncalite/core"

type DatasetCommit = SyncStore.DatasetCommit
type RecordWrite = SyncStore.RecordWrite
type StoredRecord = SyncStore.StoredRecord

/** A write (or, with no writes, a deletion) announced before its commit: all that its stream record needs but the sync count. */
export interface PendingWrite {
  readonly ref: SyncStore.DatasetRef
  readonly operation: "replace" | "remove"
  readonly streamName: string
  readonly now: number
  readonly modifiedBy: string
  readonly writes: ReadonlyArray<RecordWrite>
}

/** The records a commit of `writes` wrote at `syncCount`. */
export const committedRecords = (
  writes: ReadonlyArray<RecordWrite>,
  syncCount: number,
  now: number,
  modifiedBy: string
): Array<StoredRecord> =>
  writes.map((write) => {
    const record: StoredRecord = { key: write.key, value: write.value, syncCount, lastModifiedDate: now, lastModifiedBy: modifiedBy }
    return write.deviceLastModifiedDate === undefined ? record : { ...record, deviceLastModifiedDate: write.deviceLastModifiedDate }
  })

/** The announcement of a streamed commit, as JSON. */
export const pendingWrite = (c: DatasetCommit & { readonly stream: string }, writes: ReadonlyArray<RecordWrite>): string =>
  JSON.stringify(
    { ref: c.ref, operation: "replace", streamName: c.stream, now: c.now, modifiedBy: c.modifiedBy, writes } satisfies PendingWrite
  )

/** The announcement of a streamed deletion, as JSON. */
export const pendingDeletion = (ref: SyncStore.DatasetRef, streamName: string, now: number): string =>
  JSON.stringify({ ref, operation: "remove", streamName, now, modifiedBy: "", writes: [] } satisfies PendingWrite)

/** An announcement read back; undefined when it is not one. */
export const parsePending = (text: unknown): PendingWrite | undefined => {
  try {
    const value = JSON.parse(String(text)) as PendingWrite
    return typeof value.streamName === "string" && typeof value.now === "number" && Array.isArray(value.writes) &&
        (value.operation === "replace" || value.operation === "remove") &&
        typeof value.ref?.identityId === "string"
      ? value
      : undefined
  } catch {
    return undefined
  }
}
