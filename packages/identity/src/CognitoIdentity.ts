/**
 * The Cognito Identity service: one method per operation of the model, each taking the
 * operation's input (validated against the model's constraints) and the caller, and failing only
 * with the API's exceptions. GetId, GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity
 * are for anyone (AWS serves them unsigned: the logins are the proof); the others need a
 * developer caller. `jwks` is the key set the server's OpenID tokens verify with.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Caller } from "@syncalite/core"
 * import { CognitoIdentity, CognitoIdentityConfig, DatasetMerge, IdentityStore } from "@syncalite/identity"
 *
 * const live = CognitoIdentity.layer.pipe(
 *   Layer.provide([IdentityStore.layerMemory, DatasetMerge.layerNoop, CognitoIdentityConfig.layer({ credentialsSecret: "a secret of 16+ characters" })])
 * )
 * const program = Effect.gen(function*() {
 *   const identity = yield* CognitoIdentity.CognitoIdentity
 *   const pool = yield* identity.createIdentityPool({ IdentityPoolName: "app", AllowUnauthenticatedIdentities: true }, Caller.developer())
 *   const { IdentityId } = yield* identity.getId({ IdentityPoolId: pool.IdentityPoolId })
 *   return yield* identity.getCredentialsForIdentity({ IdentityId: IdentityId! })
 * })
 * Effect.runPromise(Effect.provide(program, live))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schedule } from "effect"
import * as CognitoIdentityConfig from "./CognitoIdentityConfig.js"
import * as DatasetMerge from "./DatasetMerge.js"
import { IdentityStore, type StorageError } from "./IdentityStore.js"
import { makeVerifyLogin } from "./internal/logins.js"
import { sweepMerges } from "./internal/merges.js"
import type { Services } from "./internal/operation.js"
import { makeTokens, newSigningKey } from "./internal/tokens.js"
import { CreateIdentityPool } from "./operations/CreateIdentityPool.js"
import { DeleteIdentities } from "./operations/DeleteIdentities.js"
import { DeleteIdentityPool } from "./operations/DeleteIdentityPool.js"
import { DescribeIdentity } from "./operations/DescribeIdentity.js"
import { DescribeIdentityPool } from "./operations/DescribeIdentityPool.js"
import { GetCredentialsForIdentity } from "./operations/GetCredentialsForIdentity.js"
import { GetId } from "./operations/GetId.js"
import { GetIdentityPoolRoles } from "./operations/GetIdentityPoolRoles.js"
import { GetOpenIdToken } from "./operations/GetOpenIdToken.js"
import { GetOpenIdTokenForDeveloperIdentity } from "./operations/GetOpenIdTokenForDeveloperIdentity.js"
import { GetPrincipalTagAttributeMap } from "./operations/GetPrincipalTagAttributeMap.js"
import { ListIdentities } from "./operations/ListIdentities.js"
import { ListIdentityPools } from "./operations/ListIdentityPools.js"
import { ListTagsForResource } from "./operations/ListTagsForResource.js"
import { LookupDeveloperIdentity } from "./operations/LookupDeveloperIdentity.js"
import { MergeDeveloperIdentities } from "./operations/MergeDeveloperIdentities.js"
import { SetIdentityPoolRoles } from "./operations/SetIdentityPoolRoles.js"
import { SetPrincipalTagAttributeMap } from "./operations/SetPrincipalTagAttributeMap.js"
import { TagResource } from "./operations/TagResource.js"
import { UnlinkDeveloperIdentity } from "./operations/UnlinkDeveloperIdentity.js"
import { UnlinkIdentity } from "./operations/UnlinkIdentity.js"
import { UntagResource } from "./operations/UntagResource.js"
import { UpdateIdentityPool } from "./operations/UpdateIdentityPool.js"

const operations = {
  createIdentityPool: CreateIdentityPool,
  deleteIdentities: DeleteIdentities,
  deleteIdentityPool: DeleteIdentityPool,
  describeIdentity: DescribeIdentity,
  describeIdentityPool: DescribeIdentityPool,
  getCredentialsForIdentity: GetCredentialsForIdentity,
  getId: GetId,
  getIdentityPoolRoles: GetIdentityPoolRoles,
  getOpenIdToken: GetOpenIdToken,
  getOpenIdTokenForDeveloperIdentity: GetOpenIdTokenForDeveloperIdentity,
  getPrincipalTagAttributeMap: GetPrincipalTagAttributeMap,
  listIdentities: ListIdentities,
  listIdentityPools: ListIdentityPools,
  listTagsForResource: ListTagsForResource,
  lookupDeveloperIdentity: LookupDeveloperIdentity,
  mergeDeveloperIdentities: MergeDeveloperIdentities,
  setIdentityPoolRoles: SetIdentityPoolRoles,
  setPrincipalTagAttributeMap: SetPrincipalTagAttributeMap,
  tagResource: TagResource,
  unlinkDeveloperIdentity: UnlinkDeveloperIdentity,
  unlinkIdentity: UnlinkIdentity,
  untagResource: UntagResource,
  updateIdentityPool: UpdateIdentityPool,
}

/**
 * The methods of the operations.
 *
 * @since 0.1.0
 * @category accessors
 */
