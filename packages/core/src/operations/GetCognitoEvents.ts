/**
 * GetCognitoEvents: the events (the sync trigger) configured for a pool.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import * as S from "../Shapes.js"
import { operation } from "../internal/operation.js"

/** @since 0.1.0 @category schemas */
export const GetCognitoEventsInput = Schema.Struct({ IdentityPoolId: S.IdentityPoolId })
/** @since 0.1.0 @category models */
export type GetCognitoEventsInput = typeof GetCognitoEventsInput.Encoded

/** @since 0.1.0 @category models */
export interface GetCognitoEventsOutput {
  readonly Events: { readonly [eventType: string]: string }
}

/** @since 0.1.0 @category operations */
export const GetCognitoEvents = operation({
  access: "developer",
  input: GetCognitoEventsInput,
  run: (services, input) =>
    Effect.map(services.store.readPool(input.IdentityPoolId), (pool): GetCognitoEventsOutput => ({
      Events: pool.events
    }))
})
