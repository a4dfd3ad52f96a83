/**
 * SetIdentityPoolConfiguration: sets push sync and Cognito Streams of a pool. A `PushSync`
 * with no members clears push sync; members left out of the call stay as they were.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Either, Schema } from "effect"
import { InvalidParameterException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { PoolState } from "../SyncStore.js"
import { operation } from "../internal/operation.js"
import { type PoolConfiguration, toConfiguration } from "../internal/poolConfiguration.js"

/** @since 0.1.0 @category schemas */
export const SetIdentityPoolConfigurationInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  PushSync: S.optional(S.PushSync),
  CognitoStreams: S.optional(S.CognitoStreams)
})
/** @since 0.1.0 @category models */
export type SetIdentityPoolConfigurationInput = typeof SetIdentityPoolConfigurationInput.Encoded

/** @since 0.1.0 @category models */
export type SetIdentityPoolConfigurationOutput = PoolConfiguration

/** @since 0.1.0 @category operations */
export const SetIdentityPoolConfiguration = operation({
  access: "developer",
  input: SetIdentityPoolConfigurationInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const pool = yield* services.pools.update(input.IdentityPoolId, (state): Either.Either<
        PoolState,
        InvalidParameterException
      > => {
        const { cognitoStreams, pushSync, ...rest } = state
        const push = input.PushSync === undefined ? pushSync : input.PushSync
        const cleared = push === undefined || (push.ApplicationArns === undefined && push.RoleArn === undefined)
        // members of CognitoStreams left out of the call keep their values: disabling keeps the stream name
        const stream = input.CognitoStreams === undefined ? cognitoStreams : { ...cognitoStreams, ...input.CognitoStreams }
        if (stream?.StreamingStatus === "ENABLED" && stream.StreamName === undefined) {
          return Either.left(
            new InvalidParameterException({ message: "CognitoStreams.StreamName is required when StreamingStatus is ENABLED" })
          )
        }
        return Either.right({
          ...rest,
          ...(cleared ? {} : { pushSync: push }),
          ...(stream === undefined ? {} : { cognitoStreams: stream }),
          lastModifiedDate: now
        })
      })
      return toConfiguration(input.IdentityPoolId, pool) satisfies SetIdentityPoolConfigurationOutput
    })
})
