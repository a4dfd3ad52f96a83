/**
 * DescribeDataset: the metadata of one dataset.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { ResourceNotFoundException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { Dataset } from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { datasetRef, toDataset } from "../internal/output.js"

/** @since 0.1.0 @category schemas */
export const DescribeDatasetInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId,
  DatasetName: S.DatasetName
})
/** @since 0.1.0 @category models */
export type DescribeDatasetInput = typeof DescribeDatasetInput.Encoded

/** @since 0.1.0 @category models */
export interface DescribeDatasetOutput {
  readonly Dataset: Dataset
}

/** @since 0.1.0 @category operations */
export const DescribeDataset = operation({
  access: "either",
  input: DescribeDatasetInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const view = yield* services.store.readDataset(
        datasetRef(input),
        { since: 0, limit: 0 }
      )
      if (view.head?.exists !== true) {
        return yield* Effect.fail(new ResourceNotFoundException({ message: `Dataset not found: ${input.DatasetName}` }))
      }
      return { Dataset: toDataset(input.IdentityId, view.head) } satisfies DescribeDatasetOutput
    })
})
