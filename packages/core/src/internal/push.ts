import { Duration, Effect } from "effect"
import type { PushDelivery } from "../PushNotifier.js"
import type { DatasetRef, Device, PoolState } from "./storeModel.js"
import type { Services } from "./operation.js"
import { inOrder } from "./pushLines.js"

/** The pool's SNS platform application ARN for a platform (`arn:aws:sns:…:app/GCM/name`). */
export const applicationArnFor = (pool: PoolState, platform: string): string | undefined =>
  pool.pushSync?.ApplicationArns?.find((arn) => arn.split(":")[5]?.split("/")[1] === platform)

export const pushConfigured = (pool: PoolState): boolean => (pool.pushSync?.ApplicationArns?.length ?? 0) > 0

/**
 * Tells the devices subscribed to the dataset (as the commit answered them, none when the pool
 * has no push sync), except the writer's, that it changed. The write is already committed, so a
 * delivery failure is logged, not returned, and the write waits for its deliveries at most
 * `pushWaitMillis`: a notifier still busy then is interrupted. Undefined when there is no device
 * to tell, so that the write takes no step for it.
 */
export const notifySubscribers = (
  services: Services,
  ref: DatasetRef,
  pool: PoolState,
  subscribers: ReadonlyArray<Device>,
  writerDeviceId: string | undefined,
  syncCount: number
): Effect.Effect<void> | undefined => {
  if (subscribers.length === 0) return undefined
  // one message for all the devices, so that a notifier sends it once for them all
  const message = {
    source: "cognito-sync",
    identityPoolId: ref.identityPoolId,
    identityId: ref.identityId,
    datasetName: ref.datasetName,
    syncCount: String(syncCount)
  } as const
  const deliveries = subscribers.filter((device) => device.deviceId !== writerDeviceId).map((device): PushDelivery => {
    const applicationArn = applicationArnFor(pool, device.platform)
    return applicationArn === undefined ? { device, message } : { device, applicationArn, message }
  })
  // suspended, so that a notifier throwing as it is called fails the delivery, not the write
  return deliveries.length === 0
    ? undefined
    : inOrder(services.pushLines, ref, syncCount, Effect.suspend(() => services.push.notify(deliveries))).pipe(
      Effect.timeout(Duration.millis(services.config.limits.pushWaitMillis)),
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: push sync delivery failed", cause))
    )
}
