/**
 * The shapes of the Cognito Sync API as in-process values: the model's constraints as
 * `effect/Schema` members for inputs, and the output structures. Timestamps are `Date`s, as in
 * the AWS SDK for JavaScript v3; the HTTP edge turns them into epoch seconds.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { constraint, enumeration, integer, length, pattern, string } from "./Validation.js"

const identifier = string.pipe(length(1, 55), pattern("[\\w-]+:[0-9a-f-]+"))

/** @since 0.1.0 @category schemas */
export const IdentityPoolId = identifier
/** @since 0.1.0 @category schemas */
export const IdentityId = identifier
/** @since 0.1.0 @category schemas */
export const DatasetName = string.pipe(length(1, 128), pattern("[a-zA-Z0-9_.:-]+"))
/** @since 0.1.0 @category schemas */
export const RecordKey = string.pipe(length(1, 1024))
/** @since 0.1.0 @category schemas */
export const RecordValue = string.pipe(length(undefined, 1048575))
/** @since 0.1.0 @category schemas */
export const DeviceId = string.pipe(length(1, 256))
/** @since 0.1.0 @category schemas */
export const SyncCount = integer
/** @since 0.1.0 @category schemas */
export const MaxResults = integer.pipe(Schema.greaterThanOrEqualTo(1, constraint("have value greater than or equal to 1")))
/** @since 0.1.0 @category schemas */
export const LastSyncCount = integer.pipe(Schema.greaterThanOrEqualTo(0, constraint("have value greater than or equal to 0")))
/** @since 0.1.0 @category schemas */
export const Timestamp = Schema.DateFromSelf.annotations(constraint("be a valid date")).pipe(
  Schema.validDate(constraint("be a valid date"))
)
/** @since 0.1.0 @category schemas */
export const PlainString = string
/** @since 0.1.0 @category schemas */
export const Operation = Schema.Literal("replace", "remove").annotations(
  enumeration(["replace", "remove"])
)
/** @since 0.1.0 @category schemas */
export const Platform = Schema.Literal("APNS", "APNS_SANDBOX", "GCM", "ADM").annotations(
  enumeration(["APNS", "APNS_SANDBOX", "GCM", "ADM"])
)
/** @since 0.1.0 @category schemas */
export const StreamingStatus = Schema.Literal("ENABLED", "DISABLED").annotations(
  enumeration(["ENABLED", "DISABLED"])
)
/** @since 0.1.0 @category schemas */
export const ApplicationArn = string.pipe(pattern("arn:aws:sns:[-0-9a-z]+:\\d+:app/[A-Z_]+/[a-zA-Z0-9_.-]+"))
/** @since 0.1.0 @category schemas */
export const AssumeRoleArn = string.pipe(length(20, 2048), pattern("arn:aws:iam::\\d+:role/.*"))
/** @since 0.1.0 @category schemas */
export const StreamName = string.pipe(length(1, 128))

/**
 * An optional member: absent, never `undefined`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/**
 * A record patch of UpdateRecords.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RecordPatch = Schema.Struct({
  Op: Operation,
  Key: RecordKey,
  Value: optional(RecordValue),
  SyncCount,
  DeviceLastModifiedDate: optional(Timestamp)
}).annotations(constraint("be a structure"))
/** @since 0.1.0 @category models */
export type RecordPatch = typeof RecordPatch.Type

/**
 * Push sync configuration of an identity pool.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PushSync = Schema.Struct({
  ApplicationArns: optional(Schema.Array(ApplicationArn)),
  RoleArn: optional(AssumeRoleArn)
})
/** @since 0.1.0 @category models */
export type PushSync = typeof PushSync.Type

/**
 * Cognito Streams configuration of an identity pool.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CognitoStreams = Schema.Struct({
  StreamName: optional(StreamName),
  RoleArn: optional(AssumeRoleArn),
  StreamingStatus: optional(StreamingStatus)
})
/** @since 0.1.0 @category models */
export type CognitoStreams = typeof CognitoStreams.Type

/**
 * A record as the API returns it; a tombstone has no `Value`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyncRecord {
  readonly Key: string
  readonly Value?: string
  readonly SyncCount: number
  readonly LastModifiedDate: Date
  readonly LastModifiedBy: string
  readonly DeviceLastModifiedDate?: Date
}

/**
 * Dataset metadata as DescribeDataset, ListDatasets and DeleteDataset return it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Dataset {
  readonly IdentityId: string
  readonly DatasetName: string
  readonly CreationDate: Date
  readonly LastModifiedDate: Date
  readonly LastModifiedBy: string
  readonly DataStorage: number
  readonly NumRecords: number
}

/**
 * Usage of one identity.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityUsage {
  readonly IdentityId: string
  readonly IdentityPoolId: string
  readonly LastModifiedDate?: Date
  readonly DatasetCount: number
  readonly DataStorage: number
}

/**
 * Usage of one identity pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityPoolUsage {
  readonly IdentityPoolId: string
  readonly SyncSessionsCount: number
  readonly DataStorage: number
  readonly LastModifiedDate?: Date
}

/**
 * Where a bulk publish of an identity pool stands.
 *
 * @since 0.1.0
 * @category models
 */
export type BulkPublishStatus = "NOT_STARTED" | "IN_PROGRESS" | "FAILED" | "SUCCEEDED"
