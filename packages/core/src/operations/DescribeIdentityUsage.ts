/**
 * DescribeIdentityUsage: how many datasets an identity has and how many bytes they hold.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { ResourceNotFoundException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { IdentityUsage } from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { toDate } from "../internal/output.js"

/** @since 0.1.0 @category schemas */
export const DescribeIdentityUsageInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId
})
/** @since 0.1.0 @category models */
export type DescribeIdentityUsageInput = typeof DescribeIdentityUsageInput.Encoded

/** @since 0.1.0 @category models */
export interface DescribeIdentityUsageOutput {
  readonly IdentityUsage: IdentityUsage
}

/** @since 0.1.0 @category operations */
export const DescribeIdentityUsage = operation({
  access: "either",
  input: DescribeIdentityUsageInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const usage = yield* services.store.identityUsage(input.IdentityPoolId, input.IdentityId)
      if (usage === undefined) {
        return yield* Effect.fail(new ResourceNotFoundException({ message: `Identity not found: ${input.IdentityId}` }))
      }
      const identityUsage: IdentityUsage = {
        IdentityId: input.IdentityId,
        IdentityPoolId: input.IdentityPoolId,
        DatasetCount: usage.datasetCount,
        DataStorage: usage.dataStorage
      }
      return {
        IdentityUsage: usage.lastModifiedDate === undefined
          ? identityUsage
          : { ...identityUsage, LastModifiedDate: toDate(usage.lastModifiedDate) }
      } satisfies DescribeIdentityUsageOutput
    })
})
