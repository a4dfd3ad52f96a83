/**
 * SetPrincipalTagAttributeMap: stores the principal tags of a pool's login provider.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import { notFound } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { SetPrincipalTagAttributeMapInput, type SetPrincipalTagAttributeMapResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const SetPrincipalTagAttributeMap = operation({
  access: "developer",
  input: SetPrincipalTagAttributeMapInput,
  run: (services, input) => {
    const map = {
      UseDefaults: input.UseDefaults ?? false,
      ...(input.PrincipalTags === undefined ? {} : { PrincipalTags: input.PrincipalTags })
    }
    return Effect.flatMap(
      services.store.updatePool(input.IdentityPoolId, (pool) =>
        Either.right({ ...pool, PrincipalTagMaps: { ...pool.PrincipalTagMaps, [input.IdentityProviderName]: map } })),
      (pool): Effect.Effect<SetPrincipalTagAttributeMapResponse, ReturnType<typeof notFound>> =>
        pool === undefined
          ? Effect.fail(notFound("IdentityPool", input.IdentityPoolId))
          : Effect.succeed({ IdentityPoolId: input.IdentityPoolId, IdentityProviderName: input.IdentityProviderName, ...map })
    )
  }
})
