import { Effect, Layer } from "effect"
import { describe } from "vitest"
import { MqttPushNotifier } from "@syncalite/mqtt"
import { PushSuite, Services } from "@syncalite/testing"
import * as Link from "./link.js"
import * as Receiver from "./receiver.js"

const broker = await Services.check("mqtt")

describe.skipIf(!broker.available)("on the MQTT broker", () => {
  // the notifier reaches the broker through a link the suite may cut; its receivers, directly
  const notifier = Layer.unwrapEffect(Effect.map(Link.Link, (link) =>
    MqttPushNotifier.layer({ url: link.url, client: { reconnectPeriod: 100 } })))

  PushSuite.run("MqttPushNotifier", {
    make: Layer.mergeAll(notifier, Receiver.layer(broker.url)).pipe(Layer.provideMerge(Link.layer(broker.url))),
    delivery: { promise: "at-least-once", disrupt: Effect.flatMap(Link.Link, (link) => link.cut) },
    // connected, then the broker stops answering: publishes are never acknowledged
    broken: Layer.unwrapScoped(Effect.gen(function*() {
      const link = yield* Link.Link
      const context = yield* Layer.build(MqttPushNotifier.layer({ url: link.url }))
      yield* link.stall
      return Layer.succeedContext(context)
    })).pipe(Layer.provide(Link.layer(broker.url)))
  })
})
