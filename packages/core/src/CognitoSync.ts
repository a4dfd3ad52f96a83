/**
 * The Cognito Sync service: one method per operation of the API, each taking the operation's
 * AWS input and a `Caller`, answering the AWS output, and failing only with the errors of
 * `CognitoSyncError`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Caller, CognitoSync } from "@syncalite/core"
 *
 * const program = Effect.gen(function*() {
 *   const sync = yield* CognitoSync.CognitoSync
 *   const device = Caller.identity("us-east-1:pool", "us-east-1:0001")
 *   const ref = { IdentityPoolId: "us-east-1:pool", IdentityId: "us-east-1:0001", DatasetName: "settings" }
 *   const { SyncSessionToken } = yield* sync.listRecords(ref, device)
 *   return yield* sync.updateRecords({
 *     ...ref,
 *     SyncSessionToken,
 *     RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
 *   }, device)
 * })
 *
 * Effect.runPromise(Effect.provide(program, CognitoSync.layerMemory())).then(console.log)
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Redacted } from "effect"
import * as CognitoSyncConfig from "./CognitoSyncConfig.js"
import * as PushNotifier from "./PushNotifier.js"
import * as StreamPublisher from "./StreamPublisher.js"
import * as SyncStore from "./SyncStore.js"
import * as SyncTrigger from "./SyncTrigger.js"
import type { Services } from "./internal/operation.js"
import { makeBulkRunner } from "./internal/bulkPublish.js"
import { makePushLines } from "./internal/pushLines.js"
import * as PoolCache from "./internal/poolCache.js"
import * as SessionTally from "./internal/sessionTally.js"
import { BulkPublish } from "./operations/BulkPublish.js"
import { DeleteDataset } from "./operations/DeleteDataset.js"
import { DescribeDataset } from "./operations/DescribeDataset.js"
import { DescribeIdentityPoolUsage } from "./operations/DescribeIdentityPoolUsage.js"
import { DescribeIdentityUsage } from "./operations/DescribeIdentityUsage.js"
import { GetBulkPublishDetails } from "./operations/GetBulkPublishDetails.js"
import { GetCognitoEvents } from "./operations/GetCognitoEvents.js"
import { GetIdentityPoolConfiguration } from "./operations/GetIdentityPoolConfiguration.js"
import { ListDatasets } from "./operations/ListDatasets.js"
import { ListIdentityPoolUsage } from "./operations/ListIdentityPoolUsage.js"
import { ListRecords } from "./operations/ListRecords.js"
import { RegisterDevice } from "./operations/RegisterDevice.js"
import { SetCognitoEvents } from "./operations/SetCognitoEvents.js"
import { SetIdentityPoolConfiguration } from "./operations/SetIdentityPoolConfiguration.js"
import { SubscribeToDataset } from "./operations/SubscribeToDataset.js"
import { UnsubscribeFromDataset } from "./operations/UnsubscribeFromDataset.js"
import { UpdateRecords } from "./operations/UpdateRecords.js"

/**
 * The 17 operations by method name, with the AWS operation names they implement.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = {
  bulkPublish: BulkPublish,
  deleteDataset: DeleteDataset,
  describeDataset: DescribeDataset,
  describeIdentityPoolUsage: DescribeIdentityPoolUsage,
  describeIdentityUsage: DescribeIdentityUsage,
  getBulkPublishDetails: GetBulkPublishDetails,
  getCognitoEvents: GetCognitoEvents,
  getIdentityPoolConfiguration: GetIdentityPoolConfiguration,
  listDatasets: ListDatasets,
  listIdentityPoolUsage: ListIdentityPoolUsage,
  listRecords: ListRecords,
  registerDevice: RegisterDevice,
  setCognitoEvents: SetCognitoEvents,
  setIdentityPoolConfiguration: SetIdentityPoolConfiguration,
  subscribeToDataset: SubscribeToDataset,
  unsubscribeFromDataset: UnsubscribeFromDataset,
  updateRecords: UpdateRecords
} as const

/**
 * The method name of each AWS operation name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operationNames = {
  BulkPublish: "bulkPublish",
  DeleteDataset: "deleteDataset",
  DescribeDataset: "describeDataset",
  DescribeIdentityPoolUsage: "describeIdentityPoolUsage",
  DescribeIdentityUsage: "describeIdentityUsage",
  GetBulkPublishDetails: "getBulkPublishDetails",
  GetCognitoEvents: "getCognitoEvents",
  GetIdentityPoolConfiguration: "getIdentityPoolConfiguration",
  ListDatasets: "listDatasets",
  ListIdentityPoolUsage: "listIdentityPoolUsage",
  ListRecords: "listRecords",
  RegisterDevice: "registerDevice",
  SetCognitoEvents: "setCognitoEvents",
  SetIdentityPoolConfiguration: "setIdentityPoolConfiguration",
  SubscribeToDataset: "subscribeToDataset",
  UnsubscribeFromDataset: "unsubscribeFromDataset",
  UpdateRecords: "updateRecords"
} as const satisfies { readonly [Name: string]: keyof typeof operations }

/**
 * @since 0.1.0
 * @category models
 */
