/**
 * The models of the identity storage port, shared by the port and its implementations, which
 * import this module rather than each other.
 */
import { type Effect, type Either, Schema } from "effect"
import { SyncStore } from "@syncalite/core"

/**
 * A storage fault, reported to API callers as InternalErrorException.
 *
 * @since 0.1.0
 * @category errors
 */
export const StorageError: typeof SyncStore.StorageError = SyncStore.StorageError
/** @since 0.1.0 @category errors */
export type StorageError = SyncStore.StorageError

const Strings = Schema.Record({ key: Schema.String, value: Schema.String })
const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/**
 * A role mapping of a pool's login provider, as SetIdentityPoolRoles takes it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StoredRoleMapping = Schema.Struct({
  Type: Schema.Literal("Token", "Rules"),
  AmbiguousRoleResolution: optional(Schema.Literal("AuthenticatedRole", "Deny")),
  RulesConfiguration: optional(Schema.Struct({
    Rules: Schema.Array(Schema.Struct({
      Claim: Schema.String,
      MatchType: Schema.Literal("Equals", "Contains", "StartsWith", "NotEqual"),
      Value: Schema.String,
      RoleARN: Schema.String
    }))
  }))
})

/**
 * An identity pool as stored: the model's `IdentityPool`, its roles and role mappings, and its
 * principal-tag maps by login provider.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StoredPool = Schema.Struct({
  IdentityPoolId: Schema.String,
  IdentityPoolName: Schema.String,
  AllowUnauthenticatedIdentities: Schema.Boolean,
  AllowClassicFlow: optional(Schema.Boolean),
  SupportedLoginProviders: optional(Strings),
  DeveloperProviderName: optional(Schema.String),
  OpenIdConnectProviderARNs: optional(Schema.Array(Schema.String)),
  CognitoIdentityProviders: optional(Schema.Array(Schema.Struct({
    ProviderName: optional(Schema.String),
    ClientId: optional(Schema.String),
    ServerSideTokenCheck: optional(Schema.Boolean)
  }))),
  SamlProviderARNs: optional(Schema.Array(Schema.String)),
  IdentityPoolTags: optional(Strings),
  Roles: optional(Strings),
  RoleMappings: optional(Schema.Record({ key: Schema.String, value: StoredRoleMapping })),
  PrincipalTagMaps: optional(Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ UseDefaults: Schema.Boolean, PrincipalTags: optional(Strings) })
  }))
})
/** @since 0.1.0 @category models */
export type StoredPool = typeof StoredPool.Type

/**
 * A login: the provider's name (`graph.facebook.com`, an OIDC issuer, the pool's developer
 * provider name, `cognito-identity.amazonaws.com`) and the subject it vouched for.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Login = Schema.Struct({ provider: Schema.String, subject: Schema.String })
/** @since 0.1.0 @category models */
export type Login = typeof Login.Type

/**
 * An identity as stored. Times are epoch milliseconds; `logins` are ordered by provider, then
 * subject; an identity without logins is unauthenticated.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StoredIdentity = Schema.Struct({
  identityId: Schema.String,
  identityPoolId: Schema.String,
  logins: Schema.Array(Login),
  creationDate: Schema.Number,
  lastModifiedDate: Schema.Number,
  disabled: Schema.Boolean
})
/** @since 0.1.0 @category models */
export type StoredIdentity = typeof StoredIdentity.Type

/**
 * The key pair OpenID tokens are signed with, as JWKs, so that every process signs with the same.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SigningKey = Schema.Struct({
  kid: Schema.String,
  alg: Schema.String,
  privateJwk: Strings,
  publicJwk: Strings
})
/** @since 0.1.0 @category models */
export type SigningKey = typeof SigningKey.Type

/**
 * A merge of identities the store made whose datasets may not all have moved yet: the journal
 * that lets another process finish it when the one that merged died first.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PendingMerge = Schema.Struct({
  identityPoolId: Schema.String,
  source: Schema.String,
  destination: Schema.String,
  /** epoch milliseconds */
  mergedAt: Schema.Number
})
/** @since 0.1.0 @category models */
export type PendingMerge = typeof PendingMerge.Type

