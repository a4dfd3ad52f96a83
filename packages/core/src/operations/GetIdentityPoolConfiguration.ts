/**
 * GetIdentityPoolConfiguration: the push sync and Cognito Streams configuration of a pool.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import * as S from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { type PoolConfiguration, toConfiguration } from "../internal/poolConfiguration.js"

/** @since 0.1.0 @category schemas */
export const GetIdentityPoolConfigurationInput = Schema.Struct({ IdentityPoolId: S.IdentityPoolId })
/** @since 0.1.0 @category models */
export type GetIdentityPoolConfigurationInput = typeof GetIdentityPoolConfigurationInput.Encoded

/** @since 0.1.0 @category models */
export type GetIdentityPoolConfigurationOutput = PoolConfiguration

/** @since 0.1.0 @category operations */
export const GetIdentityPoolConfiguration = operation({
  access: "developer",
  input: GetIdentityPoolConfigurationInput,
  run: (services, input) =>
    Effect.map(services.store.readPool(input.IdentityPoolId), (pool): GetIdentityPoolConfigurationOutput =>
      toConfiguration(input.IdentityPoolId, pool))
})
