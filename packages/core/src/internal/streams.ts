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
 * The stream record of a write (or, with no records, of a deletion), sent to the pool's stream.
 * Records too large to travel inline are offloaded and referenced by URL.
 */
export const streamRecords = (
  services: Services,
  pool: PoolState,
  { lastModifiedDate, operation, records, ref, syncCount }: StreamWrite
): Effect.Effect<void, unknown> =>
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
    const record: StreamRecord = inline ? inlined : {
      ...inlined,
      kinesisSyncRecords: null,
      kinesisSyncRecordsURL: yield* services.stream.offload(kinesisSyncRecords),
      payloadType: "S3Url"
    }
    yield* services.stream.publish(pool.cognitoStreams?.StreamName ?? "", record)
  })

/** After a committed write: streams it when the pool streams, logging a failure. */
export const publishRecords = (services: Services, pool: PoolState, write: StreamWrite) =>
  streamingEnabled(pool)
    ? streamRecords(services, pool, write).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: publishing to Cognito Streams failed", cause))
    )
    : Effect.void
