/**
 * DescribeIdentity: an identity's login providers and dates.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { describe } from "../internal/description.js"
import { notFound } from "../internal/identities.js"
import { mayTouch, operation } from "../internal/operation.js"
import { DescribeIdentityInput } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const DescribeIdentity = operation({
  access: "developer",
  input: DescribeIdentityInput,
  run: (services, input, caller) =>
    Effect.flatMap(services.store.readIdentity(input.IdentityId), (identity) =>
      identity === undefined || !mayTouch(caller, identity.identityPoolId)
        ? Effect.fail(notFound("Identity", input.IdentityId))
        : Effect.succeed(describe(identity)))
})
