/**
 * The models of the storage port that its implementations share: the values a store reads and
 * writes, its errors, its shape and the driver's. It imports none of the implementations, so they
 * and the public `SyncStore` module on top of them import it without a cycle.
 */
import { type Effect, type Either, Schema } from "effect"
import { CognitoStreams, PushSync } from "../Shapes.js"

/**
 * What a verified token says.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyncSession {
  readonly id: string
  readonly expiresAt: number
}

/**
 * The sessions of a dataset whose token a write consumed: the recent ones by id, and every
 * session expiring at or before `floor`. The list is capped, so a dataset written thousands of
 * times within a token lifetime keeps a bounded head: past the cap, the oldest sessions are
 * folded into the floor (their tokens stop working for writes a little early).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConsumedSessions {
  readonly floor: number
  readonly sessions: ReadonlyArray<SyncSession>
}

/**
 * A storage fault: unreachable backend, corrupt data, a timeout. Reported to API callers as
 * InternalErrorException.
 *
 * @since 0.1.0
 * @category errors
 */
export class StorageError extends Schema.TaggedError<StorageError>()("StorageError", {
  message: Schema.String,
  key: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Unknown)
}) {}

/**
 * One dataset of one identity of one pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface DatasetRef {
  readonly identityPoolId: string
  readonly identityId: string
  readonly datasetName: string
}

/**
 * A record as stored; `value` null is a tombstone. Times are epoch milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredRecord {
  readonly key: string
  readonly value: string | null
  readonly syncCount: number
  readonly lastModifiedDate: number
  readonly lastModifiedBy: string
  readonly deviceLastModifiedDate?: number
}

/**
 * A dataset's head. It outlives a deletion (`exists` false) so that sync counts never go back.
 *
 * @since 0.1.0
 * @category models
 */
export interface DatasetHead {
  readonly name: string
  readonly exists: boolean
  readonly syncCount: number
  readonly lastDeletionCount: number
  readonly creationDate: number
  readonly lastModifiedDate: number
  readonly lastModifiedBy: string
  /** live records */
  readonly numRecords: number
  /** UTF-8 bytes of live keys and values */
  readonly dataStorage: number
  /** live records and tombstones, for the records limit */
  readonly entries: number
  /** live keys and values plus tombstone keys, for the bytes limit */
  readonly entryBytes: number
  /** sessions whose token a write consumed, until they expire */
  readonly consumedSessions: ConsumedSessions
}

/**
 * What ListRecords needs of a dataset: its head, one page of the records changed after a sync
 * count, and the names of the datasets merged into it.
 *
 * @since 0.1.0
 * @category models
 */
export interface DatasetView {
  readonly head: DatasetHead | undefined
  readonly records: ReadonlyArray<StoredRecord>
  readonly more: boolean
  readonly mergedDatasetNames: ReadonlyArray<string>
}

/**
 * Which records of a dataset to read: with a sync count above `since`, a key above `after`, at
 * most `limit` of them (all when absent), ordered by key. With `withoutSessions`, the reader
 * needs of the head's consumed sessions only their floor (it has no token to check), and an
 * adapter may leave the list itself out.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordQuery {
  readonly since: number
  readonly after?: string
  readonly limit?: number
  readonly withoutSessions?: boolean
}

/**
 * A write of one UpdateRecords call.
 *
 * @since 0.1.0
 * @category models
 */
export interface DatasetCommit {
  readonly ref: DatasetRef
  /** the session whose token authorises the write; consumed on success */
  readonly session: SyncSession
  /** the sync count each key must have (0 for a key that never existed) */
  readonly conditions: ReadonlyArray<{ readonly key: string; readonly syncCount: number }>
  /** when set, the dataset's sync count must still be this (a trigger saw this state) */
  readonly expectedSyncCount?: number
  readonly writes: ReadonlyArray<RecordWrite>
  readonly modifiedBy: string
  readonly now: number
  readonly limits: {
    readonly datasetsPerIdentity: number
    readonly recordsPerDataset: number
    readonly bytesPerDataset: number
  }
  /** when true, a committed result carries the dataset's subscribers, read in the commit's own step */
  readonly subscribers?: boolean
  /**
   * the pool's stream when its streaming is ENABLED: a store that carries stream entries appends
   * the write's entry, or records it in an outbox, in the commit's own step, and the committed
   * result names it (`outbox`)
   */
  readonly stream?: string
}

