/**
 * The Promise facade, for applications that do not use Effect: `createCognitoSync(options)`
 * returns an object with one camelCase method per operation, answering Promises of the AWS
 * output shapes and rejecting with `Error`s whose `name` is the AWS exception name.
 *
 * @example
 * ```ts
 * import { Caller, createCognitoSync } from "@syncalite/core"
 *
 * const sync = createCognitoSync({ tokenSecret: process.env.SYNCALITE_SECRET })
 * const ref = { IdentityPoolId: "us-east-1:pool", IdentityId: "us-east-1:0001", DatasetName: "settings" }
 * const { SyncSessionToken } = await sync.listRecords(ref)
 * await sync.updateRecords({
 *   ...ref,
 *   SyncSessionToken,
 *   RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
 * })
 * await sync.close()
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Layer, ManagedRuntime } from "effect"
import * as Caller from "./Caller.js"
import * as CognitoSync from "./CognitoSync.js"
import * as CognitoSyncConfig from "./CognitoSyncConfig.js"
import { type CognitoSyncError, InternalErrorException, isCognitoSyncError } from "./CognitoSyncError.js"
import * as DeviceEvents from "./DeviceEvents.js"
import * as PushHub from "./PushHub.js"
import * as PushNotifier from "./PushNotifier.js"
import * as ServiceLog from "./ServiceLog.js"
import * as StreamPublisher from "./StreamPublisher.js"
import * as SyncStore from "./SyncStore.js"
import * as SyncTrigger from "./SyncTrigger.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface CognitoSyncOptions extends CognitoSyncConfigInput {
  /** where state lives: a store layer (from an adapter package) or a store; memory by default */
  readonly store?: Layer.Layer<SyncStore.SyncStore, unknown> | SyncStore.SyncStoreShape
  /** delivers push-sync notifications: a function, or a notifier layer (from an adapter package); beside the hub */
  readonly push?:
    | ((delivery: PushNotifier.PushDelivery) => void | Promise<void>)
    | Layer.Layer<PushNotifier.PushNotifier, unknown, CognitoSyncConfig.CognitoSyncConfig>
  /** where device event streams attach, and push-sync notifications reach them; one process's, in memory, by default */
  readonly hub?: Layer.Layer<PushHub.PushHub, unknown>
  /**
   * receives Cognito Streams records: functions, or a publisher layer (from an adapter package);
   * they are dropped by default
   */
  readonly stream?: Layer.Layer<StreamPublisher.StreamPublisher, unknown> | {
    readonly publish: (streamName: string, record: StreamPublisher.StreamRecord) => void | Promise<void>
    readonly offload: (records: ReadonlyArray<StreamPublisher.KinesisSyncRecord>) => string | Promise<string>
  }
  /**
   * where the service's own log lines go (bulk publish progress, failed deliveries): a function
   * (`ServiceLog`), or `false` to drop them; Effect's default logger, on the console, by default.
   * Through `layer`, it replaces the default logger of the runtime the layer is built into, so
   * that an Effect program's own lines go there as well
   */
  readonly log?: ServiceLog.LogSink | false
  /** sync trigger functions by the ARN a pool's SyncTrigger event names, or a trigger layer (from an adapter package) */
  readonly triggers?:
    | { readonly [arn: string]: SyncTrigger.SyncTriggerFunction }
    | Layer.Layer<SyncTrigger.SyncTrigger, unknown, CognitoSyncConfig.CognitoSyncConfig>
}

type CognitoSyncConfigInput = CognitoSyncConfig.CognitoSyncConfigInput

type PromiseMethod<F> = F extends (input: infer I, caller: Caller.Caller) => Effect.Effect<infer O, any, any>
  ? (input: I, caller?: Caller.Caller) => Promise<O>
  : never

/**
 * @since 0.1.0
 * @category models
 */
export type CognitoSyncClient =
  & { readonly [K in keyof CognitoSync.CognitoSyncShape]: PromiseMethod<CognitoSync.CognitoSyncShape[K]> }
  & {
    /** the runtime the methods run on, for mixing in Effect code */
    readonly runtime: ManagedRuntime.ManagedRuntime<CognitoSync.CognitoSync | DeviceEvents.DeviceEvents, unknown>
    /** the caller used when a method is called without one: the application, a developer */
    readonly defaultCaller: Caller.Caller
    /** stops background jobs and releases connections */
    readonly close: () => Promise<void>
  }

