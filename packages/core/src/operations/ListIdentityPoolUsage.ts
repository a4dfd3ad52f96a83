/**
 * ListIdentityPoolUsage: the usage of every identity pool the caller may see, a page at a time.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { InvalidParameterException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { IdentityPoolUsage } from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { sealPage, unsealPage } from "../internal/pageToken.js"
import { toPoolUsage } from "../internal/poolUsage.js"

/** @since 0.1.0 @category schemas */
export const ListIdentityPoolUsageInput = Schema.Struct({
  NextToken: S.optional(S.PlainString),
  MaxResults: S.optional(S.MaxResults)
})
/** @since 0.1.0 @category models */
export type ListIdentityPoolUsageInput = typeof ListIdentityPoolUsageInput.Encoded

/** @since 0.1.0 @category models */
export interface ListIdentityPoolUsageOutput {
  readonly IdentityPoolUsages: ReadonlyArray<IdentityPoolUsage>
  readonly MaxResults: number
  readonly Count: number
  readonly NextToken?: string
}

const listing = ["pools"]

/** @since 0.1.0 @category operations */
export const ListIdentityPoolUsage = operation({
  access: "developer",
  poolScoped: false,
  input: ListIdentityPoolUsageInput,
  run: (services, input, caller) =>
    Effect.gen(function*() {
      const after = input.NextToken === undefined ? undefined : yield* Effect.filterOrFail(
        unsealPage(services.secret, listing, input.NextToken),
        (cursor): cursor is string => typeof cursor === "string",
        () => new InvalidParameterException({ message: "The NextToken is not valid for this request" })
      )
      const limit = Math.min(input.MaxResults ?? services.config.limits.maxPoolsPerPage, services.config.limits.maxPoolsPerPage)
      const visible = caller.kind === "developer" ? caller.pools : undefined
      const { more, pools } = yield* services.store.listPoolUsage(after, limit)
      const page = visible === undefined ? pools : pools.filter((pool) => visible.includes(pool.identityPoolId))
      const output: ListIdentityPoolUsageOutput = {
        IdentityPoolUsages: page.map(toPoolUsage),
        MaxResults: limit,
        Count: page.length
      }
      return more
        ? { ...output, NextToken: sealPage(services.secret, listing, pools[pools.length - 1]!.identityPoolId) }
        : output
    })
})
