/**
 * DeleteDataset: removes a dataset and its records; its sync count is remembered, so a dataset
 * created again under the name goes on counting.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect, Schema } from "effect"
import { ResourceNotFoundException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { Dataset } from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { datasetRef, toDataset } from "../internal/output.js"
import { streamingEnabled, streamName } from "../internal/poolConfiguration.js"
import { publishRecords } from "../internal/streams.js"

/** @since 0.1.0 @category schemas */
export const DeleteDatasetInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId,
  DatasetName: S.DatasetName
})
/** @since 0.1.0 @category models */
export type DeleteDatasetInput = typeof DeleteDatasetInput.Encoded

/** @since 0.1.0 @category models */
export interface DeleteDatasetOutput {
  readonly Dataset: Dataset
}

/** @since 0.1.0 @category operations */
export const DeleteDataset = operation({
  access: "either",
  input: DeleteDatasetInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const ref = datasetRef(input)
      const pool = yield* services.pools.read(input.IdentityPoolId, now)
      const outbox = streamingEnabled(pool) ? { stream: streamName(pool), id: randomUUID() } : undefined
      const deleted = yield* services.store.deleteDataset(ref, now, outbox)
      if (deleted === undefined) {
        return yield* Effect.fail(new ResourceNotFoundException({ message: `Dataset not found: ${input.DatasetName}` }))
      }
      const publish = publishRecords(services, pool, {
        ref,
        operation: "remove",
        syncCount: deleted.syncCount,
        lastModifiedDate: now,
        records: undefined
      }, outbox?.id)
      if (publish !== undefined) yield* publish
      return { Dataset: toDataset(input.IdentityId, deleted) } satisfies DeleteDatasetOutput
    })
})