export const methods: ReadonlyArray<keyof typeof operations> = Object.keys(operations) as Array<keyof typeof operations>

/**
 * The method of each operation, by the operation's name in the model.
 *
 * @since 0.1.0
 * @category models
 */
export type OperationName = {
  readonly [K in keyof typeof operations as Capitalize<K>]: K
}

/**
 * The method of an operation's name (`GetId` → `getId`), or undefined for a name not in the model.
 *
 * @since 0.1.0
 * @category accessors
 */
export const methodOf = (operationName: string): keyof typeof operations | undefined => {
  const method = operationName.charAt(0).toLowerCase() + operationName.slice(1)
  return Object.hasOwn(operations, method) && operationName.charAt(0) !== method.charAt(0)
    ? method as keyof typeof operations
    : undefined
}

/**
 * Whether an operation is for anyone (AWS serves it unsigned: GetId, GetCredentialsForIdentity,
 * GetOpenIdToken, UnlinkIdentity) or needs developer credentials.
 *
 * @since 0.1.0
 * @category accessors
 */
export const accessOf = (method: keyof typeof operations): "anyone" | "developer" => operations[method].access

/**
 * A JSON Web Key Set, as `/.well-known/jwks.json` publishes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface JsonWebKeySet {
  readonly keys: ReadonlyArray<{ readonly [member: string]: unknown }>
}

/**
 * @since 0.1.0
 * @category models
 */
export type CognitoIdentityShape =
  & { readonly [K in keyof typeof operations]: ReturnType<(typeof operations)[K]> }
  & {
    /** the public keys of the server's OpenID tokens */
    readonly jwks: JsonWebKeySet
  }

/**
 * @since 0.1.0
 * @category tags
 */
export class CognitoIdentity extends Context.Tag("@syncalite/identity/CognitoIdentity")<CognitoIdentity, CognitoIdentityShape>() {}

/**
/** What the operations work with; the signing key read from the store, or stored first. */
const services: Effect.Effect<
  Services,
  StorageError,
  IdentityStore | DatasetMerge.DatasetMerge | CognitoIdentityConfig.CognitoIdentityConfig
> = Effect.gen(function*() {
  const store = yield* IdentityStore
  const config = yield* CognitoIdentityConfig.CognitoIdentityConfig
  const key = yield* store.signingKey(yield* newSigningKey)
  const tokens = yield* makeTokens(key, config.issuer)
  return {
    store,
    datasets: yield* DatasetMerge.DatasetMerge,
    config,
    tokens,
    verifyLogin: makeVerifyLogin(config.providers)
  }
})

const serviceOf = (services: Services): CognitoIdentityShape => {
  const methods = Object.fromEntries(
    Object.entries(operations).map(([name, build]) => [name, build(services)])
  ) as { readonly [K in keyof typeof operations]: ReturnType<(typeof operations)[K]> }
  return { ...methods, jwks: services.tokens.jwks }
}

/**
 * Builds the service alone, without the sweep of pending merges that `layer` runs. The signing
 * key is read from the store, or stored first, so that every process over one store signs alike.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<
  CognitoIdentityShape,
  StorageError,
  IdentityStore | DatasetMerge.DatasetMerge | CognitoIdentityConfig.CognitoIdentityConfig
> = Effect.map(services, serviceOf)

/**
 * The service over its store, dataset merge and configuration, with the sweep of the pending
 * merges of identities running for the layer's lifetime: at start, then every
 * `mergeSweepInterval`, it moves what the sources of recent merges received since, and finishes
 * the merges of a process that died before their datasets moved.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  CognitoIdentity,
  StorageError,
  IdentityStore | DatasetMerge.DatasetMerge | CognitoIdentityConfig.CognitoIdentityConfig
> = Layer.scoped(
  CognitoIdentity,
  Effect.gen(function*() {
    const built = yield* services
    const interval = built.config.mergeSweepInterval
    yield* Effect.forkScoped(
      Effect.repeat(
        Effect.catchAllCause(sweepMerges(built, interval), (cause) => Effect.logWarning("syncalite: a sweep of the pending merges failed", cause)),
        Schedule.spaced(interval)
      )
    )
    return serviceOf(built)
  })
)
