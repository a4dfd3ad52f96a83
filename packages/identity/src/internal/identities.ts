import { Effect } from "effect"
import {
  DeveloperUserAlreadyRegisteredException,
  type ExternalServiceException,
  InvalidParameterException,
  NotAuthorizedException,
  ResourceConflictException,
  ResourceNotFoundException
} from "../CognitoIdentityError.js"
import { COGNITO_IDENTITY, poolAccepts } from "./logins.js"
import { merge } from "./merges.js"
import type { Services } from "./operation.js"
import type { Login, StorageError, StoredIdentity, StoredPool } from "./storeModel.js"

/** A login as verified: the server's own token for an identity, or a provider's subject. */
export type Verified =
  | { readonly _tag: "Identity"; readonly identityId: string }
  | { readonly _tag: "Login"; readonly login: Login }

export const notFound = (what: "Identity" | "IdentityPool", id: string) =>
  new ResourceNotFoundException({ message: `${what} '${id}' not found.` })

export const unauthenticatedRefused = () =>
  new NotAuthorizedException({ message: "Unauthenticated access is not supported for this identity pool." })

const forbidden = (identityId: string) => new NotAuthorizedException({ message: `Access to Identity '${identityId}' is forbidden.` })

/** The pool, or ResourceNotFoundException. */
export const poolOf = (services: Services, identityPoolId: string): Effect.Effect<StoredPool, ResourceNotFoundException | StorageError> =>
  Effect.flatMap(services.store.readPool(identityPoolId), (pool) =>
    pool === undefined ? Effect.fail(notFound("IdentityPool", identityPoolId)) : Effect.succeed(pool))

/** The pool whose developer provider is `developerProviderName`: ResourceNotFoundException, or InvalidParameterException for another provider. */
export const developerPoolOf = (
  services: Services,
  identityPoolId: string,
  developerProviderName: string
): Effect.Effect<StoredPool, ResourceNotFoundException | InvalidParameterException | StorageError> =>
  Effect.filterOrFail(
    poolOf(services, identityPoolId),
    (pool) => pool.DeveloperProviderName === developerProviderName,
    () => new InvalidParameterException({ message: "DeveloperProviderName is not the identity pool's" })
  )

/** The identity and its pool: ResourceNotFoundException for either missing, NotAuthorizedException when disabled. */
export const identityOf = (
  services: Services,
  identityId: string
): Effect.Effect<
  { readonly identity: StoredIdentity; readonly pool: StoredPool },
  ResourceNotFoundException | NotAuthorizedException | StorageError
> =>
  Effect.gen(function*() {
    const identity = yield* services.store.readIdentity(identityId)
    if (identity === undefined) return yield* Effect.fail(notFound("Identity", identityId))
    const pool = yield* poolOf(services, identity.identityPoolId)
    if (identity.disabled) return yield* Effect.fail(forbidden(identityId))
    return { identity, pool }
  })

/**
 * Verifies every login of a `Logins` map against the pool: the server's own OpenID token
 * (`cognito-identity.amazonaws.com`, issued for this pool),
 * the developer provider's user identifier (taken as it is, from developer callers only), or a
 * provider the pool names, verified as configured.
 */
export const verifyLogins = (
  services: Services,
  pool: StoredPool,
  logins: { readonly [provider: string]: string } | undefined,
  now: number,
  developer: boolean
): Effect.Effect<ReadonlyArray<Verified>, NotAuthorizedException | ExternalServiceException> =>
  Effect.forEach(Object.entries(logins ?? {}), ([provider, token]) => {
    if (provider === COGNITO_IDENTITY) {
      const issued = services.tokens.check(token, now)
      return issued === undefined || issued.identityPoolId !== pool.IdentityPoolId
        ? Effect.fail(new NotAuthorizedException({ message: "Invalid login token. Not a valid OpenId Connect identity token." }))
        : Effect.succeed<Verified>({ _tag: "Identity", identityId: issued.identityId })
    }
    if (provider === pool.DeveloperProviderName) {
      return developer
        ? Effect.succeed<Verified>({ _tag: "Login", login: { provider, subject: token } })
        : Effect.fail(new NotAuthorizedException({ message: "Developer logins are accepted with developer credentials only." }))
    }
    if (!poolAccepts(pool, provider)) {
      return Effect.fail(
        new NotAuthorizedException({ message: "Invalid login token. Token is not from a supported provider of this identity pool." })
      )
    }
    return Effect.map(services.verifyLogin(provider, token, now), (subject): Verified => ({ _tag: "Login", login: { provider, subject } }))
  })

