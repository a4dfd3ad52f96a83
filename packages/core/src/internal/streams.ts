import { Effect } from "effect"
import { recordOf, type StreamWrite } from "../StreamPublisher.js"
import type { PoolState } from "./storeModel.js"
import type { Services } from "./operation.js"
import { streamingEnabled, streamName } from "./poolConfiguration.js"

/** After a committed write: streams it when the pool streams and the commit did not, logging a failure. */
export const publishRecords = (services: Services, pool: PoolState, write: StreamWrite, outbox?: string) =>
  streamingEnabled(pool) && !(outbox !== undefined && services.stream.appendedInCommit === true)
    ? recordOf(services.stream, write).pipe(
      Effect.flatMap((record) => services.stream.publish(streamName(pool), record, outbox)),
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: publishing to Cognito Streams failed", cause))
    )
    : Effect.void
