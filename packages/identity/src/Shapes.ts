/**
 * The shapes of the Cognito Identity API as in-process values: every operation's input as an
 * `effect/Schema` holding the model's constraints (and failing in AWS's words), and the output
 * structures. Timestamps are `Date`s, as in the AWS SDK for JavaScript v3; the HTTP edge turns
 * them into epoch seconds.
 *
 * @since 0.1.0
 */
import { ParseResult, Schema } from "effect"
import { Validation } from "@syncalite/core"

const { boolean, constraint, enumeration, integer, length, pattern, string } = Validation

const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** The model's patterns with Unicode classes (`\p{L}`) need the `u` flag. */
const unicodePattern = (source: string) => (self: Schema.Schema<string>): Schema.Schema<string> =>
  self.pipe(Schema.pattern(new RegExp(`^(?:${source})$`, "u"), constraint(`satisfy regular expression pattern: ${source}`)))

const atLeast = (min: number) => (self: Schema.Schema<number>): Schema.Schema<number> =>
  self.pipe(Schema.greaterThanOrEqualTo(min, constraint(`have value greater than or equal to ${min}`)))
const atMost = (max: number) => (self: Schema.Schema<number>): Schema.Schema<number> =>
  self.pipe(Schema.lessThanOrEqualTo(max, constraint(`have value less than or equal to ${max}`)))

const items = (min: number | undefined, max: number | undefined) =>
<A, I>(self: Schema.Schema<ReadonlyArray<A>, ReadonlyArray<I>>): Schema.Schema<ReadonlyArray<A>, ReadonlyArray<I>> => {
  const withMin = min === undefined ? self : self.pipe(
    Schema.minItems(min, constraint(`have length greater than or equal to ${min}`))
  )
  return max === undefined ? withMin : withMin.pipe(
    Schema.maxItems(max, constraint(`have length less than or equal to ${max}`))
  )
}

/**
 * A map whose keys are checked too: a record's refined key would leave a key that fails it out
 * as an excess member, where AWS refuses the input.
 */
const mapOf = <A, I>(key: Schema.Schema<string>, value: Schema.Schema<A, I>, max?: number) => {
  const validKey = Schema.decodeUnknownEither(key)
  return Schema.Record({ key: string, value }).annotations(constraint("be a map")).pipe(
    Schema.filter((map) => {
      const keys = Object.keys(map)
      if (max !== undefined && keys.length > max) return `Member must have length less than or equal to ${max}`
      for (const name of keys) {
        const checked = validKey(name)
        if (checked._tag === "Left") {
          const reason = ParseResult.ArrayFormatter.formatErrorSync(checked.left)[0]?.message
          return `Map keys must satisfy constraint: [${reason}]`
        }
      }
      return true
    })
  )
}

const ClassicFlow = boolean

const IdentityPoolUnauthenticated = boolean

const CognitoIdentityProviderClientId = string.pipe(length(1, 128), pattern("[\\w_]+"))

const CognitoIdentityProviderName = string.pipe(length(1, 128), pattern("[\\w._:/-]+"))

const CognitoIdentityProviderTokenCheck = boolean

