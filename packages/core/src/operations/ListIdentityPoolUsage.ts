/**
 * ListIdentityPoolUsage: the usage of every identity pool the caller may see, a page at a time.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { InvalidParameterException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { IdentityPoolUsage } from "../Shapes.js"
import type { PoolUsage } from "../SyncStore.js"
import { operation, type Services } from "../internal/operation.js"
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

/**
 * A page of the pools a restricted developer may see, in id order: full pages of those pools,
 * not pages of all pools filtered down (which could come out empty yet carry a NextToken).
 */
const visiblePools = (services: Services, visible: ReadonlyArray<string>, after: string | undefined, limit: number) =>
  Effect.gen(function*() {
    const candidates = [...new Set(visible)].filter((id) => after === undefined || id > after).sort()
    const pools: Array<PoolUsage> = []
    for (const id of candidates) {
      const usage = yield* services.store.poolUsage(id)
      if (usage === undefined) continue
      // one visible pool past the page: there is a next page
      if (pools.length === limit) return { pools, more: true }
      pools.push(usage)
    }
    return { pools, more: false }
  })

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
      yield* services.sessions.flush
      const { more, pools } = visible === undefined
        ? yield* services.store.listPoolUsage(after, limit)
        : yield* visiblePools(services, visible, after, limit)
      const output: ListIdentityPoolUsageOutput = {
        IdentityPoolUsages: pools.map(toPoolUsage),
        MaxResults: limit,
        Count: pools.length
      }
      return more
        ? { ...output, NextToken: sealPage(services.secret, listing, pools[pools.length - 1]!.identityPoolId) }
        : output
    })
})
