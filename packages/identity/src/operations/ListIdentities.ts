/**
 * ListIdentities: a pool's identities in id order, a page at a time, disabled ones left out
 * with `HideDisabled`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { describe } from "../internal/description.js"
import { poolOf } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { afterToken, nextToken } from "../internal/pools.js"
import { ListIdentitiesInput, type ListIdentitiesResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const ListIdentities = operation({
  access: "developer",
  input: ListIdentitiesInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const after = yield* afterToken(input.NextToken)
      const pool = yield* poolOf(services, input.IdentityPoolId)
      const page = yield* services.store.listIdentities(pool.IdentityPoolId, after, input.MaxResults)
      const last = page.items.at(-1)?.identityId
      return {
        IdentityPoolId: pool.IdentityPoolId,
        Identities: page.items.filter((identity) => !(input.HideDisabled === true && identity.disabled)).map(describe),
        ...(page.more && last !== undefined ? { NextToken: nextToken(last) } : {})
      } satisfies ListIdentitiesResponse
    })
})
