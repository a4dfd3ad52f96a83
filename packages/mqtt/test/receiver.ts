import { Effect, Layer } from "effect"
import { connectAsync } from "mqtt"
import { MqttPushNotifier } from "@syncalite/mqtt"
import { PushSuite } from "@syncalite/testing"

/** Subscribers on the broker itself, each to one device's topic, QoS 1, as a device would. */
export const layer = (brokerUrl: string, prefix = "syncalite"): Layer.Layer<PushSuite.Receiver> =>
  Layer.succeed(PushSuite.Receiver, {
    listen: (recipient) =>
      Effect.gen(function*() {
        const received: Array<unknown> = []
        const client = yield* Effect.acquireRelease(
          Effect.promise(() => connectAsync(brokerUrl, { reconnectPeriod: 0 })),
          (client) => Effect.promise(() => client.endAsync(true))
        )
        client.on("message", (_topic, payload) => {
          received.push(JSON.parse(payload.toString("utf8")))
        })
        yield* Effect.promise(() => client.subscribeAsync(MqttPushNotifier.topic(prefix, recipient), { qos: 1 }))
        return { received: Effect.sync(() => [...received]) }
      })
  })