/**
 * The layer of the whole service for these options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: CognitoSyncOptions = {}
): Layer.Layer<CognitoSync.CognitoSync | DeviceEvents.DeviceEvents, unknown> => {
  const { hub, log, push, store, stream, triggers, ...config } = options
  if (log !== undefined && log !== false && typeof log !== "function") {
    throw new TypeError(`syncalite: log must be a function of a log line, or false to drop them; it was ${typeof log}`)
  }
  const configLayer = CognitoSyncConfig.layer(config)
  const storeLayer = store === undefined
    ? SyncStore.layerMemory
    : Layer.isLayer(store)
    ? store as Layer.Layer<SyncStore.SyncStore, unknown>
    : Layer.succeed(SyncStore.SyncStore, store as SyncStore.SyncStoreShape)
  const beside = push === undefined ? undefined : typeof push === "function" ? PushNotifier.layerFunction(push) : push
  const notifier = beside === undefined
    ? Layer.effect(PushNotifier.PushNotifier, PushHub.PushHub)
    : Layer.effect(
      PushNotifier.PushNotifier,
      Effect.zipWith(PushHub.PushHub, PushNotifier.PushNotifier, (hub, other) => PushNotifier.all([hub, other]))
    ).pipe(Layer.provide(beside))
  const ports = Layer.mergeAll(
    storeLayer,
    notifier.pipe(Layer.provideMerge(hub ?? PushHub.layerMemory())),
    stream === undefined
      ? StreamPublisher.layerNoop
      : Layer.isLayer(stream)
      ? stream as Layer.Layer<StreamPublisher.StreamPublisher, unknown>
      : StreamPublisher.layerFunction(stream as Parameters<typeof StreamPublisher.layerFunction>[0]),
    Layer.isLayer(triggers)
      ? triggers as Layer.Layer<SyncTrigger.SyncTrigger, unknown, CognitoSyncConfig.CognitoSyncConfig>
      : SyncTrigger.layerFunctions((triggers ?? {}) as { readonly [arn: string]: SyncTrigger.SyncTriggerFunction })
  ).pipe(Layer.provideMerge(configLayer))
  const service = Layer.merge(CognitoSync.layer, DeviceEvents.layer).pipe(Layer.provide(ports))
  // beneath everything, so that the adapters' lines, and those of fibers forked as they are built, go there too
  return log === undefined ? service : service.pipe(Layer.provide(ServiceLog.layer(log)))
}

const rejection = (cause: Cause.Cause<unknown>): Error => {
  const failure = Cause.failureOption(cause)
  const defect = failure._tag === "Some" ? failure.value : Cause.squash(cause)
  if (isCognitoSyncError(defect)) return defect
  // in process, the cause is worth telling: a store that cannot be opened says why
  const reason = defect instanceof Error || (typeof defect === "object" && defect !== null && "message" in defect)
    ? String((defect as { message: unknown }).message)
    : String(defect)
  return new InternalErrorException({ message: `An internal error occurred: ${reason}`, cause: defect })
}

/**
 * Creates the service and returns its Promise API. Under `NODE_ENV=production` a missing token
 * secret throws here, at creation, rather than failing the first call.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createCognitoSync = (options: CognitoSyncOptions = {}): CognitoSyncClient => {
  if (options.tokenSecret === undefined && process.env.NODE_ENV === "production") {
    throw new TypeError("syncalite: NODE_ENV=production requires a token secret: give createCognitoSync a tokenSecret of 16 characters or more")
  }
  const runtime = ManagedRuntime.make(layer(options))
  const defaultCaller = Caller.developer(options.accountId ?? "developer")
  // built once; a layer that fails to build (an unreachable store) fails every call with its error
  // kept once settled, so that a call does not wait a turn for a promise long settled
  let settled: Exit.Exit<CognitoSync.CognitoSyncShape, unknown> | undefined
  const service = runtime.runPromiseExit(CognitoSync.CognitoSync).then((exit) => settled = exit)
  const methods = Object.fromEntries(
    Object.keys(CognitoSync.operations).map((name) => {
      const method = (input: unknown, caller: Caller.Caller = defaultCaller): Promise<unknown> => {
        if (settled === undefined) return service.then(() => method(input, caller))
        const built = settled
        if (Exit.isFailure(built)) return Promise.reject(rejection(built.cause))
        const sync = built.value[name as keyof CognitoSync.CognitoSyncShape] as (
          input: unknown,
          caller: Caller.Caller
        ) => Effect.Effect<unknown, CognitoSyncError>
        // settled from the fiber's exit, without a promise of the exit in between
        return new Promise((resolve, reject) =>
          runtime.runCallback(sync(input, caller), {
            onExit: (exit) => Exit.isSuccess(exit) ? resolve(exit.value) : reject(rejection(exit.cause))
          })
        )
      }
      return [name, method]
    })
  )
  return {
    ...methods,
    runtime,
    defaultCaller,
    close: () => runtime.dispose()
  } as unknown as CognitoSyncClient
}
