/**
 * SetCognitoEvents: sets or (with an empty ARN) removes the sync trigger of a pool. Only the
 * event types given change.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Either, Schema } from "effect"
import * as S from "../Shapes.js"
import { operation } from "../internal/operation.js"

const eventTypes = ["SyncTrigger"] as const

/** @since 0.1.0 @category schemas */
export const SetCognitoEventsInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  Events: Schema.Record({
    key: Schema.Literal(...eventTypes).annotations({
      message: () => `Member must satisfy enum value set: [${eventTypes.join(", ")}]`
    }),
    value: S.PlainString
  }).pipe(
    Schema.filter((events) => Object.keys(events).length <= 1, {
      message: () => "Member must have length less than or equal to 1"
    })
  )
})
/** @since 0.1.0 @category models */
export type SetCognitoEventsInput = typeof SetCognitoEventsInput.Encoded

/** @since 0.1.0 @category models */
export type SetCognitoEventsOutput = { readonly [K in never]: never }

/** @since 0.1.0 @category operations */
export const SetCognitoEvents = operation({
  access: "developer",
  input: SetCognitoEventsInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      yield* services.store.updatePool(input.IdentityPoolId, (state) => {
        const events: { [eventType: string]: string } = { ...state.events }
        for (const [eventType, arn] of Object.entries(input.Events)) {
          if (arn === "") delete events[eventType]
          else events[eventType] = arn
        }
        return Either.right({ ...state, events, lastModifiedDate: now })
      })
      return {} satisfies SetCognitoEventsOutput
    })
})
