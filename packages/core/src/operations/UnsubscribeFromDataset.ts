/**
 * UnsubscribeFromDataset: the device is no longer told about changes to the dataset.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { ResourceNotFoundException } from "../CognitoSyncError.js"
import { operation } from "../internal/operation.js"
import { SubscriptionInput, subscriptionTarget } from "../internal/subscription.js"

/** @since 0.1.0 @category schemas */
export const UnsubscribeFromDatasetInput = SubscriptionInput
/** @since 0.1.0 @category models */
export type UnsubscribeFromDatasetInput = typeof UnsubscribeFromDatasetInput.Encoded

/** @since 0.1.0 @category models */
export type UnsubscribeFromDatasetOutput = { readonly [K in never]: never }

/** @since 0.1.0 @category operations */
export const UnsubscribeFromDataset = operation({
  access: "identity",
  input: UnsubscribeFromDatasetInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const ref = yield* subscriptionTarget(services, input)
      const outcome = yield* services.store.unsubscribe(ref, input.DeviceId)
      if (outcome === "UnknownDevice") {
        return yield* Effect.fail(new ResourceNotFoundException({ message: `Device not found: ${input.DeviceId}` }))
      }
      if (outcome === "NotSubscribed") {
        return yield* Effect.fail(
          new ResourceNotFoundException({ message: `Device ${input.DeviceId} is not subscribed to ${input.DatasetName}` })
        )
      }
      return {} satisfies UnsubscribeFromDatasetOutput
    })
})
