/**
 * ListIdentityPools: the pools in id order, a page at a time; a developer limited to some pools
 * sees those only.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { mayTouch, operation } from "../internal/operation.js"
import { afterToken, nextToken } from "../internal/pools.js"
import { ListIdentityPoolsInput, type ListIdentityPoolsResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const ListIdentityPools = operation({
  access: "developer",
  input: ListIdentityPoolsInput,
  run: (services, input, caller) =>
    Effect.gen(function*() {
      const after = yield* afterToken(input.NextToken)
      const page = yield* services.store.listPools(after, input.MaxResults)
      const last = page.items.at(-1)?.IdentityPoolId
      const output: ListIdentityPoolsResponse = {
        IdentityPools: page.items
          .filter((pool) => mayTouch(caller, pool.IdentityPoolId))
          .map((pool) => ({ IdentityPoolId: pool.IdentityPoolId, IdentityPoolName: pool.IdentityPoolName })),
        ...(page.more && last !== undefined ? { NextToken: nextToken(last) } : {})
      }
      return output
    })
})