/**
 * One page of a listing, ordered by id.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly more: boolean
}

/**
 * A pool's identity ids as an ordered set, for a driver whose backend keeps one natively (a Redis
 * sorted set): `IdentityStore.fromDriver` keeps them in documents of sorted ids otherwise, which
 * costs every new identity a rewrite of one of them.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityIndex {
  readonly add: (identityPoolId: string, identityId: string) => Effect.Effect<void, StorageError>
  readonly remove: (identityPoolId: string, identityId: string) => Effect.Effect<void, StorageError>
  /** the ids after `after` in order, at most `limit`, and whether more follow */
  readonly page: (
    identityPoolId: string,
    after: string | undefined,
    limit: number
  ) => Effect.Effect<{ readonly ids: ReadonlyArray<string>; readonly more: boolean }, StorageError>
}

/**
 * The port.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityStoreShape {
  readonly createPool: (pool: StoredPool) => Effect.Effect<void, StorageError>
  readonly readPool: (identityPoolId: string) => Effect.Effect<StoredPool | undefined, StorageError>
  /** an atomic read-modify-write of a pool; undefined when there is no such pool */
  readonly updatePool: <E>(
    identityPoolId: string,
    update: (pool: StoredPool) => Either.Either<StoredPool, E>
  ) => Effect.Effect<StoredPool | undefined, E | StorageError>
  /** false when there was no such pool; its identities stay, unreachable through it */
  readonly deletePool: (identityPoolId: string) => Effect.Effect<boolean, StorageError>
  /** pools in id order, after `after`, at most `limit` */
  readonly listPools: (after: string | undefined, limit: number) => Effect.Effect<Page<StoredPool>, StorageError>

  readonly readIdentity: (identityId: string) => Effect.Effect<StoredIdentity | undefined, StorageError>
  /** stores a new identity (a fresh id) */
  readonly createIdentity: (identity: StoredIdentity) => Effect.Effect<void, StorageError>
  /** a pool's identities in id order, after `after`, at most `limit` */
  readonly listIdentities: (
    identityPoolId: string,
    after: string | undefined,
    limit: number
  ) => Effect.Effect<Page<StoredIdentity>, StorageError>
  /** removes an identity and the links of its logins; answers it as it was */
  readonly deleteIdentity: (identityId: string) => Effect.Effect<StoredIdentity | undefined, StorageError>

  /** the identity a login of this pool is linked to */
  readonly findLogin: (identityPoolId: string, login: Login) => Effect.Effect<string | undefined, StorageError>
  /**
   * Links the login to `identityId` unless it is linked already, and answers the identity it is
   * linked to. The identity is created (in this pool, `now`) when it does not exist; once linked,
   * the login is among the identity's logins.
   */
  readonly linkLogin: (
    identityPoolId: string,
    login: Login,
    identityId: string,
    now: number
  ) => Effect.Effect<string, StorageError>
  /**
   * Unlinks a login from the identity it is linked to; false when it is not linked to it. An
   * identity left without logins is disabled when `disableWhenLast`.
   */
  readonly unlinkLogin: (
    identityId: string,
    login: Login,
    now: number,
    disableWhenLast: boolean
  ) => Effect.Effect<boolean, StorageError>
  /**
   * Moves every login of `source` to `destination` and removes `source`; false when either does
   * not exist. A merge it makes is pending (in `pendingMerges`, `mergedAt` now) until
   * `mergeDone(source)`: recorded in the merge's own atomic step, or — by a store whose steps
   * are each on one key — before its first step, so that a merge a dying process leaves half
   * done is pending too, and merging again completes it.
   */
  readonly mergeIdentity: (source: string, destination: string, now: number) => Effect.Effect<boolean, StorageError>
  /** the merges whose datasets may not all have moved, oldest first */
  readonly pendingMerges: () => Effect.Effect<ReadonlyArray<PendingMerge>, StorageError>
  /** the datasets of the merge of `source` have moved: it is no longer pending */
  readonly mergeDone: (source: string) => Effect.Effect<void, StorageError>

  /** the stored signing key, storing `candidate` when there is none yet */
  readonly signingKey: (candidate: SigningKey) => Effect.Effect<SigningKey, StorageError>
  /** the stored signing key, if any, without storing one */
  readonly readSigningKey: () => Effect.Effect<SigningKey | undefined, StorageError>
}

