/**
 * DescribeIdentityPoolUsage: sync sessions and bytes stored of one identity pool.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { ResourceNotFoundException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { IdentityPoolUsage } from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { toPoolUsage } from "../internal/poolUsage.js"

/** @since 0.1.0 @category schemas */
export const DescribeIdentityPoolUsageInput = Schema.Struct({ IdentityPoolId: S.IdentityPoolId })
/** @since 0.1.0 @category models */
export type DescribeIdentityPoolUsageInput = typeof DescribeIdentityPoolUsageInput.Encoded

/** @since 0.1.0 @category models */
export interface DescribeIdentityPoolUsageOutput {
  readonly IdentityPoolUsage: IdentityPoolUsage
}

/** @since 0.1.0 @category operations */
export const DescribeIdentityPoolUsage = operation({
  access: "developer",
  input: DescribeIdentityPoolUsageInput,
  run: (services, input) =>
    Effect.gen(function*() {
      yield* services.sessions.flush
      const usage = yield* services.store.poolUsage(input.IdentityPoolId)
      if (usage === undefined) {
        return yield* Effect.fail(
          new ResourceNotFoundException({ message: `Identity pool not found: ${input.IdentityPoolId}` })
        )
      }
      return { IdentityPoolUsage: toPoolUsage(usage) } satisfies DescribeIdentityPoolUsageOutput
    })
})
