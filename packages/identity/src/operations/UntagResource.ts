/**
 * UntagResource: removes tags from the pool an ARN names.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { operation } from "../internal/operation.js"
import { changeTags } from "../internal/tags.js"
import { UntagResourceInput, type UntagResourceResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const UntagResource = operation({
  access: "developer",
  input: UntagResourceInput,
  run: (services, input, caller) =>
    Effect.as(
      changeTags(services, caller, input.ResourceArn, (tags) =>
        Object.fromEntries(Object.entries(tags).filter(([key]) => !input.TagKeys.includes(key)))),
      {} satisfies UntagResourceResponse
    )
})