export type CognitoSyncShape = {
  readonly [K in keyof typeof operations]: ReturnType<(typeof operations)[K]>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CognitoSync extends Context.Tag("@syncalite/core/CognitoSync")<CognitoSync, CognitoSyncShape>() {}

/**
 * Builds the service from the ports. Bulk publish jobs run in the surrounding scope and are
 * interrupted when it closes: recorded as FAILED, unless the stream publisher's journal is
 * durable, whose jobs another process (or this one, restarted) takes over. Minted sync sessions
 * are counted in memory and added to the store within a second, or at once every 1,000, and
 * when the scope closes. UpdateRecords and DeleteDataset read a pool's configuration from a
 * per-process copy at most a second old, so that a change made through any process applies to
 * every write within a second; a change made through this service applies at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.gen(function*() {
  const config = yield* CognitoSyncConfig.CognitoSyncConfig
  const store = yield* SyncStore.SyncStore
  const stream = yield* StreamPublisher.StreamPublisher
  const jobs = yield* Effect.scope
  const services: Services = {
    store,
    sessions: yield* SessionTally.make(store, { maxDelay: "1 second", maxCount: 1000 }),
    pools: PoolCache.make(store, 1000),
    config,
    secret: Redacted.value(config.tokenSecret),
    push: yield* PushNotifier.PushNotifier,
    pushLines: makePushLines(),
    stream,
    trigger: yield* SyncTrigger.SyncTrigger,
    jobs,
    bulk: yield* makeBulkRunner({ store, stream, jobs }, stream.bulk ?? StreamPublisher.memoryJournal(stream.publish))
  }
  return Object.fromEntries(
    Object.entries(operations).map(([name, operation]) => [name, operation(services)])
  ) as CognitoSyncShape
})

/**
 * The service over whatever ports are provided.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  CognitoSync,
  never,
  | SyncStore.SyncStore
  | CognitoSyncConfig.CognitoSyncConfig
  | PushNotifier.PushNotifier
  | StreamPublisher.StreamPublisher
  | SyncTrigger.SyncTrigger
> = Layer.scoped(CognitoSync, make)

/**
 * Everything in memory: the store, push deliveries and stream records (readable through
 * `PushNotifierMemory` and `StreamPublisherMemory`), and sync triggers given as functions.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (options: {
  readonly config?: CognitoSyncConfig.CognitoSyncConfigInput
  readonly triggers?: { readonly [arn: string]: SyncTrigger.SyncTriggerFunction }
} = {}): Layer.Layer<
  | CognitoSync
  | SyncStore.SyncStore
  | CognitoSyncConfig.CognitoSyncConfig
  | PushNotifier.PushNotifier
  | PushNotifier.PushNotifierMemory
  | StreamPublisher.StreamPublisher
  | StreamPublisher.StreamPublisherMemory
  | SyncTrigger.SyncTrigger
> => {
  const config = CognitoSyncConfig.layer(options.config)
  const ports = Layer.mergeAll(
    SyncStore.layerMemory,
    PushNotifier.layerMemory,
    StreamPublisher.layerMemory,
    SyncTrigger.layerFunctions(options.triggers ?? {})
  ).pipe(Layer.provideMerge(config))
  return layer.pipe(Layer.provideMerge(ports))
}
