/**
 * SubscribeToDataset: a registered device will be told when another device changes the dataset.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { ResourceNotFoundException } from "../CognitoSyncError.js"
import { operation } from "../internal/operation.js"
import { SubscriptionInput, subscriptionTarget } from "../internal/subscription.js"

/** @since 0.1.0 @category schemas */
export const SubscribeToDatasetInput = SubscriptionInput
/** @since 0.1.0 @category models */
export type SubscribeToDatasetInput = typeof SubscribeToDatasetInput.Encoded

/** @since 0.1.0 @category models */
export type SubscribeToDatasetOutput = { readonly [K in never]: never }

/** @since 0.1.0 @category operations */
export const SubscribeToDataset = operation({
  access: "identity",
  input: SubscribeToDatasetInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const ref = yield* subscriptionTarget(services, input)
      const view = yield* services.store.readDataset(ref, { since: 0, limit: 0 })
      if (view.head?.exists !== true) {
        return yield* Effect.fail(new ResourceNotFoundException({ message: `Dataset not found: ${input.DatasetName}` }))
      }
      if (!(yield* services.store.subscribe(ref, input.DeviceId))) {
        return yield* Effect.fail(new ResourceNotFoundException({ message: `Device not found: ${input.DeviceId}` }))
      }
      return {} satisfies SubscribeToDatasetOutput
    })
})