/**
 * One record written by a commit; `value` null removes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordWrite {
  readonly key: string
  readonly value: string | null
  readonly deviceLastModifiedDate?: number
}

/**
 * Why a commit was refused.
 *
 * @since 0.1.0
 * @category models
 */
export type CommitRefusal =
  | { readonly _tag: "Conflict"; readonly key: string; readonly server: number; readonly client: number }
  | { readonly _tag: "DatasetChanged"; readonly syncCount: number }
  | { readonly _tag: "SessionUsed" }
  | { readonly _tag: "SessionForgotten" }
  | { readonly _tag: "LimitExceeded"; readonly limit: "datasets" | "records" | "bytes"; readonly value: number }

/**
 * A dataset's head as a commit answers it: everything but the consumed sessions, which nothing
 * that commits reads (a store may answer them all the same), and which a store that keeps them
 * apart would otherwise have to send back on every commit.
 *
 * @since 0.1.0
 * @category models
 */
export type CommittedHead = Omit<DatasetHead, "consumedSessions">

/**
 * The outcome of a commit.
 *
 * @since 0.1.0
 * @category models
 */
export type CommitResult = Committed | CommitRefusal

/**
 * A commit done: the dataset's head after it and the records written, and what else the commit
 * was asked to read in the same step (`subscribers` when `DatasetCommit.subscribers` was set).
 *
 * @since 0.1.0
 * @category models
 */
export interface Committed {
  readonly _tag: "Committed"
  readonly head: CommittedHead
  readonly records: ReadonlyArray<StoredRecord>
  /** the devices subscribed to the dataset when it committed, devices unregistered left out */
  readonly subscribers?: ReadonlyArray<Device>
  /**
   * the stream entry the commit carried: appended already when the publisher says so
   * (`appendedInCommit`), else an outbox entry the publisher clears once it appended the record
   */
  readonly outbox?: string
}

/**
 * The decision of `decideCommit`: the refusal, or the whole head to write and the records.
 *
 * @since 0.1.0
 * @category models
 */
export type CommitDecision =
  | { readonly _tag: "Committed"; readonly head: DatasetHead; readonly records: ReadonlyArray<StoredRecord> }
  | CommitRefusal

/**
 * What `deleteDatasetAt` did: deleted the dataset (its head as it was), left it because its sync
 * count is another, or found no existing dataset.
 *
 * @since 0.1.0
 * @category models
 */
export type DeletionAt =
  | { readonly _tag: "Deleted"; readonly head: DatasetHead }
  | { readonly _tag: "Changed"; readonly syncCount: number }
  | { readonly _tag: "Absent" }

/**
 * A device registered for push sync.
 *
 * @since 0.1.0
 * @category models
 */
export interface Device {
  readonly deviceId: string
  readonly platform: string
  readonly token: string
}

/**
 * What registering a device answered: its DeviceId (the one it already had when the identity
 * registered this platform and token before), or that the identity has `maxDevices` devices.
 *
 * @since 0.1.0
 * @category models
 */
export type DeviceRegistration =
  | { readonly _tag: "Registered"; readonly deviceId: string }
  | { readonly _tag: "LimitExceeded"; readonly devices: number }

/**
 * Where the bulk publish of a pool stands. Times are epoch milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface BulkPublishState {
  readonly status: "NOT_STARTED" | "IN_PROGRESS" | "FAILED" | "SUCCEEDED"
  readonly startTime?: number
  readonly completeTime?: number
  readonly failureMessage?: string
}

/**
 * The configuration of one identity pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolState {
  readonly pushSync?: PushSync
  readonly cognitoStreams?: CognitoStreams
  readonly events: { readonly [eventType: string]: string }
  readonly bulkPublish: BulkPublishState
  readonly lastModifiedDate?: number
}

/**
 * A pool's configuration as adapters store it and validate it when read back.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PoolStateSchema: Schema.Schema<PoolState> = Schema.Struct({
  pushSync: Schema.optionalWith(PushSync, { exact: true }),
  cognitoStreams: Schema.optionalWith(CognitoStreams, { exact: true }),
  events: Schema.Record({ key: Schema.String, value: Schema.String }),
  bulkPublish: Schema.Struct({
    status: Schema.Literal("NOT_STARTED", "IN_PROGRESS", "FAILED", "SUCCEEDED"),
    startTime: Schema.optionalWith(Schema.Number, { exact: true }),
    completeTime: Schema.optionalWith(Schema.Number, { exact: true }),
    failureMessage: Schema.optionalWith(Schema.String, { exact: true })
  }),
  lastModifiedDate: Schema.optionalWith(Schema.Number, { exact: true })
})

/**
 * The configuration of a pool nobody configured.
 *
 * @since 0.1.0
 * @category constants
 */
