/**
 * ListTagsForResource: the tags of the pool an ARN names.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { poolOf } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { taggedPool } from "../internal/tags.js"
import { ListTagsForResourceInput, type ListTagsForResourceResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const ListTagsForResource = operation({
  access: "developer",
  input: ListTagsForResourceInput,
  run: (services, input, caller) =>
    Effect.map(
      Effect.flatMap(taggedPool(caller, input.ResourceArn), (identityPoolId) => poolOf(services, identityPoolId)),
      (pool): ListTagsForResourceResponse => ({ Tags: pool.IdentityPoolTags ?? {} })
    )
})
