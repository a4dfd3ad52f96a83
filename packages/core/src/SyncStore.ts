/**
 * The storage port: the only place where Cognito Sync state lives. Its commit is atomic —
 * all writes or none, conditional on the sync counts the caller saw, the session token and the
 * limits — and its expected outcomes (`Conflict`, `LimitExceeded`, …) are values; a storage
 * fault is a `StorageError`.
 *
 * Adapters either implement the port directly or give `fromDriver` a narrow driver (get, getMany,
 * compare-and-set on one key, delete), on which the whole domain logic is written once.
 *
 * @since 0.1.0
 */
import { Context, Layer, type Schema } from "effect"
import * as rules from "./internal/commitRules.js"
import { makeDriverStore } from "./internal/driverStore.js"
import { makeMemoryDriver } from "./internal/memoryDriver.js"
import { makeMemoryStore } from "./internal/memoryStore.js"
import * as records from "./internal/records.js"
import * as transfer from "./internal/storeItems.js"
import type {
  CommitDecision,
  DatasetCommit,
  DatasetHead,
  DeletionAt,
  IdentityItem,
  StoredRecord,
  StoreItem,
  SyncStoreDriver,
  SyncStoreShape
} from "./internal/storeModel.js"

export { emptyPool, PoolStateSchema, StorageError } from "./internal/storeModel.js"
export type {
  BulkPublishState,
  CommitDecision,
  CommitRefusal,
  CommitResult,
  Committed,
  CommittedHead,
  DatasetCommit,
  DatasetContent,
  DatasetHead,
  DatasetRef,
  DatasetView,
  DeletionAt,
  Device,
  DeviceRegistration,
  IdentityItem,
  PoolItem,
  PoolState,
  PoolUsage,
  RecordQuery,
  RecordWrite,
  ScanPage,
  StoredRecord,
  StoreItem,
  SyncStoreDriver,
  SyncStoreShape,
  Usage,
  Versioned
} from "./internal/storeModel.js"

/**
 * An item as it travels (export files, checkpoints), validated when read back.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StoreItemSchema: Schema.Schema<StoreItem> = transfer.StoreItemSchema

/**
 * @since 0.1.0
 * @category tags
 */
export class SyncStore extends Context.Tag("@syncalite/core/SyncStore")<SyncStore, SyncStoreShape>() {}

/**
 * The decision of a commit, with no I/O: the refusal, or the head and records to write. Its
 * inputs are the dataset's head, a lookup of the stored records of the keys the commit names,
 * and the number of the identity's other existing datasets; its cost grows with the records
 * written, not with the dataset. Native adapters call it inside their own transaction so that
 * the rules live in one place.
 *
 * @since 0.1.0
 * @category rules
 */
export const decideCommit: (
  head: DatasetHead | undefined,
  stored: (key: string) => StoredRecord | undefined,
  otherDatasets: number,
  commit: DatasetCommit
) => CommitDecision = rules.decideCommit

/**
 * A dataset's four figures (NumRecords, DataStorage, and the entries and bytes its limits are
 * on), as `writeFigures` changes them.
 *
 * @since 0.1.0
 * @category rules
 */
export type DatasetFigures = rules.DatasetFigures

/**
 * The figures of a dataset changed in place by the write of one record, by sizes alone:
 * `keyBytes` its key's UTF-8 length, `was` the valueBytes it had (-1 a tombstone, undefined none
 * stored), `bytes` the valueBytes written (-1 a tombstone). `decideCommit` makes its figures with
 * it; an adapter that knows a record's size without its value makes them the same way.
 *
 * @since 0.1.0
 * @category rules
 */
export const writeFigures: (figures: DatasetFigures, keyBytes: number, was: number | undefined, bytes: number) => void =
  rules.writeFigures

/**
 * A record's valueBytes, the size `writeFigures` takes: its value's UTF-8 length, -1 for a
 * tombstone.
 *
 * @since 0.1.0
 * @category rules
 */
export const valueBytes: (value: string | null) => number = rules.valueBytes

/**
 * The `LimitExceeded` refusal of figures past a commit's records or bytes limit, or undefined.
 *
 * @since 0.1.0
 * @category rules
 */
export const figuresRefused: (
  figures: DatasetFigures,
  limits: DatasetCommit["limits"]
) => Extract<CommitDecision, { _tag: "LimitExceeded" }> | undefined = rules.figuresRefused

/**
 * The head a dataset keeps once deleted: its name, its sync count, the deletion time (as its
 * creation and modification dates), its unexpired consumed sessions; figures zero.
 *
 * @since 0.1.0
 * @category rules
 */
export const deletedHead: (head: DatasetHead, now: number) => DatasetHead = rules.deletedHead

/**
 * What a deletion finds short of deleting, for adapters of `deleteDatasetAt`: `Absent` when the
 * dataset does not exist, `Changed` when `syncCount` is given and is not the dataset's; undefined
 * when the dataset is to be deleted.
 *
 * @since 0.1.0
 * @category rules
 */
export const refusedDeletion: (head: DatasetHead | undefined, syncCount: number | undefined) => DeletionAt | undefined =
  rules.refusedDeletion

/**
 * Whether `name` is `<datasetName>.<identityId>`, a dataset merged into `datasetName`.
 *
 * @since 0.1.0
 * @category rules
 */
export const isMergedName: (datasetName: string, name: string) => boolean = records.isMergedName

/**
 * The full port over a driver: every rule of the domain's storage written once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromDriver = (driver: SyncStoreDriver): SyncStoreShape => makeDriverStore(driver)

/**
 * An in-process driver over a `Map`: `fromDriver(memoryDriver())` is the reference for driver
 * adapters, and what their conformance runs compare with.
 *
 * @since 0.1.0
 * @category constructors
 */
export const memoryDriver = (): SyncStoreDriver => makeMemoryDriver()

/**
 * The store in this process's memory: each method one synchronous step, so atomic without
 * locks. For tests and single-process apps that keep nothing across restarts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (): SyncStoreShape => makeMemoryStore()

/**
 * The store in memory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<SyncStore> = Layer.sync(SyncStore, makeMemory)

/**
 * What a store lists and reads for `scanInPhases`.
 *
 * @since 0.1.0
 * @category transfer
 */
export type ScanPhases = transfer.Phases

/**
 * `scan` for a store that can list its pools, and its identities as (pool, identity) pairs, in a
 * stable order from after a given one: pools first, then identities, a position naming the last
 * one answered.
 *
 * @since 0.1.0
 * @category transfer
 */
export const scanInPhases: (phases: ScanPhases) => SyncStoreShape["scan"] = transfer.scanInPhases

/**
 * An identity item from its parts in any order: datasets, devices and subscriptions put in the
 * order the item promises, empty subscriptions left out.
 *
 * @since 0.1.0
 * @category transfer
 */
export const identityItem: (
  identityPoolId: string,
  identityId: string,
  parts: Pick<IdentityItem, "datasets" | "devices" | "subscriptions">
) => IdentityItem = transfer.identityItem