export const emptyPool: PoolState = { events: {}, bulkPublish: { status: "NOT_STARTED" } }

/**
 * Usage figures of one identity or pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface Usage {
  readonly datasetCount: number
  readonly dataStorage: number
  readonly lastModifiedDate?: number
}

/**
 * Usage figures of one pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolUsage {
  readonly identityPoolId: string
  readonly syncSessionsCount: number
  readonly dataStorage: number
  readonly lastModifiedDate?: number
}

/**
 * A store's whole content comes as items, each one whole: a pool's configuration and session
 * count, or everything of one identity (its datasets with their heads and records, tombstones
 * included, its devices and its subscriptions). `scan` reads them in pages; `restore` writes
 * them, each item atomically, over the same datasets, devices and pool of the target: writing an
 * item twice leaves what writing it once does.
 *
 * @since 0.1.0
 * @category transfer
 */
export type StoreItem = PoolItem | IdentityItem

/**
 * A pool's configuration and its SyncSessionsCount.
 *
 * @since 0.1.0
 * @category transfer
 */
export interface PoolItem {
  readonly _tag: "Pool"
  readonly identityPoolId: string
  readonly configuration: PoolState
  readonly syncSessionsCount: number
}

/**
 * One dataset as a store holds it: its head (a deleted dataset's too, which keeps its sync count)
 * and its records ordered by key, tombstones included.
 *
 * @since 0.1.0
 * @category transfer
 */
export interface DatasetContent {
  readonly head: DatasetHead
  readonly records: ReadonlyArray<StoredRecord>
}

/**
 * Everything of one identity.
 *
 * @since 0.1.0
 * @category transfer
 */
export interface IdentityItem {
  readonly _tag: "Identity"
  readonly identityPoolId: string
  readonly identityId: string
  /** ordered by name */
  readonly datasets: ReadonlyArray<DatasetContent>
  /** ordered by device id */
  readonly devices: ReadonlyArray<Device>
  /** the devices subscribed to each dataset, ordered by dataset name; no empty list */
  readonly subscriptions: ReadonlyArray<{ readonly datasetName: string; readonly deviceIds: ReadonlyArray<string> }>
}

/**
 * One page of a scan: its items and the position to read the next page from, undefined after the
 * last page.
 *
 * @since 0.1.0
 * @category transfer
 */
export interface ScanPage {
  readonly items: ReadonlyArray<StoreItem>
  readonly next: string | undefined
}

