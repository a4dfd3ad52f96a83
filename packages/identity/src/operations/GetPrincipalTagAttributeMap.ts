/**
 * GetPrincipalTagAttributeMap: the principal tags of a pool's login provider; one never set uses
 * the defaults (`UseDefaults: true`, no tags).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { poolOf } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { GetPrincipalTagAttributeMapInput, type GetPrincipalTagAttributeMapResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const GetPrincipalTagAttributeMap = operation({
  access: "developer",
  input: GetPrincipalTagAttributeMapInput,
  run: (services, input) =>
    Effect.map(poolOf(services, input.IdentityPoolId), (pool): GetPrincipalTagAttributeMapResponse => {
      const map = pool.PrincipalTagMaps?.[input.IdentityProviderName]
      return {
        IdentityPoolId: pool.IdentityPoolId,
        IdentityProviderName: input.IdentityProviderName,
        UseDefaults: map?.UseDefaults ?? true,
        PrincipalTags: map?.PrincipalTags ?? {}
      }
    })
})
