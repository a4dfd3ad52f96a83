/**
 * DeleteIdentityPool: removes a pool; its identities can no longer get credentials.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { notFound } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { DeleteIdentityPoolInput } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const DeleteIdentityPool = operation({
  access: "developer",
  input: DeleteIdentityPoolInput,
  run: (services, input) =>
    Effect.flatMap(services.store.deletePool(input.IdentityPoolId), (deleted) =>
      deleted ? Effect.succeed({}) : Effect.fail(notFound("IdentityPool", input.IdentityPoolId)))
})
