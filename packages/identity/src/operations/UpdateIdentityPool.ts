/**
 * UpdateIdentityPool: replaces a pool's configuration; its roles, role mappings and principal-tag
 * maps stay, and its developer provider name, once set, cannot change.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import { InvalidParameterException } from "../CognitoIdentityError.js"
import { notFound } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { publicPool } from "../internal/pools.js"
import { IdentityPool } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const UpdateIdentityPool = operation({
  access: "developer",
  input: IdentityPool,
  run: (services, input) =>
    Effect.flatMap(
      services.store.updatePool(input.IdentityPoolId, (pool) => {
        if (pool.DeveloperProviderName !== undefined && input.DeveloperProviderName !== pool.DeveloperProviderName) {
          return Either.left(new InvalidParameterException({ message: "The developer provider name of an identity pool cannot change once set." }))
        }
        const { PrincipalTagMaps, RoleMappings, Roles } = pool
        return Either.right({
          ...input,
          ...(Roles === undefined ? {} : { Roles }),
          ...(RoleMappings === undefined ? {} : { RoleMappings }),
          ...(PrincipalTagMaps === undefined ? {} : { PrincipalTagMaps })
        })
      }),
      (pool) => pool === undefined ? Effect.fail(notFound("IdentityPool", input.IdentityPoolId)) : Effect.succeed(publicPool(pool))
    )
})
