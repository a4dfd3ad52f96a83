import { Effect, Layer } from "effect"
import { PushHub, PushNotifier } from "@syncalite/core"
import { PushSuite } from "@syncalite/testing"

/**
 * The far side of the in-memory notifier: its log of deliveries, read from where a device started
 * listening to where it stopped. The log keeps everything, so a device that resumes reads on from
 * where its previous inbox stopped: the memory notifier replays.
 */
const memoryReceiver = Layer.effect(
  PushSuite.Receiver,
  Effect.map(PushNotifier.PushNotifierMemory, (memory) => {
    const ends = new WeakMap<PushSuite.Inbox, number>()
    return {
      listen: (recipient: PushSuite.Recipient, resume?: PushSuite.Inbox) =>
        Effect.gen(function*() {
          const start = resume === undefined ? (yield* memory.delivered).length : ends.get(resume)!
          let end: number | undefined
          const inbox: PushSuite.Inbox = {
            received: Effect.map(memory.delivered, (all) =>
              all.slice(start, end).filter((delivery) =>
                delivery.device.deviceId === recipient.deviceId
                && delivery.message.identityPoolId === recipient.identityPoolId
                && delivery.message.identityId === recipient.identityId
              ).map((delivery) => delivery.message))
          }
          yield* Effect.addFinalizer(() =>
            Effect.map(memory.delivered, (all) => {
              end = all.length
              ends.set(inbox, end)
            })
          )
          return inbox
        })
    }
  })
).pipe(Layer.provideMerge(PushNotifier.layerMemory))

PushSuite.run("PushNotifier.layerMemory", { make: memoryReceiver, delivery: { promise: "replay" } })

/** The memory hub serves the streams of its own process: the receiver attaches to the notifier's hub. */
PushSuite.run("PushHub.layerMemory", {
  make: Layer.unwrapEffect(Effect.map(PushHub.PushHub, (hub) => Layer.succeed(PushSuite.Receiver, PushSuite.hubReceiver(hub)))).pipe(
    Layer.provideMerge(PushHub.layerMemory())
  ),
  delivery: { promise: "replay" }
})
