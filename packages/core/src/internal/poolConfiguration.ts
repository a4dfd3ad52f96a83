import type { CognitoStreams, PushSync } from "../Shapes.js"
import type { PoolState } from "./storeModel.js"

/** The configuration of a pool as Get/SetIdentityPoolConfiguration return it. */
export interface PoolConfiguration {
  readonly IdentityPoolId: string
  readonly PushSync?: PushSync
  readonly CognitoStreams?: CognitoStreams
}

export const toConfiguration = (identityPoolId: string, pool: PoolState): PoolConfiguration => ({
  IdentityPoolId: identityPoolId,
  ...(pool.pushSync === undefined ? {} : { PushSync: pool.pushSync }),
  ...(pool.cognitoStreams === undefined ? {} : { CognitoStreams: pool.cognitoStreams })
})

/** Whether the pool streams its writes (Cognito Streams ENABLED). */
export const streamingEnabled = (pool: PoolState): boolean => pool.cognitoStreams?.StreamingStatus === "ENABLED"

/** The name of the pool's stream. */
export const streamName = (pool: PoolState): string => pool.cognitoStreams?.StreamName ?? ""
