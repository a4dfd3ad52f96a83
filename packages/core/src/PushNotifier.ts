/**
 * Push sync: the silent notification sent to the other devices subscribed to a dataset after a
 * successful write (SPEC B §8). The application delivers it (SNS, APNs, FCM, a websocket…).
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option, Ref } from "effect"
import type { Device } from "./SyncStore.js"

/**
 * The data payload of a push-sync notification, exactly as the service sent it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushMessage {
  readonly source: "cognito-sync"
  readonly identityPoolId: string
  readonly identityId: string
  readonly datasetName: string
  readonly syncCount: string
}

/**
 * One notification for one device.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushDelivery {
  readonly device: Device
  /** the pool's SNS platform application ARN for the device's platform, when configured */
  readonly applicationArn?: string
  readonly message: PushMessage
}

/**
 * A transport of notifications. `notify` is called after each write with its deliveries, one
 * dataset's in sync-count order; the write waits for it at most `limits.pushWaitMillis`, then
 * interrupts it and answers, so a transport that must retry keeps a queue of its own.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushNotifierShape {
  readonly notify: (deliveries: ReadonlyArray<PushDelivery>) => Effect.Effect<void, unknown>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class PushNotifier extends Context.Tag("@syncalite/core/PushNotifier")<PushNotifier, PushNotifierShape>() {}

/**
 * The deliveries made through `layerMemory`, for tests.
 *
 * @since 0.1.0
 * @category tags
 */
export class PushNotifierMemory extends Context.Tag("@syncalite/core/PushNotifierMemory")<
  PushNotifierMemory,
  { readonly delivered: Effect.Effect<ReadonlyArray<PushDelivery>> }
>() {}

/**
 * Discards every notification.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNoop: Layer.Layer<PushNotifier> = Layer.succeed(PushNotifier, { notify: () => Effect.void })

/**
 * Keeps every delivery in memory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<PushNotifier | PushNotifierMemory> = Layer.effectContext(
  Effect.map(Ref.make<ReadonlyArray<PushDelivery>>([]), (ref) =>
    Context.make(PushNotifier, {
      notify: (deliveries) => Ref.update(ref, (all) => [...all, ...deliveries])
    }).pipe(Context.add(PushNotifierMemory, { delivered: Ref.get(ref) })))
)

/**
 * A notifier that hands every delivery to an application function.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFunction = (deliver: (delivery: PushDelivery) => void | Promise<void>): PushNotifierShape => ({
  notify: (deliveries) =>
    Effect.forEach(deliveries, (delivery) => Effect.tryPromise({ try: async () => deliver(delivery), catch: (error) => error }), {
      discard: true
    })
})

/**
 * A notifier that hands every delivery to each of `notifiers`, all of them whatever becomes of
 * the others; it fails with the first failure when one failed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const all = (notifiers: ReadonlyArray<PushNotifierShape>): PushNotifierShape => ({
  notify: (deliveries) =>
    Effect.all(notifiers.map((notifier) => notifier.notify(deliveries)), { discard: true, mode: "validate" }).pipe(
      // the first notifier's failure, as a notifier alone fails, rather than one option per notifier
      Effect.mapError((failures) => failures.find(Option.isSome)?.value)
    )
})

/**
 * Hands every delivery to an application function.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFunction = (deliver: (delivery: PushDelivery) => void | Promise<void>): Layer.Layer<PushNotifier> =>
  Layer.succeed(PushNotifier, fromFunction(deliver))
