import { Effect } from "effect"
import type { KinesisSyncRecord, StreamRecord } from "../StreamPublisher.js"
import type { DatasetRef, PoolState, StoredRecord } from "./storeModel.js"
import type { Services } from "./operation.js"

const INLINE_LIMIT = 1024 * 1024

export const streamingEnabled = (pool: PoolState): boolean => pool.cognitoStreams?.StreamingStatus === "ENABLED"

/** What a stream record tells: a write of records, or (with none) a deletion. */
export interface StreamWrite {
  readonly ref: DatasetRef
  readonly operation: "replace" | "remove"
  readonly syncCount: number
  readonly lastModifiedDate: number
  readonly records: ReadonlyArray<StoredRecord> | undefined
}

/**
 * The stream record of a write (or, with no records, of a deletion). Records too large to travel
 * inline are offloaded and referenced by URL.
 */
export const streamRecord = (
  services: Pick<Services, "stream">,
  { lastModifiedDate, operation, records, ref, syncCount }: StreamWrite
): Effect.Effect<StreamRecord, unknown> =>
  Effect.gen(function*() {
    const kinesisSyncRecords = records?.map((record): KinesisSyncRecord => ({
      key: record.key,
      value: record.value,
      syncCount: record.syncCount,
      lastModifiedDate: record.lastModifiedDate,
      deviceLastModifiedDate: record.deviceLastModifiedDate ?? null,
      op: record.value === null ? "remove" : "replace"
    }))
    const inlined: StreamRecord = {
      identityPoolId: ref.identityPoolId,
      identityId: ref.identityId,
      datasetName: ref.datasetName,
      operation,
      kinesisSyncRecords: kinesisSyncRecords ?? null,
      kinesisSyncRecordsURL: null,
      lastModifiedDate,
      payloadType: "Inline",
      syncCount
    }
    // the Kinesis limit applies to the whole record, not to its records alone
    const inline = kinesisSyncRecords === undefined ||
      Buffer.byteLength(JSON.stringify(inlined), "utf8") <= INLINE_LIMIT
    if (inline) return inlined
    return {
      ...inlined,
      kinesisSyncRecords: null,
      kinesisSyncRecordsURL: yield* services.stream.offload(kinesisSyncRecords),
      payloadType: "S3Url"
    }
  })

/** The name of the pool's stream. */
export const streamName = (pool: PoolState): string => pool.cognitoStreams?.StreamName ?? ""

/** After a committed write: streams it when the pool streams, logging a failure. */
export const publishRecords = (services: Services, pool: PoolState, write: StreamWrite) =>
  streamingEnabled(pool)
    ? streamRecord(services, write).pipe(
      Effect.flatMap((record) => services.stream.publish(streamName(pool), record)),
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: publishing to Cognito Streams failed", cause))
    )
    : Effect.void
