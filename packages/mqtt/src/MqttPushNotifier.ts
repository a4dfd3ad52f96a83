/**
 * Push sync over MQTT: each notification is published, QoS 1, to its device's own topic
 * `<prefix>/<IdentityPoolId>/<IdentityId>/<DeviceId>` as the SPEC B §8 payload in JSON
 * (`{"source":"cognito-sync","identityPoolId":…,"identityId":…,"datasetName":…,"syncCount":"12"}`).
 * A device (or a bridge to FCM, APNs, SNS) subscribes to its topic.
 *
 * Delivery is at least once while this process lives: a notification the broker has not
 * acknowledged is kept in memory (up to `maxPending`) and sent again after a reconnect, so a
 * subscriber may get it twice; nothing is retained, and a device hears only while it is
 * subscribed (or, with a persistent session, what the broker kept for it).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { CognitoSync, CognitoSyncConfig, StreamPublisher, SyncStore, SyncTrigger } from "@syncalite/core"
 * import { MqttPushNotifier } from "@syncalite/mqtt"
 *
 * const sync = CognitoSync.layer.pipe(Layer.provide(Layer.mergeAll(
 *   SyncStore.layerMemory,
 *   MqttPushNotifier.layer({ url: "mqtt://127.0.0.1:1883" }),
 *   StreamPublisher.layerNoop,
 *   SyncTrigger.layerNoop,
 *   CognitoSyncConfig.layerFromEnv
 * )))
 * // a device subscribes to syncalite/<IdentityPoolId>/<IdentityId>/<DeviceId>
 * ```
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Runtime, Schema, type Scope } from "effect"
import { connect, type IClientOptions, type MqttClient } from "mqtt"
import { PushNotifier } from "@syncalite/core"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** the broker: `mqtt://`, `mqtts://`, `ws://` or `wss://`; `mqtt://127.0.0.1:1883` by default */
  readonly url?: string
  /** options of the `mqtt` client: credentials, TLS, client id, reconnect period… */
  readonly client?: IClientOptions
  /** the first level of every topic; "syncalite" by default */
  readonly prefix?: string
  /** how long building the notifier waits for the broker; 5 seconds by default */
  readonly connectTimeout?: Duration.DurationInput
  /** notifications awaiting the broker's acknowledgement past which a new one is refused; 10 000 by default */
  readonly maxPending?: number
}

/**
 * The broker did not accept the connection in time.
 *
 * @since 0.1.0
 * @category errors
 */
export class MqttConnectError extends Schema.TaggedError<MqttConnectError>()("MqttConnectError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * A notification the broker did not take: refused by it, or by the `maxPending` bound.
 *
 * @since 0.1.0
 * @category errors
 */
export class MqttPublishError extends Schema.TaggedError<MqttPublishError>()("MqttPublishError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * The notifier, with the client it publishes through.
 *
 * @since 0.1.0
 * @category models
 */
export interface MqttPushNotifierShape extends PushNotifier.PushNotifierShape {
  readonly notify: (deliveries: ReadonlyArray<PushNotifier.PushDelivery>) => Effect.Effect<void, MqttPublishError>
  readonly client: MqttClient
  readonly prefix: string
}

/**
 * @since 0.1.0
 * @category tags
 */
export class MqttPushNotifier extends Context.Tag("@syncalite/mqtt/MqttPushNotifier")<
  MqttPushNotifier,
  MqttPushNotifierShape
>() {}

/**
 * The broker of a local install.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultUrl = "mqtt://127.0.0.1:1883"

/**
 * The topic of a device's notifications.
 *
 * @since 0.1.0
 * @category utils
 */
export const topic = (
  prefix: string,
  device: { readonly identityPoolId: string; readonly identityId: string; readonly deviceId: string }
): string => `${prefix}/${device.identityPoolId}/${device.identityId}/${device.deviceId}`

/** The broker's URL without its password, for messages. */
const shown = (url: string): string => url.replace(/(\/\/[^:/@]*:)[^@/]*@/, "$1****@")

/**
 * Connects to the broker (failing with `MqttConnectError` when it does not answer within
 * `connectTimeout`) and publishes through it until the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<MqttPushNotifierShape, MqttConnectError, Scope.Scope> =>
  Effect.gen(function*() {
    const url = options.url ?? defaultUrl
    const prefix = options.prefix ?? "syncalite"
    const maxPending = options.maxPending ?? 10_000
    const connectTimeout = Duration.decode(options.connectTimeout ?? Duration.seconds(5))
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => connect(url, { connectTimeout: Duration.toMillis(connectTimeout), ...options.client })),
      (client) =>
        Effect.promise(() => client.endAsync()).pipe(
          // a release is uninterruptible: without this, a broker that never acknowledges would hold it forever
          Effect.interruptible,
          Effect.timeout(Duration.seconds(2)),
          Effect.orElse(() => Effect.promise(() => client.endAsync(true)))
        )
    )
    let lastError: Error | undefined
    client.on("error", (error) => {
      lastError = error
    })
    yield* Effect.async<void>((resume) => {
      const connected = () => resume(Effect.void)
      if (client.connected) return connected()
      client.once("connect", connected)
      return Effect.sync(() => client.off("connect", connected))
    }).pipe(Effect.timeoutFail({
      duration: connectTimeout,
      onTimeout: () =>
        new MqttConnectError({
          message: `The MQTT broker at ${shown(url)} did not accept a connection within ${Duration.format(connectTimeout)}${
            lastError === undefined ? "" : `: ${lastError.message}`
          }`,
          cause: lastError
        })
    }))
    client.on("offline", () => {
      runFork(Effect.logWarning(`syncalite: the MQTT broker at ${shown(url)} is unreachable; notifications wait for it`))
    })

    let pending = 0
    // one callback per publish, no fiber each: a write to a dataset of many devices publishes many at once
    const publish = (deliveries: ReadonlyArray<PushNotifier.PushDelivery>) =>
      Effect.async<void, MqttPublishError>((resume) => {
        let unanswered = deliveries.length
        let failure: MqttPublishError | undefined
        const answered = () => {
          unanswered -= 1
          if (unanswered === 0) resume(failure === undefined ? Effect.void : Effect.fail(failure))
        }
        for (const delivery of deliveries) {
          if (pending >= maxPending) {
            failure = new MqttPublishError({ message: `${pending} notifications await the MQTT broker; this one is dropped` })
            answered()
            continue
          }
          pending += 1
          const to = topic(prefix, { ...delivery.message, deviceId: delivery.device.deviceId })
          // once handed over, a notification stays with the client until acknowledged, even when its caller stops waiting
          client.publish(to, JSON.stringify(delivery.message), { qos: 1 }, (error) => {
            pending -= 1
            if (error != null) failure = new MqttPublishError({ message: error.message, cause: error })
            answered()
          })
        }
      })
    return {
      client,
      prefix,
      notify: (deliveries) => deliveries.length === 0 ? Effect.void : publish(deliveries)
    }
  })

/**
 * The notifier as both its own tag and the `PushNotifier` port.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<MqttPushNotifier | PushNotifier.PushNotifier, MqttConnectError> =>
  Layer.scopedContext(Effect.map(make(options), (notifier) =>
    Context.make(MqttPushNotifier, notifier).pipe(Context.add(PushNotifier.PushNotifier, notifier))))
