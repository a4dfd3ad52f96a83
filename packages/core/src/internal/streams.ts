import { Effect } from "effect"
import { recordOf, type StreamWrite } from "../StreamPublisher.js"
import type { PoolState } from "./storeModel.js"
import type { Services } from "./operation.js"
import { streamingEnabled, streamName } from "./poolConfiguration.js"

/**
 * After a committed write: streams it when the pool streams and the commit did not, logging a
 * failure. Undefined when there is nothing to stream, so that the write takes no step for it.
 */
export const publishRecords = (
  services: Services,
  pool: PoolState,
  write: StreamWrite,
  outbox?: string
): Effect.Effect<void> | undefined =>
  streamingEnabled(pool) && !(outbox !== undefined && services.stream.appendedInCommit === true)
    ? recordOf(services.stream, write).pipe(
      Effect.flatMap((record) => services.stream.publish(streamName(pool), record, outbox)),
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: publishing to Cognito Streams failed", cause))
    )
    : undefined
