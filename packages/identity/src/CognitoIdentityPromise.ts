/**
 * The Promise facade, for applications that do not use Effect: `createCognitoIdentity(options)`
 * returns an object with one camelCase method per operation, answering Promises of the AWS
 * output shapes and rejecting with `Error`s whose `name` is the AWS exception name. Methods that
 * need developer credentials run as the application (a developer caller) unless given another.
 *
 * @example
 * ```ts
 * import { createCognitoIdentity } from "@syncalite/identity"
 *
 * const identity = createCognitoIdentity({ credentialsSecret: process.env.SYNCALITE_SECRET })
 * const pool = await identity.createIdentityPool({ IdentityPoolName: "app", AllowUnauthenticatedIdentities: true })
 * const { IdentityId } = await identity.getId({ IdentityPoolId: pool.IdentityPoolId })
 * const { Credentials } = await identity.getCredentialsForIdentity({ IdentityId })
 * await identity.close()
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Layer, ManagedRuntime } from "effect"
import { Caller, SyncStore } from "@syncalite/core"
import * as CognitoIdentity from "./CognitoIdentity.js"
import * as CognitoIdentityConfig from "./CognitoIdentityConfig.js"
import { type CognitoIdentityError, InternalErrorException, isCognitoIdentityError } from "./CognitoIdentityError.js"
import * as DatasetMerge from "./DatasetMerge.js"
import * as IdentityStore from "./IdentityStore.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface CognitoIdentityOptions extends CognitoIdentityConfig.CognitoIdentityConfigInput {
  /** where pools, identities and logins live: a store layer or a store; memory by default */
  readonly store?: Layer.Layer<IdentityStore.IdentityStore, unknown> | IdentityStore.IdentityStoreShape
  /**
   * the Cognito Sync store whose datasets merging identities moves (the one `createCognitoSync`
   * is given: the same instance for a memory store); none by default
   */
  readonly syncStore?: Layer.Layer<SyncStore.SyncStore, unknown> | SyncStore.SyncStoreShape
}

type Shape = CognitoIdentity.CognitoIdentityShape

type PromiseMethod<F> = F extends (input: infer I, caller?: Caller.Caller) => Effect.Effect<infer O, any, any>
  ? (input: I, caller?: Caller.Caller) => Promise<O>
  : never

/**
 * @since 0.1.0
 * @category models
 */
export type CognitoIdentityClient =
  & { readonly [K in (typeof CognitoIdentity.methods)[number]]: PromiseMethod<Shape[K]> }
  & {
    /** the public keys of the server's OpenID tokens */
    readonly jwks: () => Promise<CognitoIdentity.JsonWebKeySet>
    /** the runtime the methods run on, for mixing in Effect code */
    readonly runtime: ManagedRuntime.ManagedRuntime<CognitoIdentity.CognitoIdentity, unknown>
    /** releases connections */
    readonly close: () => Promise<void>
  }

/**
 * The layer of the whole service for these options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: CognitoIdentityOptions = {}): Layer.Layer<CognitoIdentity.CognitoIdentity, unknown> => {
  const { store, syncStore, ...config } = options
  const storeLayer = store === undefined
    ? IdentityStore.layerMemory
    : Layer.isLayer(store)
    ? store as Layer.Layer<IdentityStore.IdentityStore, unknown>
    : Layer.succeed(IdentityStore.IdentityStore, store as IdentityStore.IdentityStoreShape)
  return CognitoIdentity.layer.pipe(
    Layer.provide(Layer.mergeAll(storeLayer, datasetsLayer(syncStore), CognitoIdentityConfig.layer(config)))
  )
}

const datasetsLayer = (store: CognitoIdentityOptions["syncStore"]): Layer.Layer<DatasetMerge.DatasetMerge, unknown> =>
  store === undefined
    ? DatasetMerge.layerNoop
    : Layer.isLayer(store)
    ? DatasetMerge.layerSyncStore.pipe(Layer.provide(store as Layer.Layer<SyncStore.SyncStore, unknown>))
    : Layer.succeed(DatasetMerge.DatasetMerge, DatasetMerge.make(store as SyncStore.SyncStoreShape))

const rejection = (cause: Cause.Cause<unknown>): Error => {
  const failure = Cause.failureOption(cause)
  const defect = failure._tag === "Some" ? failure.value : Cause.squash(cause)
  if (isCognitoIdentityError(defect)) return defect
  const reason = defect instanceof Error || (typeof defect === "object" && defect !== null && "message" in defect)
    ? String((defect as { message: unknown }).message)
    : String(defect)
  return new InternalErrorException({ message: `An internal error occurred: ${reason}`, cause: defect })
}

/**
 * Creates the service and returns its Promise API.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createCognitoIdentity = (options: CognitoIdentityOptions = {}): CognitoIdentityClient => {
  if (options.credentialsSecret === undefined && process.env.NODE_ENV === "production") {
    throw new TypeError("syncalite: NODE_ENV=production requires a credentials secret: give createCognitoIdentity a credentialsSecret of 16 characters or more")
  }
  const runtime = ManagedRuntime.make(layer(options))
  const defaultCaller = Caller.developer(options.accountId ?? "developer")
  let settled: Exit.Exit<Shape, unknown> | undefined
  const service = runtime.runPromiseExit(CognitoIdentity.CognitoIdentity).then((exit) => settled = exit)
  const built = async (): Promise<Shape> => {
    const exit = settled ?? await service
    if (Exit.isFailure(exit)) throw rejection(exit.cause)
    return exit.value
  }
  const methods = Object.fromEntries(CognitoIdentity.methods.map((name) => {
    const method = async (input: unknown, caller: Caller.Caller = defaultCaller) => {
      const call = (await built())[name] as (input: unknown, caller?: Caller.Caller) => Effect.Effect<unknown, CognitoIdentityError>
      const exit = await runtime.runPromiseExit(call(input, caller))
      if (Exit.isSuccess(exit)) return exit.value
      throw rejection(exit.cause)
    }
    return [name, method]
  }))
  return {
    ...methods,
    jwks: async () => (await built()).jwks,
    runtime,
    close: () => runtime.dispose()
  } as unknown as CognitoIdentityClient
}
