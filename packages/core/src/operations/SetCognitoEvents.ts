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
  // a map with string keys checked as a whole: a Literal key would make it a struct whose entry
  // is required and whose other keys are silently dropped
  Events: Schema.Record({ key: S.PlainString, value: S.PlainString }).pipe(
    Schema.filter((events) => Object.keys(events).length <= 1, {
      message: () => "Member must have length less than or equal to 1"
    }),
    Schema.filter((events) => Object.keys(events).every((eventType) => (eventTypes as ReadonlyArray<string>).includes(eventType)), {
      message: () => `Member must have keys satisfying enum value set: [${eventTypes.join(", ")}]`
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
      yield* services.pools.update(input.IdentityPoolId, (state) => {
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
