import { Effect } from "effect"
import { recordOf, type StreamWrite } from "../StreamPublisher.js"
import type { PoolState } from "./storeModel.js"
import type { Services } from "./operation.js"

export const streamingEnabled = (pool: PoolState): boolean => pool.cognitoStreams?.StreamingStatus === "ENABLED"

/** The name of the pool's stream. */
export const streamName = (pool: PoolState): string => pool.cognitoStreams?.StreamName ?? ""

/** After a committed write: streams it when the pool streams, logging a failure. */
export const publishRecords = (services: Services, pool: PoolState, write: StreamWrite, outbox?: string) =>
  streamingEnabled(pool)
    ? recordOf(services.stream, write).pipe(
      Effect.flatMap((record) => services.stream.publish(streamName(pool), record, outbox)),
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: publishing to Cognito Streams failed", cause))
    )
    : Effect.void
