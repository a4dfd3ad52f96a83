/**
 * SetIdentityPoolRoles: stores a pool's roles and role mappings. syncalite issues its own
 * credentials and assumes no role; it keeps them for the application, checking what AWS checks
 * of a mapping: `AmbiguousRoleResolution` always, `RulesConfiguration` for the `Rules` type.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import { InvalidParameterException } from "../CognitoIdentityError.js"
import { notFound } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { SetIdentityPoolRolesInput } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const SetIdentityPoolRoles = operation({
  access: "developer",
  input: SetIdentityPoolRolesInput,
  run: (services, input) => Effect.gen(function*() {
    for (const [provider, mapping] of Object.entries(input.RoleMappings ?? {})) {
      if (mapping.AmbiguousRoleResolution === undefined) {
        return yield* Effect.fail(new InvalidParameterException({ message: `AmbiguousRoleResolution is required for the role mapping of ${provider}` }))
      }
      if (mapping.Type === "Rules" && mapping.RulesConfiguration === undefined) {
        return yield* Effect.fail(new InvalidParameterException({ message: `RulesConfiguration is required for the Rules role mapping of ${provider}` }))
      }
    }
    const pool = yield* services.store.updatePool(input.IdentityPoolId, (pool) => {
      const { RoleMappings: _mappings, ...rest } = pool
      return Either.right({
        ...rest,
        Roles: input.Roles,
        ...(input.RoleMappings === undefined ? {} : { RoleMappings: input.RoleMappings })
      })
    })
    if (pool === undefined) return yield* Effect.fail(notFound("IdentityPool", input.IdentityPoolId))
    return {}
  })
})
