/**
 * The failures of the Cognito Identity API, one tagged class per exception of the model, named
 * exactly like it. Cognito Identity speaks awsJson1_1, whose errors all travel with status 400
 * but InternalErrorException's 500; each class carries its status.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const fields = {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}

/**
 * Another request changed the same resource at the same time.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConcurrentModificationException extends Schema.TaggedError<ConcurrentModificationException>()("ConcurrentModificationException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The developer user identifier is already linked to another identity.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeveloperUserAlreadyRegisteredException extends Schema.TaggedError<DeveloperUserAlreadyRegisteredException>()("DeveloperUserAlreadyRegisteredException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * A login provider could not be reached to verify a token.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExternalServiceException extends Schema.TaggedError<ExternalServiceException>()("ExternalServiceException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The service failed: a storage fault or a defect.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalErrorException extends Schema.TaggedError<InternalErrorException>()("InternalErrorException", fields) {
  /** @since 0.1.0 */
  readonly status = 500
}

/**
 * The identity pool's configuration does not allow the call.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidIdentityPoolConfigurationException extends Schema.TaggedError<InvalidIdentityPoolConfigurationException>()("InvalidIdentityPoolConfigurationException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * An input failed the model's constraints or the semantics of the call.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidParameterException extends Schema.TaggedError<InvalidParameterException>()("InvalidParameterException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * A limit of the service was reached.
 *
 * @since 0.1.0
 * @category errors
 */
export class LimitExceededException extends Schema.TaggedError<LimitExceededException>()("LimitExceededException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The caller, or the login it presented, may not do this.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotAuthorizedException extends Schema.TaggedError<NotAuthorizedException>()("NotAuthorizedException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The call conflicts with the state of a resource (logins that do not match the identity).
 *
 * @since 0.1.0
 * @category errors
 */
export class ResourceConflictException extends Schema.TaggedError<ResourceConflictException>()("ResourceConflictException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * The identity pool or identity does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResourceNotFoundException extends Schema.TaggedError<ResourceNotFoundException>()("ResourceNotFoundException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * Too many requests.
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequestsException extends Schema.TaggedError<TooManyRequestsException>()("TooManyRequestsException", fields) {
  /** @since 0.1.0 */
  readonly status = 400
}

/**
 * Any failure of the API.
 *
 * @since 0.1.0
 * @category models
 */
export type CognitoIdentityError =
  | ConcurrentModificationException
  | DeveloperUserAlreadyRegisteredException
  | ExternalServiceException
  | InternalErrorException
  | InvalidIdentityPoolConfigurationException
  | InvalidParameterException
  | LimitExceededException
  | NotAuthorizedException
  | ResourceConflictException
  | ResourceNotFoundException
  | TooManyRequestsException

const classes = [
  ConcurrentModificationException,
  DeveloperUserAlreadyRegisteredException,
  ExternalServiceException,
  InternalErrorException,
  InvalidIdentityPoolConfigurationException,
  InvalidParameterException,
  LimitExceededException,
  NotAuthorizedException,
  ResourceConflictException,
  ResourceNotFoundException,
  TooManyRequestsException,
]

/**
 * Whether a value is one of the API's failures.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isCognitoIdentityError = (u: unknown): u is CognitoIdentityError =>
  classes.some((error) => u instanceof error)