/** @since 0.1.0 @category schemas */
export const CognitoIdentityProvider = Schema.Struct({
  ClientId: optional(CognitoIdentityProviderClientId),
  ProviderName: optional(CognitoIdentityProviderName),
  ServerSideTokenCheck: optional(CognitoIdentityProviderTokenCheck)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category models */
export type CognitoIdentityProvider = typeof CognitoIdentityProvider.Type

const CognitoIdentityProviderList = Schema.Array(CognitoIdentityProvider).annotations(constraint("be a list"))

const DeveloperProviderName = string.pipe(length(1, 128), pattern("[\\w._-]+"))

const IdentityPoolName = string.pipe(length(1, 128), pattern("[\\w\\s+=,.@-]+"))

const TagKeysType = string.pipe(length(1, 128))

const TagValueType = string.pipe(length(0, 256))

const IdentityPoolTagsType = mapOf(TagKeysType, TagValueType)

const ARNString = string.pipe(length(20, 2048))

const OIDCProviderList = Schema.Array(ARNString).annotations(constraint("be a list"))

const SAMLProviderList = Schema.Array(ARNString).annotations(constraint("be a list"))

const IdentityProviderName = string.pipe(length(1, 128))

const IdentityProviderId = string.pipe(length(1, 128), pattern("[\\w.;_/-]+"))

const IdentityProviders = mapOf(IdentityProviderName, IdentityProviderId, 10)

/** @since 0.1.0 @category inputs */
export const CreateIdentityPoolInput = Schema.Struct({
  AllowClassicFlow: optional(ClassicFlow),
  AllowUnauthenticatedIdentities: IdentityPoolUnauthenticated,
  CognitoIdentityProviders: optional(CognitoIdentityProviderList),
  DeveloperProviderName: optional(DeveloperProviderName),
  IdentityPoolName: IdentityPoolName,
  IdentityPoolTags: optional(IdentityPoolTagsType),
  OpenIdConnectProviderARNs: optional(OIDCProviderList),
  SamlProviderARNs: optional(SAMLProviderList),
  SupportedLoginProviders: optional(IdentityProviders)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type CreateIdentityPoolInput = typeof CreateIdentityPoolInput.Type

const IdentityId = string.pipe(length(1, 55), pattern("[\\w-]+:[0-9a-f-]+"))

const IdentityIdList = Schema.Array(IdentityId).annotations(constraint("be a list")).pipe(items(1, 60))

/** @since 0.1.0 @category inputs */
export const DeleteIdentitiesInput = Schema.Struct({
  IdentityIdsToDelete: IdentityIdList
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type DeleteIdentitiesInput = typeof DeleteIdentitiesInput.Type

const IdentityPoolId = string.pipe(length(1, 55), pattern("[\\w-]+:[0-9a-f-]+"))

/** @since 0.1.0 @category inputs */
export const DeleteIdentityPoolInput = Schema.Struct({
  IdentityPoolId: IdentityPoolId
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type DeleteIdentityPoolInput = typeof DeleteIdentityPoolInput.Type

/** @since 0.1.0 @category inputs */
export const DescribeIdentityInput = Schema.Struct({
  IdentityId: IdentityId
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type DescribeIdentityInput = typeof DescribeIdentityInput.Type

/** @since 0.1.0 @category inputs */
export const DescribeIdentityPoolInput = Schema.Struct({
  IdentityPoolId: IdentityPoolId
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type DescribeIdentityPoolInput = typeof DescribeIdentityPoolInput.Type

const IdentityProviderToken = string.pipe(length(1, 50000))

const LoginsMap = mapOf(IdentityProviderName, IdentityProviderToken, 10)

/** @since 0.1.0 @category inputs */
export const GetCredentialsForIdentityInput = Schema.Struct({
  CustomRoleArn: optional(ARNString),
  IdentityId: IdentityId,
  Logins: optional(LoginsMap)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type GetCredentialsForIdentityInput = typeof GetCredentialsForIdentityInput.Type

const AccountId = string.pipe(length(1, 15), pattern("\\d+"))

/** @since 0.1.0 @category inputs */
export const GetIdInput = Schema.Struct({
  AccountId: optional(AccountId),
  IdentityPoolId: IdentityPoolId,
  Logins: optional(LoginsMap)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type GetIdInput = typeof GetIdInput.Type

/** @since 0.1.0 @category inputs */
export const GetIdentityPoolRolesInput = Schema.Struct({
  IdentityPoolId: IdentityPoolId
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type GetIdentityPoolRolesInput = typeof GetIdentityPoolRolesInput.Type

const PrincipalTagID = string.pipe(length(1, 128))

const PrincipalTagValue = string.pipe(length(1, 256))

const PrincipalTags = mapOf(PrincipalTagID, PrincipalTagValue, 50)

const TokenDuration = integer.pipe(atLeast(1), atMost(86400))

/** @since 0.1.0 @category inputs */
export const GetOpenIdTokenForDeveloperIdentityInput = Schema.Struct({
  IdentityId: optional(IdentityId),
  IdentityPoolId: IdentityPoolId,
  Logins: LoginsMap,
  PrincipalTags: optional(PrincipalTags),
  TokenDuration: optional(TokenDuration)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type GetOpenIdTokenForDeveloperIdentityInput = typeof GetOpenIdTokenForDeveloperIdentityInput.Type

/** @since 0.1.0 @category inputs */
export const GetOpenIdTokenInput = Schema.Struct({
  IdentityId: IdentityId,
  Logins: optional(LoginsMap)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type GetOpenIdTokenInput = typeof GetOpenIdTokenInput.Type

/** @since 0.1.0 @category inputs */
export const GetPrincipalTagAttributeMapInput = Schema.Struct({
  IdentityPoolId: IdentityPoolId,
  IdentityProviderName: IdentityProviderName
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type GetPrincipalTagAttributeMapInput = typeof GetPrincipalTagAttributeMapInput.Type

/** @since 0.1.0 @category inputs */
export const IdentityPool = Schema.Struct({
  AllowClassicFlow: optional(ClassicFlow),
  AllowUnauthenticatedIdentities: IdentityPoolUnauthenticated,
  CognitoIdentityProviders: optional(CognitoIdentityProviderList),
  DeveloperProviderName: optional(DeveloperProviderName),
  IdentityPoolId: IdentityPoolId,
  IdentityPoolName: IdentityPoolName,
  IdentityPoolTags: optional(IdentityPoolTagsType),
  OpenIdConnectProviderARNs: optional(OIDCProviderList),
  SamlProviderARNs: optional(SAMLProviderList),
  SupportedLoginProviders: optional(IdentityProviders)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type IdentityPool = typeof IdentityPool.Type

const HideDisabled = boolean

const QueryLimit = integer.pipe(atLeast(1), atMost(60))

const PaginationKey = string.pipe(length(1, 65535), pattern("[\\S]+"))

/** @since 0.1.0 @category inputs */
export const ListIdentitiesInput = Schema.Struct({
  HideDisabled: optional(HideDisabled),
  IdentityPoolId: IdentityPoolId,
  MaxResults: QueryLimit,
  NextToken: optional(PaginationKey)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type ListIdentitiesInput = typeof ListIdentitiesInput.Type

/** @since 0.1.0 @category inputs */
export const ListIdentityPoolsInput = Schema.Struct({
  MaxResults: QueryLimit,
  NextToken: optional(PaginationKey)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type ListIdentityPoolsInput = typeof ListIdentityPoolsInput.Type

/** @since 0.1.0 @category inputs */
export const ListTagsForResourceInput = Schema.Struct({
  ResourceArn: ARNString
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type ListTagsForResourceInput = typeof ListTagsForResourceInput.Type

const DeveloperUserIdentifier = string.pipe(length(1, 1024))

/** @since 0.1.0 @category inputs */
export const LookupDeveloperIdentityInput = Schema.Struct({
  DeveloperUserIdentifier: optional(DeveloperUserIdentifier),
  IdentityId: optional(IdentityId),
  IdentityPoolId: IdentityPoolId,
  MaxResults: optional(QueryLimit),
  NextToken: optional(PaginationKey)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type LookupDeveloperIdentityInput = typeof LookupDeveloperIdentityInput.Type

/** @since 0.1.0 @category inputs */
export const MergeDeveloperIdentitiesInput = Schema.Struct({
  DestinationUserIdentifier: DeveloperUserIdentifier,
  DeveloperProviderName: DeveloperProviderName,
  IdentityPoolId: IdentityPoolId,
  SourceUserIdentifier: DeveloperUserIdentifier
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type MergeDeveloperIdentitiesInput = typeof MergeDeveloperIdentitiesInput.Type

const AmbiguousRoleResolutionType = Schema.Literal("AuthenticatedRole", "Deny").annotations(enumeration(["AuthenticatedRole", "Deny"]))

const ClaimName = string.pipe(length(1, 64), unicodePattern("[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"))

const MappingRuleMatchType = Schema.Literal("Equals", "Contains", "StartsWith", "NotEqual").annotations(enumeration(["Equals", "Contains", "StartsWith", "NotEqual"]))

const ClaimValue = string.pipe(length(1, 128))

/** @since 0.1.0 @category schemas */
export const MappingRule = Schema.Struct({
  Claim: ClaimName,
  MatchType: MappingRuleMatchType,
  RoleARN: ARNString,
  Value: ClaimValue
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category models */
export type MappingRule = typeof MappingRule.Type

const MappingRulesList = Schema.Array(MappingRule).annotations(constraint("be a list")).pipe(items(1, 400))

/** @since 0.1.0 @category schemas */
export const RulesConfigurationType = Schema.Struct({
  Rules: MappingRulesList
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category models */
export type RulesConfigurationType = typeof RulesConfigurationType.Type

const RoleMappingType = Schema.Literal("Token", "Rules").annotations(enumeration(["Token", "Rules"]))

/** @since 0.1.0 @category schemas */
export const RoleMapping = Schema.Struct({
  AmbiguousRoleResolution: optional(AmbiguousRoleResolutionType),
  RulesConfiguration: optional(RulesConfigurationType),
  Type: RoleMappingType
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category models */
export type RoleMapping = typeof RoleMapping.Type

const RoleMappingMap = mapOf(IdentityProviderName, RoleMapping, 10)

const RoleType = string.pipe(length(1, 128), pattern("(un)?authenticated"))

const RolesMap = mapOf(RoleType, ARNString, 2)

/** @since 0.1.0 @category inputs */
export const SetIdentityPoolRolesInput = Schema.Struct({
  IdentityPoolId: IdentityPoolId,
  RoleMappings: optional(RoleMappingMap),
  Roles: RolesMap
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type SetIdentityPoolRolesInput = typeof SetIdentityPoolRolesInput.Type

const UseDefaults = boolean

/** @since 0.1.0 @category inputs */
export const SetPrincipalTagAttributeMapInput = Schema.Struct({
  IdentityPoolId: IdentityPoolId,
  IdentityProviderName: IdentityProviderName,
  PrincipalTags: optional(PrincipalTags),
  UseDefaults: optional(UseDefaults)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type SetPrincipalTagAttributeMapInput = typeof SetPrincipalTagAttributeMapInput.Type

/** @since 0.1.0 @category inputs */
export const TagResourceInput = Schema.Struct({
  ResourceArn: ARNString,
  Tags: IdentityPoolTagsType
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type TagResourceInput = typeof TagResourceInput.Type

/** @since 0.1.0 @category inputs */
export const UnlinkDeveloperIdentityInput = Schema.Struct({
  DeveloperProviderName: DeveloperProviderName,
  DeveloperUserIdentifier: DeveloperUserIdentifier,
  IdentityId: IdentityId,
  IdentityPoolId: IdentityPoolId
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type UnlinkDeveloperIdentityInput = typeof UnlinkDeveloperIdentityInput.Type

const LoginsList = Schema.Array(IdentityProviderName).annotations(constraint("be a list"))

/** @since 0.1.0 @category inputs */
export const UnlinkIdentityInput = Schema.Struct({
  IdentityId: IdentityId,
  Logins: LoginsMap,
  LoginsToRemove: LoginsList
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type UnlinkIdentityInput = typeof UnlinkIdentityInput.Type

const IdentityPoolTagsListType = Schema.Array(TagKeysType).annotations(constraint("be a list"))

/** @since 0.1.0 @category inputs */
export const UntagResourceInput = Schema.Struct({
  ResourceArn: ARNString,
  TagKeys: IdentityPoolTagsListType
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category inputs */
export type UntagResourceInput = typeof UntagResourceInput.Type

/** @since 0.1.0 @category outputs */
export interface Credentials {
  readonly AccessKeyId?: string
  readonly Expiration?: Date
  readonly SecretKey?: string
  readonly SessionToken?: string
}

/** @since 0.1.0 @category outputs */
export interface DeleteIdentitiesResponse {
  readonly UnprocessedIdentityIds?: ReadonlyArray<UnprocessedIdentityId>
}

/** @since 0.1.0 @category outputs */
export interface GetCredentialsForIdentityResponse {
  readonly Credentials?: Credentials
  readonly IdentityId?: string
}

/** @since 0.1.0 @category outputs */
export interface GetIdResponse {
  readonly IdentityId?: string
}

/** @since 0.1.0 @category outputs */
export interface GetIdentityPoolRolesResponse {
  readonly IdentityPoolId?: string
  readonly RoleMappings?: { readonly [key: string]: RoleMapping }
  readonly Roles?: { readonly [key: string]: string }
}

/** @since 0.1.0 @category outputs */
export interface GetOpenIdTokenForDeveloperIdentityResponse {
  readonly IdentityId?: string
  readonly Token?: string
}

/** @since 0.1.0 @category outputs */
export interface GetOpenIdTokenResponse {
  readonly IdentityId?: string
  readonly Token?: string
}

/** @since 0.1.0 @category outputs */
export interface GetPrincipalTagAttributeMapResponse {
  readonly IdentityPoolId?: string
  readonly IdentityProviderName?: string
  readonly PrincipalTags?: { readonly [key: string]: string }
  readonly UseDefaults?: boolean
}

/** @since 0.1.0 @category outputs */
export interface IdentityDescription {
  readonly CreationDate?: Date
  readonly IdentityId?: string
  readonly LastModifiedDate?: Date
  readonly Logins?: ReadonlyArray<string>
}

/** @since 0.1.0 @category outputs */
export interface IdentityPoolShortDescription {
  readonly IdentityPoolId?: string
  readonly IdentityPoolName?: string
}

/** @since 0.1.0 @category outputs */
export interface ListIdentitiesResponse {
  readonly Identities?: ReadonlyArray<IdentityDescription>
  readonly IdentityPoolId?: string
  readonly NextToken?: string
}

/** @since 0.1.0 @category outputs */
export interface ListIdentityPoolsResponse {
  readonly IdentityPools?: ReadonlyArray<IdentityPoolShortDescription>
  readonly NextToken?: string
}

/** @since 0.1.0 @category outputs */
export interface ListTagsForResourceResponse {
  readonly Tags?: { readonly [key: string]: string }
}

/** @since 0.1.0 @category outputs */
export interface LookupDeveloperIdentityResponse {
  readonly DeveloperUserIdentifierList?: ReadonlyArray<string>
  readonly IdentityId?: string
  readonly NextToken?: string
}

/** @since 0.1.0 @category outputs */
export interface MergeDeveloperIdentitiesResponse {
  readonly IdentityId?: string
}

/** @since 0.1.0 @category outputs */
export interface SetPrincipalTagAttributeMapResponse {
  readonly IdentityPoolId?: string
  readonly IdentityProviderName?: string
  readonly PrincipalTags?: { readonly [key: string]: string }
  readonly UseDefaults?: boolean
}

/** @since 0.1.0 @category outputs */
export interface TagResourceResponse {
}

/** @since 0.1.0 @category outputs */
export interface UnprocessedIdentityId {
  readonly ErrorCode?: "AccessDenied" | "InternalServerError"
  readonly IdentityId?: string
}

/** @since 0.1.0 @category outputs */
export interface UntagResourceResponse {
}

