import { Cause, Duration, Effect, FiberId } from "effect"
import type { PushDelivery } from "../PushNotifier.js"
import type { DatasetRef, Device, PoolState } from "./storeModel.js"
import type { Services } from "./operation.js"
import { alarm } from "./alarm.js"
import { inOrder } from "./pushLines.js"

/** The pool's SNS platform application ARN for a platform (`arn:aws:sns:…:app/GCM/name`). */
export const applicationArnFor = (pool: PoolState, platform: string): string | undefined =>
  pool.pushSync?.ApplicationArns?.find((arn) => arn.split(":")[5]?.split("/")[1] === platform)

export const pushConfigured = (pool: PoolState): boolean => (pool.pushSync?.ApplicationArns?.length ?? 0) > 0

/**
 * `effect` in a fiber of its own, interrupted when it has not ended within `millis` on the
 * service's clock (a TimeoutException then), and when the caller is. The caller goes on at once
 * and the interrupted fiber ends on its own, as a write does not wait for a delivery it gave up on.
 */
const atMost = <E>(effect: Effect.Effect<void, E>, millis: number): Effect.Effect<void, E | Cause.TimeoutException> =>
  Effect.flatMap(Effect.forkDaemon(effect), (running) =>
    Effect.clockWith((clock) =>
      Effect.async<void, E | Cause.TimeoutException>((resume) => {
        let settled = false
        const settle = (outcome: Effect.Effect<void, E | Cause.TimeoutException>) => {
          if (settled) return
          settled = true
          cancel()
          resume(outcome)
        }
        const cancel = alarm(clock, Duration.millis(millis), () => {
          running.unsafeInterruptAsFork(FiberId.none)
          settle(Effect.fail(new Cause.TimeoutException()))
        })
        running.addObserver((exit) => settle(exit))
        return Effect.sync(() => {
          settled = true
          cancel()
          running.unsafeInterruptAsFork(FiberId.none)
        })
      })
    ))

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
    : atMost(inOrder(services.pushLines, ref, syncCount, Effect.suspend(() => services.push.notify(deliveries))), services.config.limits.pushWaitMillis).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("syncalite: push sync delivery failed", cause))
    )
}
