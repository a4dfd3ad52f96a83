import { Context, Effect, Layer } from "effect"
import { StreamPublisher, SyncStore } from "@syncalite/core"
import { StreamSuite } from "@syncalite/testing"

/** The memory publisher, and how to read a stream back from it. */
const memoryPublisher = () =>
  Effect.runPromise(Effect.scoped(Effect.map(Layer.build(StreamPublisher.layerMemory), (context) => {
    const memory = Context.get(context, StreamPublisher.StreamPublisherMemory)
    return {
      publisher: Context.get(context, StreamPublisher.StreamPublisher),
      read: (streamName: string) =>
        Effect.map(memory.published, (all) => all.filter((entry) => entry.streamName === streamName).map((entry) => entry.record))
    }
  })))

StreamSuite.run("StreamPublisher.layerMemory", {
  make: async () => ({ store: SyncStore.fromDriver(SyncStore.memoryDriver()), ...(await memoryPublisher()) })
})

// one store and one publisher for the whole run, each instance a separate service, as separate processes
const driver = SyncStore.memoryDriver()
const shared = memoryPublisher()
StreamSuite.run("two services over one memory store and one memory publisher", {
  make: async () => ({ store: SyncStore.fromDriver(driver), ...(await shared) }),
  capabilities: { crossProcess: true }
})
