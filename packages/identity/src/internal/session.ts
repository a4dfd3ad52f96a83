import { Clock, Effect } from "effect"
import type {
  DeveloperUserAlreadyRegisteredException,
  ExternalServiceException,
  NotAuthorizedException,
  ResourceConflictException,
  ResourceNotFoundException
} from "../CognitoIdentityError.js"
import { identityOf, linkLogins, unauthenticatedRefused, verifyLogins } from "./identities.js"
import type { Services } from "./operation.js"
import type { StorageError, StoredPool } from "./storeModel.js"

/** An identity as its logins proved it, at `now`. */
export interface Proven {
  readonly pool: StoredPool
  readonly identityId: string
  readonly authenticated: boolean
  /** the providers of the logins presented */
  readonly providers: ReadonlyArray<string>
  readonly now: number
}

/**
 * The identity a device proves with its logins, as GetCredentialsForIdentity, GetOpenIdToken
 * and UnlinkIdentity take it: an authenticated identity needs one of its own logins; an
 * unauthenticated one needs none where the pool allows them, and new logins link to it (or,
 * when another identity's, merge it into that one, which is answered).
 */
export const provenIdentity = (
  services: Services,
  identityId: string,
  logins: { readonly [provider: string]: string } | undefined
): Effect.Effect<
  Proven,
  | NotAuthorizedException
  | ResourceNotFoundException
  | ResourceConflictException
  | DeveloperUserAlreadyRegisteredException
  | ExternalServiceException
  | StorageError
> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const { identity, pool } = yield* identityOf(services, identityId)
    const verified = yield* verifyLogins(services, pool, logins, now, false)
    const survivor = yield* linkLogins(services, pool, identity, verified, now, false)
    const authenticated = identity.logins.length > 0 || verified.length > 0
    if (!authenticated && !pool.AllowUnauthenticatedIdentities) return yield* Effect.fail(unauthenticatedRefused())
    const providers = [...new Set(verified.flatMap((login) => login._tag === "Login" ? [login.login.provider] : []))]
    return { pool, identityId: survivor, authenticated, providers, now }
  })
