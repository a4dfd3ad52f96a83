import { Effect } from "effect"
import { recordOf, type StreamWrite } from "../StreamPublisher.js"
import type { PoolState } from "./storeModel.js"
import type { Services } from "./operation.js"
import { streamingEnabled, streamName } from "./poolConfiguration.js"

/** After a committed write: streams it when the pool streams, logging a failure. */
export const publishRecords = (services: Services, pool: PoolState, write: StreamWrite, outbox?: string) =>
  streamingEnabled(pool)
    ? recordOf(services.stream, write).pipe(
      Effect.flatMap((record) => services.stream.publish(streamName(pool), record, outbox)),
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: publishing to Cognito Streams failed", cause))
    )
    : Effect.void