/**
 * The storage port.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyncStoreShape {
  readonly readDataset: (ref: DatasetRef, query: RecordQuery) => Effect.Effect<DatasetView, StorageError>
  readonly listDatasets: (identityPoolId: string, identityId: string) => Effect.Effect<ReadonlyArray<DatasetHead>, StorageError>
  readonly commit: (commit: DatasetCommit) => Effect.Effect<CommitResult, StorageError>
  /**
   * Removes a dataset — its records, tombstones and subscriptions — keeping only its
   * `deletedHead`; answers its head as it was, or undefined when it did not exist. With `outbox`,
   * a store that carries stream entries appends the deletion's Cognito Streams entry, or records
   * it in an outbox under `outbox.id`, in the deletion's own step.
   */
  readonly deleteDataset: (
    ref: DatasetRef,
    now: number,
    outbox?: { readonly stream: string; readonly id: string }
  ) => Effect.Effect<DatasetHead | undefined, StorageError>
  /**
   * Removes a dataset as `deleteDataset` does, only while its DatasetSyncCount is still
   * `syncCount`, all in one atomic step: a write that lands after the dataset was read at that
   * count makes it answer `Changed` and leaves the dataset as it is. Merging identities moves a
   * dataset with it, so that no write to the source is lost.
   */
  readonly deleteDatasetAt: (ref: DatasetRef, syncCount: number, now: number) => Effect.Effect<DeletionAt, StorageError>
  /** every existing dataset of a pool, for bulk publish */
  readonly poolDatasets: (identityPoolId: string) => Effect.Effect<ReadonlyArray<DatasetRef>, StorageError>
  /**
   * Datasets whole, read together where the store can (bulk publish): each existing one's head
   * and every record, tombstones included, ordered by key; undefined for one that does not exist.
   * Without it, bulk publish reads each dataset with `readDataset`.
   */
  readonly readDatasets?: (refs: ReadonlyArray<DatasetRef>) => Effect.Effect<ReadonlyArray<DatasetContent | undefined>, StorageError>

  readonly readPool: (identityPoolId: string) => Effect.Effect<PoolState, StorageError>
  /** an atomic read-modify-write of a pool's configuration */
  readonly updatePool: <E>(
    identityPoolId: string,
    update: (state: PoolState) => Either.Either<PoolState, E>
  ) => Effect.Effect<PoolState, E | StorageError>

  /**
   * The DeviceId of this platform and token for this identity, registering them under
   * `device.deviceId` if new, unless the identity already has `maxDevices` devices; the count
   * is checked in the same atomic step as the write.
   */
  readonly registerDevice: (
    identityPoolId: string,
    identityId: string,
    device: Device,
    maxDevices: number
  ) => Effect.Effect<DeviceRegistration, StorageError>
  /** false when the device is not registered for this identity */
  readonly subscribe: (ref: DatasetRef, deviceId: string) => Effect.Effect<boolean, StorageError>
  readonly unsubscribe: (
    ref: DatasetRef,
    deviceId: string
  ) => Effect.Effect<"Unsubscribed" | "UnknownDevice" | "NotSubscribed", StorageError>
  readonly subscribers: (ref: DatasetRef) => Effect.Effect<ReadonlyArray<Device>, StorageError>
  /** the device registered for this identity under this id, if any */
  readonly device: (
    identityPoolId: string,
    identityId: string,
    deviceId: string
  ) => Effect.Effect<Device | undefined, StorageError>

  /** adds `sessions` minted sync sessions to the pool's SyncSessionsCount, in one atomic step */
  readonly countSessions: (identityPoolId: string, sessions: number) => Effect.Effect<void, StorageError>
  readonly identityUsage: (identityPoolId: string, identityId: string) => Effect.Effect<Usage | undefined, StorageError>
  readonly poolUsage: (identityPoolId: string) => Effect.Effect<PoolUsage | undefined, StorageError>
  /** pools in id order, after `after`, at most `limit` */
  readonly listPoolUsage: (
    after: string | undefined,
    limit: number
  ) => Effect.Effect<{ readonly pools: ReadonlyArray<PoolUsage>; readonly more: boolean }, StorageError>

  /**
   * About `limit` items from `position` (undefined: the start), every pool first, then every
   * identity; a position is only meaningful to the store that answered it. At most `limit`,
   * unless the backend pages by a cursor of its own (Redis's SCAN), whose pages may be somewhat
   * larger or empty. Items come whole, each consistent in itself; a store written during a scan
   * may be read partly before and partly after the writes.
   */
  readonly scan: (position: string | undefined, limit: number) => Effect.Effect<ScanPage, StorageError>
  /** writes each item atomically over what the store holds of it (see `StoreItem`) */
  readonly restore: (items: ReadonlyArray<StoreItem>) => Effect.Effect<void, StorageError>
}

/**
 * A value stored under a key with the version it was written at (1 for a key's first write).
 *
 * @since 0.1.0
 * @category driver
 */
export interface Versioned {
  readonly version: number
  readonly value: unknown
}

/**
 * The narrow storage a backend must offer for `fromDriver`: plain JSON values under string keys
 * (keys never contain a newline), and an atomic compare-and-set on one key's version.
 *
 * @since 0.1.0
 * @category driver
 */
export interface SyncStoreDriver {
  readonly get: (key: string) => Effect.Effect<Versioned | undefined, StorageError>
  readonly getMany: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Versioned | undefined>, StorageError>
  /**
   * Writes `value` at version `expected + 1` (1 when `expected` is undefined) if the key's
   * version is `expected` (absent when undefined); answers whether it did.
   */
  readonly compareAndSet: (
    key: string,
    expected: number | undefined,
    value: unknown
  ) => Effect.Effect<boolean, StorageError>
  readonly delete: (key: string) => Effect.Effect<void, StorageError>
  /** values come back exactly as written (same process, no serialisation), so need no validation */
  readonly trusted?: boolean
}
