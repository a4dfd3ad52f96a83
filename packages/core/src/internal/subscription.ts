import { Effect, Schema } from "effect"
import { InvalidConfigurationException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { Services } from "./operation.js"
import { datasetRef } from "./output.js"
import { pushConfigured } from "./push.js"

export const SubscriptionInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId,
  DatasetName: S.DatasetName,
  DeviceId: S.DeviceId
})

/** The dataset of a (un)subscription, once push sync is known to be configured for its pool. */
export const subscriptionTarget = (services: Services, input: typeof SubscriptionInput.Type) =>
  Effect.gen(function*() {
    const pool = yield* services.store.readPool(input.IdentityPoolId)
    if (!pushConfigured(pool)) {
      return yield* Effect.fail(
        new InvalidConfigurationException({ message: "Push sync is not configured for this identity pool" })
      )
    }
    return datasetRef(input)
  })
