/**
 * The webhook notifier on PushSuite: a real local endpoint verifies each delivery's signature
 * and accepts it (204), and its accepted deliveries are the devices' inboxes. A disruption
 * answers 503 for 300 ms, as a restarting endpoint behind a proxy would; the notifier promises
 * at-least-once.
 */
import { Context, Effect, Layer } from "effect"
import { Webhook } from "standardwebhooks"
import { PushSuite } from "@syncalite/testing"
import { WebhookPushNotifier } from "@syncalite/webhooks"
import { listen, secret } from "./services.js"

class Disruption extends Context.Tag("Disruption")<Disruption, { readonly disrupt: Effect.Effect<void> }>() {}

const options = { secret, timeout: "1 second", retries: 6, backoff: "50 millis" } as const

/** An endpoint that accepts signed deliveries; what it accepted, and how to disrupt it. */
const endpoint = Effect.gen(function*() {
  const webhook = new Webhook(secret)
  const accepted: Array<WebhookPushNotifier.WebhookDelivery> = []
  let refusingUntil = 0
  const service = yield* listen((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      if (Date.now() < refusingUntil) return void response.writeHead(503).end()
      accepted.push(webhook.verify(Buffer.concat(chunks), request.headers as Record<string, string>) as WebhookPushNotifier.WebhookDelivery)
      response.writeHead(204).end()
    })
  })
  return { ...service, accepted, disrupt: () => void (refusingUntil = Date.now() + 300) }
})

const make = Layer.unwrapScoped(Effect.gen(function*() {
  const target = yield* endpoint
  const receiver: PushSuite.ReceiverShape = {
    listen: (recipient) =>
      Effect.gen(function*() {
        const start = target.accepted.length
        let end: number | undefined
        yield* Effect.addFinalizer(() => Effect.sync(() => void (end = target.accepted.length)))
        return {
          received: Effect.sync(() =>
            target.accepted.slice(start, end).filter((delivery) =>
              delivery.device.deviceId === recipient.deviceId
              && delivery.message.identityPoolId === recipient.identityPoolId
              && delivery.message.identityId === recipient.identityId
            ).map((delivery) => delivery.message))
        }
      })
  }
  return Layer.mergeAll(
    WebhookPushNotifier.layer({ url: `${target.url}/push`, ...options }),
    Layer.succeed(PushSuite.Receiver, receiver),
    Layer.succeed(Disruption, { disrupt: Effect.sync(target.disrupt) })
  )
}))

/** Pointed at an endpoint that never answers. */
const broken = Layer.unwrapScoped(Effect.map(
  listen(() => undefined),
  (silent) => WebhookPushNotifier.layer({ url: silent.url, ...options })
))

PushSuite.run("WebhookPushNotifier", {
  make,
  broken,
  delivery: { promise: "at-least-once", disrupt: Effect.flatMap(Disruption, (disruption) => disruption.disrupt) }
})
