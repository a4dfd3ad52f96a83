/**
 * Who is calling: the application with developer credentials, or one Cognito identity.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { NotAuthorizedException } from "./CognitoSyncError.js"

/**
 * The application itself. `pools`, when given, limits the identity pools it may touch.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeveloperCaller {
  readonly kind: "developer"
  readonly accountId: string
  readonly pools?: ReadonlyArray<string>
}

/**
 * One identity of one identity pool, acting on its own data only.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityCaller {
  readonly kind: "identity"
  readonly identityPoolId: string
  readonly identityId: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type Caller = DeveloperCaller | IdentityCaller

/**
 * A developer caller; its account id becomes LastModifiedBy of what it writes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const developer = (accountId = "developer", pools?: ReadonlyArray<string>): DeveloperCaller =>
  pools === undefined ? { kind: "developer", accountId } : { kind: "developer", accountId, pools }

/**
 * An identity caller.
 *
 * @since 0.1.0
 * @category constructors
 */
export const identity = (identityPoolId: string, identityId: string): IdentityCaller => ({
  kind: "identity",
  identityPoolId,
  identityId
})

/**
 * Which credentials an operation accepts (the table of SPEC B §11).
 *
 * @since 0.1.0
 * @category models
 */
export type Access = "developer" | "identity" | "either"

/**
 * The value written as LastModifiedBy for this caller.
 *
 * @since 0.1.0
 * @category accessors
 */
export const modifiedBy = (caller: Caller): string =>
  caller.kind === "developer" ? caller.accountId : caller.identityId

/**
 * Whether the caller may act on this pool (and identity) with an operation of this access.
 *
 * @since 0.1.0
 * @category authorization
 */
export const isAllowed = (caller: Caller, access: Access, identityPoolId: unknown, identityId?: unknown): boolean =>
  caller.kind === "developer"
    ? access !== "identity" &&
      (caller.pools === undefined || identityPoolId === undefined || caller.pools.includes(identityPoolId as string))
    : access !== "developer" && caller.identityPoolId === identityPoolId && caller.identityId === identityId

/**
 * The refusal every unauthorized call gets; it says nothing about what exists.
 *
 * @since 0.1.0
 * @category authorization
 */
export const refusal = (): NotAuthorizedException =>
  new NotAuthorizedException({ message: "These credentials are not valid for accessing this resource" })

/**
 * Fails with NotAuthorizedException unless the caller may act on this pool (and identity).
 *
 * @since 0.1.0
 * @category authorization
 */
export const authorize = (
  caller: Caller,
  access: Access,
  identityPoolId: unknown,
  identityId?: unknown
): Effect.Effect<void, NotAuthorizedException> =>
  isAllowed(caller, access, identityPoolId, identityId) ? Effect.void : Effect.fail(refusal())
