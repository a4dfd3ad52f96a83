/**
 * TagResource: adds tags to the pool an ARN names, replacing the values of keys it had.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { operation } from "../internal/operation.js"
import { changeTags } from "../internal/tags.js"
import { TagResourceInput, type TagResourceResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const TagResource = operation({
  access: "developer",
  input: TagResourceInput,
  run: (services, input, caller) =>
    Effect.as(changeTags(services, caller, input.ResourceArn, (tags) => ({ ...tags, ...input.Tags })), {} satisfies TagResourceResponse)
})
