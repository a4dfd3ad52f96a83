/**
 * GetIdentityPoolRoles: the roles and role mappings of a pool, as stored.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { poolOf } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { GetIdentityPoolRolesInput, type GetIdentityPoolRolesResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const GetIdentityPoolRoles = operation({
  access: "developer",
  input: GetIdentityPoolRolesInput,
  run: (services, input) =>
    Effect.map(poolOf(services, input.IdentityPoolId), (pool): GetIdentityPoolRolesResponse => ({
      IdentityPoolId: pool.IdentityPoolId,
      Roles: pool.Roles ?? {},
      ...(pool.RoleMappings === undefined ? {} : { RoleMappings: pool.RoleMappings })
    }))
})