const owns = (services: Services, pool: StoredPool, identity: StoredIdentity, verified: ReadonlyArray<Verified>) =>
  Effect.map(
    Effect.forEach(verified, (login) =>
      login._tag === "Identity"
        ? Effect.succeed(login.identityId === identity.identityId)
        : Effect.map(services.store.findLogin(pool.IdentityPoolId, login.login), (owner) => owner === identity.identityId)),
    (proofs) => proofs.some(Boolean)
  )

/**
 * Links verified logins to an identity and answers the identity they stand for: the identity
 * itself, or — when it is unauthenticated and a login is another identity's — that other
 * identity, into which it is merged (datasets included). An authenticated identity must be
 * proved by one of its own logins unless a developer vouches for it; a login of another
 * identity is then a conflict.
 */
export const linkLogins = (
  services: Services,
  pool: StoredPool,
  identity: StoredIdentity,
  verified: ReadonlyArray<Verified>,
  now: number,
  vouched: boolean
): Effect.Effect<
  string,
  NotAuthorizedException | ResourceConflictException | DeveloperUserAlreadyRegisteredException | StorageError
> =>
  Effect.gen(function*() {
    const authenticated = identity.logins.length > 0
    if (authenticated && !vouched && !(yield* owns(services, pool, identity, verified))) {
      return yield* Effect.fail(forbidden(identity.identityId))
    }
    for (const login of verified) {
      if (login._tag === "Identity" && login.identityId !== identity.identityId) {
        return yield* Effect.fail(forbidden(identity.identityId))
      }
    }
    let current = identity.identityId
    let linked = authenticated
    for (const login of verified) {
      if (login._tag !== "Login") continue
      const owner = yield* services.store.linkLogin(pool.IdentityPoolId, login.login, current, now)
      if (owner === current) {
        linked = true
        continue
      }
      if (linked) {
        return yield* Effect.fail(
          login.login.provider === pool.DeveloperProviderName
            ? new DeveloperUserAlreadyRegisteredException({ message: "The developer user is already registered with another identity." })
            : new ResourceConflictException({ message: "Logins don't match. Please include at least one valid login for this identity or identity pool." })
        )
      }
      yield* merge(services, pool.IdentityPoolId, current, owner, now)
      current = owner
      linked = true
    }
    return current
  })

/**
 * The identity a set of verified logins stands for, in a pool, created on first use: the one
 * the server's token names, or the one the first login is linked to (a new one when it is linked
 * to none), with the other logins linked to it.
 */
export const identityForLogins = (
  services: Services,
  pool: StoredPool,
  verified: ReadonlyArray<Verified>,
  newIdentityId: string,
  now: number
): Effect.Effect<
  string,
  NotAuthorizedException | ResourceNotFoundException | ResourceConflictException | DeveloperUserAlreadyRegisteredException | StorageError
> =>
  Effect.gen(function*() {
    const named = verified.find((login) => login._tag === "Identity")
    const first = verified.find((login) => login._tag === "Login")
    const identityId = named !== undefined
      ? named.identityId
      : yield* services.store.linkLogin(pool.IdentityPoolId, first!.login, newIdentityId, now)
    const identity = yield* services.store.readIdentity(identityId)
    if (identity === undefined || identity.identityPoolId !== pool.IdentityPoolId) {
      return yield* Effect.fail(notFound("Identity", identityId))
    }
    if (identity.disabled) return yield* Effect.fail(forbidden(identityId))
    return yield* linkLogins(services, pool, identity, verified, now, true)
  })
