/**
 * GetBulkPublishDetails: where the bulk publish of a pool stands.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import * as S from "../Shapes.js"
import type { BulkPublishStatus } from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { toDate } from "../internal/output.js"

/** @since 0.1.0 @category schemas */
export const GetBulkPublishDetailsInput = Schema.Struct({ IdentityPoolId: S.IdentityPoolId })
/** @since 0.1.0 @category models */
export type GetBulkPublishDetailsInput = typeof GetBulkPublishDetailsInput.Encoded

/** @since 0.1.0 @category models */
export interface GetBulkPublishDetailsOutput {
  readonly IdentityPoolId: string
  readonly BulkPublishStatus: BulkPublishStatus
  readonly BulkPublishStartTime?: Date
  readonly BulkPublishCompleteTime?: Date
  readonly FailureMessage?: string
}

/** @since 0.1.0 @category operations */
export const GetBulkPublishDetails = operation({
  access: "developer",
  input: GetBulkPublishDetailsInput,
  run: (services, input) =>
    Effect.map(services.store.readPool(input.IdentityPoolId), ({ bulkPublish }): GetBulkPublishDetailsOutput => ({
      IdentityPoolId: input.IdentityPoolId,
      BulkPublishStatus: bulkPublish.status,
      ...(bulkPublish.startTime === undefined ? {} : { BulkPublishStartTime: toDate(bulkPublish.startTime) }),
      ...(bulkPublish.completeTime === undefined ? {} : { BulkPublishCompleteTime: toDate(bulkPublish.completeTime) }),
      ...(bulkPublish.failureMessage === undefined ? {} : { FailureMessage: bulkPublish.failureMessage })
    }))
})
