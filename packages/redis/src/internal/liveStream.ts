/**
 * The Cognito Streams entry a streamed commit (or deletion) carries, once a RedisStreamPublisher
 * is over the store. Its record is built before the script, every sync count in it a placeholder
 * the script fills in, and the script either
 * - appends it to the stream itself ("commit"): on one Redis every key may be touched by one
 *   script, so the write and its entry are one atomic step, exactly once; or
 * - keeps it in the identity's outbox ("outbox"): on a Cluster the stream lives on a slot of its
 *   own, so the publisher appends the entry after the commit and clears it, and a sweeper appends
 *   what a process that stopped in between left behind: at least once.
 */
import { randomUUID } from "node:crypto"
import { StreamPublisher, type SyncStore } from "@syncalite/core"
import type { Keys } from "./codec.js"

type RecordWrite = SyncStore.RecordWrite
type StoredRecord = SyncStore.StoredRecord

/** How commits carry their entries: set by the publisher over the store. */
export interface Carrier {
  readonly mode: "commit" | "outbox"
  /** the approximate most entries a stream keeps */
  readonly maxLength: string
}

/** The sync count the script writes in place of every `"syncCount":-1`. */
const PLACEHOLDER = -1

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

/** What a script gets to carry an entry: its keys and arguments, appended to the script's own. */
export interface Carried {
  readonly keys: ReadonlyArray<string>
  readonly args: ReadonlyArray<string>
}

/**
 * The keys and arguments of the entry of a write (records given) or a deletion. ARGV: mode ("x"
 * append, "o" outbox), partition key, data, payload ("" when inline), then the MAXLEN ("x") or the
 * outbox field, the stream's name, the time and the payload's key ("o"). KEYS: the stream and, with a payload, the
 * payload's key ("x"), or the identity's outbox ("o").
 */
export const carried = (
  carrier: Carrier,
  keys: Keys,
  base: string,
  entry: {
    readonly ref: SyncStore.DatasetRef
    readonly streamName: string
    readonly field: string
    readonly now: number
    readonly records: ReadonlyArray<StoredRecord> | undefined
  }
): Carried => {
  const record = StreamPublisher.inlineRecord({
    ref: entry.ref,
    operation: entry.records === undefined ? "remove" : "replace",
    syncCount: PLACEHOLDER,
    lastModifiedDate: entry.now,
    records: entry.records
  })
  let data = JSON.stringify(record)
  let payload = ""
  let payloadKey = ""
  if (record.kinesisSyncRecords !== null && !StreamPublisher.fitsInline(data)) {
    payloadKey = keys.streamPayload(randomUUID())
    payload = JSON.stringify(record.kinesisSyncRecords)
    data = JSON.stringify(StreamPublisher.offloadedRecord(record, `redis:${payloadKey}`))
  }
  const partitionKey = entry.ref.identityId
  return carrier.mode === "commit"
    ? {
      keys: payload === "" ? [keys.stream(entry.streamName)] : [keys.stream(entry.streamName), payloadKey],
      args: ["x", partitionKey, data, payload, carrier.maxLength]
    }
    : {
      keys: [keys.outbox(base)],
      args: ["o", partitionKey, data, payload, entry.field, entry.streamName, String(entry.now), payloadKey]
    }
}

/** An outbox entry as the script keeps it, its sync counts filled in. */
export interface OutboxEntry {
  readonly streamName: string
  readonly now: number
  readonly partitionKey: string
  readonly data: string
  /** the records of a record too large to travel inline, "" when it is inline */
  readonly payload: string
  readonly payloadKey: string
}

/** An outbox entry read back (`[stream, now, partition key, data, payload, payload key]` as JSON); undefined when it is not one. */
export const parseOutboxEntry = (text: unknown): OutboxEntry | undefined => {
  try {
    const [streamName, now, partitionKey, data, payload, payloadKey] = JSON.parse(String(text)) as Array<unknown>
    return typeof streamName === "string" && typeof partitionKey === "string" && typeof data === "string" &&
        typeof payload === "string" && typeof payloadKey === "string" && Number.isFinite(Number(now))
      ? { streamName, now: Number(now), partitionKey, data, payload, payloadKey }
      : undefined
  } catch {
    return undefined
  }
}
