import { Duration, Effect } from "effect"
import type { PushDelivery } from "../PushNotifier.js"
import type { DatasetRef, PoolState } from "./storeModel.js"
import type { Services } from "./operation.js"
import { inOrder } from "./pushLines.js"

/** The pool's SNS platform application ARN for a platform (`arn:aws:sns:…:app/GCM/name`). */
export const applicationArnFor = (pool: PoolState, platform: string): string | undefined =>
  pool.pushSync?.ApplicationArns?.find((arn) => arn.split(":")[5]?.split("/")[1] === platform)

export const pushConfigured = (pool: PoolState): boolean => (pool.pushSync?.ApplicationArns?.length ?? 0) > 0

/**
 * Tells every device subscribed to the dataset, except the writer's, that it changed. The write
 * is already committed, so a delivery failure is logged, not returned, and the write waits for its
 * deliveries at most `pushWaitMillis`: a notifier still busy then is interrupted.
 */
export const notifySubscribers = (
  services: Services,
  ref: DatasetRef,
  pool: PoolState,
  writerDeviceId: string | undefined,
  syncCount: number
) =>
  pushConfigured(pool)
    ? inOrder(
      services.pushLines,
      ref,
      syncCount,
      Effect.flatMap(services.store.subscribers(ref), (devices) => {
        const deliveries = devices.filter((device) => device.deviceId !== writerDeviceId).map((device): PushDelivery => {
          const applicationArn = applicationArnFor(pool, device.platform)
          const message = {
            source: "cognito-sync",
            identityPoolId: ref.identityPoolId,
            identityId: ref.identityId,
            datasetName: ref.datasetName,
            syncCount: String(syncCount)
          } as const
          return applicationArn === undefined ? { device, message } : { device, applicationArn, message }
        })
        return deliveries.length === 0 ? Effect.void : services.push.notify(deliveries)
      })
    ).pipe(
      Effect.timeout(Duration.millis(services.config.limits.pushWaitMillis)),
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: push sync delivery failed", cause))
    )
    : Effect.void
