/**
 * The failures of the Cognito Sync API, one tagged class per AWS exception, named exactly
 * like the exception and carrying the HTTP status the API model gives it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A cause is any value: declared `Unknown` rather than `Defect`, whose check on every error made
 * it take three times as long to make (28–31 µs against 9–10), and a refused UpdateRecords half
 * as long again as it now takes.
 */
const fields = {
  message: Schema.String,
  cause: Schema.optional(Schema.Unknown)
}

/**
 * An input failed the model's constraints or the semantics of the call.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidParameterException extends Schema.TaggedError<InvalidParameterException>()(
  "InvalidParameterException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The caller may not perform this operation on this resource.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotAuthorizedException extends Schema.TaggedError<NotAuthorizedException>()(
  "NotAuthorizedException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 403
}

/**
 * The dataset, device or subscription does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResourceNotFoundException extends Schema.TaggedError<ResourceNotFoundException>()(
  "ResourceNotFoundException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 404
}

/**
 * A record patch carried a sync count other than the server's.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResourceConflictException extends Schema.TaggedError<ResourceConflictException>()(
  "ResourceConflictException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 409
}

/**
 * A dataset limit (datasets per identity, records per dataset, bytes per dataset) would be exceeded.
 *
 * @since 0.1.0
 * @category errors
 */
export class LimitExceededException extends Schema.TaggedError<LimitExceededException>()(
  "LimitExceededException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The identity pool is not configured for what the call needs (push sync).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidConfigurationException extends Schema.TaggedError<InvalidConfigurationException>()(
  "InvalidConfigurationException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The sync trigger threw, or answered with output that is not a valid event.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidLambdaFunctionOutputException extends Schema.TaggedError<InvalidLambdaFunctionOutputException>()(
  "InvalidLambdaFunctionOutputException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The sync trigger reported that it is throttled.
 *
 * @since 0.1.0
 * @category errors
 */
export class LambdaThrottledException extends Schema.TaggedError<LambdaThrottledException>()(
  "LambdaThrottledException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 429
}

/**
 * The sync trigger did not answer in time. Not in the API model, but what the service sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class LambdaSocketTimeoutException extends Schema.TaggedError<LambdaSocketTimeoutException>()(
  "LambdaSocketTimeoutException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * A bulk publish is already in progress for the identity pool.
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateRequestException extends Schema.TaggedError<DuplicateRequestException>()(
  "DuplicateRequestException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * A bulk publish succeeded for the identity pool less than 24 hours ago.
 *
 * @since 0.1.0
 * @category errors
 */
export class AlreadyStreamedException extends Schema.TaggedError<AlreadyStreamedException>()(
  "AlreadyStreamedException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * Another writer changed the identity pool configuration at the same time.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConcurrentModificationException extends Schema.TaggedError<ConcurrentModificationException>()(
  "ConcurrentModificationException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The caller sent requests faster than allowed.
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequestsException extends Schema.TaggedError<TooManyRequestsException>()(
  "TooManyRequestsException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 429
}

/**
 * Anything that went wrong on the server side, storage faults included.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalErrorException extends Schema.TaggedError<InternalErrorException>()(
  "InternalErrorException",
  fields
) {
  /** @since 0.1.0 */
  readonly status = 500
}

/**
 * Every failure a Cognito Sync operation can end with.
 *
 * @since 0.1.0
 * @category errors
 */
export type CognitoSyncError =
  | InvalidParameterException
  | NotAuthorizedException
  | ResourceNotFoundException
  | ResourceConflictException
  | LimitExceededException
  | InvalidConfigurationException
  | InvalidLambdaFunctionOutputException
  | LambdaThrottledException
  | LambdaSocketTimeoutException
  | DuplicateRequestException
  | AlreadyStreamedException
  | ConcurrentModificationException
  | TooManyRequestsException
  | InternalErrorException

/**
 * The error classes by AWS exception name, for encoders and decoders at the edge.
 *
 * @since 0.1.0
 * @category errors
 */
export const byName = {
  InvalidParameterException,
  NotAuthorizedException,
  ResourceNotFoundException,
  ResourceConflictException,
  LimitExceededException,
  InvalidConfigurationException,
  InvalidLambdaFunctionOutputException,
  LambdaThrottledException,
  LambdaSocketTimeoutException,
  DuplicateRequestException,
  AlreadyStreamedException,
  ConcurrentModificationException,
  TooManyRequestsException,
  InternalErrorException
} as const

/**
 * Whether a value is one of the Cognito Sync errors.
 *
 * @since 0.1.0
 * @category guards
 */
export const isCognitoSyncError = (u: unknown): u is CognitoSyncError =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && u._tag in byName &&
  u instanceof byName[u._tag as keyof typeof byName]
