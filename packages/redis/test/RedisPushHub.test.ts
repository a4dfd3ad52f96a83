/**
 * The push hub over Redis: two hubs on one Redis (as two processes would hold them), a
 * notification made on one reaching the subscribers of the other, in order, the replay window
 * read from Redis, on a single Redis and on a Cluster; and a Redis restarted under them.
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PushHub, type PushNotifier } from "@syncalite/core"
import { RedisPushHub } from "@syncalite/redis"
import { RedisCluster, Services } from "@syncalite/testing"
import { cleanUp, freePort, rawClient, startRedis, stopRedis, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")

type Hub = PushHub.PushHubShape

const openHub = async (url: string, prefix: string, options: RedisPushHub.Options = {}) => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(RedisPushHub.layerStore({ redis: url, prefix, ...options }), scope))
  const hub: Hub = Context.get(context, PushHub.PushHub)
  return { hub, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const newDevices = (n: number) => {
  const identityPoolId = `us-east-1:${randomUUID()}`
  const identityId = `us-east-1:${randomUUID()}`
  return Array.from({ length: n }, () => ({ identityPoolId, identityId, deviceId: randomUUID() }))
}

const deliveries = (devices: ReadonlyArray<PushHub.DeviceAddress>, syncCount: number, datasetName = "notes"): Array<PushNotifier.PushDelivery> =>
  devices.map((device) => ({
    device: { deviceId: device.deviceId, platform: "GCM", token: "t" },
    message: { source: "cognito-sync", identityPoolId: device.identityPoolId, identityId: device.identityId, datasetName, syncCount: String(syncCount) }
  }))

/** A subscriber that keeps what it is told. */
const collector = () => {
  const events: Array<PushHub.PushEvent> = []
  let ended = 0
  return {
    events,
    ended: () => ended,
    subscriber: { event: (event: PushHub.PushEvent) => void events.push(event), end: () => void ended++ },
    /** waits until `n` events are kept */
    count: async (n: number, timeoutMs = 3000) => {
      const deadline = Date.now() + timeoutMs
      while (events.length < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
      return events
    }
  }
}

/** The hubs' contract on Redis at `url`; `clean` removes the keys it wrote under a prefix where they would outlive it. */
const contract = (name: string, url: () => string, clean?: (prefix: string) => Promise<void>) => {
  describe(name, () => {
    const prefix = testPrefix("push")
    let a: Awaited<ReturnType<typeof openHub>>
    let b: Awaited<ReturnType<typeof openHub>>
    beforeAll(async () => {
      a = await openHub(url(), prefix)
      b = await openHub(url(), prefix)
    })
    afterAll(async () => {
      await a?.close()
      await b?.close()
      await clean?.(prefix)
    })

    it("a notification made on one hub reaches the subscribers of the other, exactly as sent, and only those of its devices", async () => {
      const [reader, other, unheard] = newDevices(3)
      const onReader = collector()
      const onOther = collector()
      const detachReader = await Effect.runPromise(b.hub.attach(reader!, undefined, onReader.subscriber))
      const detachOther = await Effect.runPromise(a.hub.attach(other!, undefined, onOther.subscriber))
      const sent = deliveries([reader!, unheard!], 7)
      await Effect.runPromise(a.hub.notify(sent))
      expect(await onReader.count(1)).toEqual([{ id: expect.stringMatching(/^\d+-\d+$/), message: sent[0]!.message }])
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(onOther.events).toEqual([])
      await Effect.runPromise(detachReader)
      await Effect.runPromise(a.hub.notify(deliveries([reader!], 8)))
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(onReader.events).toHaveLength(1)
      await Effect.runPromise(detachOther)
    })

    it("passes a message whose dataset name and sync count need escaping in JSON as it was sent", async () => {
      const [reader] = newDevices(1)
      const onReader = collector()
      const detach = await Effect.runPromise(b.hub.attach(reader!, undefined, onReader.subscriber))
      const sent = deliveries([reader!], 1, "quote\" back\\slash é").map((one) => ({ ...one, message: { ...one.message, syncCount: "1\n2" } }))
      await Effect.runPromise(a.hub.notify(sent))
      expect((await onReader.count(1)).map((event) => event.message)).toEqual([sent[0]!.message])
      await Effect.runPromise(detach)
    })

    it("keeps the order of the notifications of a device, made from both hubs in turn", async () => {
      const [reader] = newDevices(1)
      const onReader = collector()
      const detach = await Effect.runPromise(b.hub.attach(reader!, undefined, onReader.subscriber))
      for (let count = 1; count <= 30; count++) {
        await Effect.runPromise((count % 2 === 0 ? a : b).hub.notify(deliveries([reader!], count)))
      }
      const events = await onReader.count(30)
      expect(events.map((event) => event.message.syncCount)).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)))
      await Effect.runPromise(detach)
    })

    it("replays from Redis, on the other hub, what came after the last event id, then passes live ones once", async () => {
      const [reader] = newDevices(1)
      const first = collector()
      const detach = await Effect.runPromise(a.hub.attach(reader!, undefined, first.subscriber))
      await Effect.runPromise(a.hub.notify(deliveries([reader!], 1)))
      const [seen] = await first.count(1)
      await Effect.runPromise(detach)
      await Effect.runPromise(a.hub.notify(deliveries([reader!], 2)))
      await Effect.runPromise(a.hub.notify(deliveries([reader!], 3)))
      const again = collector()
      const detachAgain = await Effect.runPromise(b.hub.attach(reader!, seen!.id, again.subscriber))
      await Effect.runPromise(a.hub.notify(deliveries([reader!], 4)))
      const events = await again.count(3)
      expect(events.map((event) => event.message.syncCount)).toEqual(["2", "3", "4"])
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(again.events).toHaveLength(3)
      await Effect.runPromise(detachAgain)
    })

    it("notifications made together, for many identities, reach each device once, and each is answered", async () => {
      const readers = Array.from({ length: 40 }, () => newDevices(1)[0]!)
      const heard = readers.map(() => collector())
      const detaches = await Promise.all(readers.map((reader, i) => Effect.runPromise(b.hub.attach(reader, undefined, heard[i]!.subscriber))))
      await Promise.all(readers.map((reader) => Effect.runPromise(a.hub.notify([...deliveries([reader], 1), ...deliveries([reader], 1, "other")]))))
      for (const [i, reader] of readers.entries()) {
        const events = await heard[i]!.count(2)
        expect(events.map((event) => [event.message.identityId, event.message.datasetName])).toEqual([[reader.identityId, "notes"], [reader.identityId, "other"]])
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(heard.map((one) => one.events.length)).toEqual(readers.map(() => 2))
      await Promise.all(detaches.map((detach) => Effect.runPromise(detach)))
    })

    it("keeps at least the last 100 notifications of a device", async () => {
      const [reader] = newDevices(1)
      for (let count = 1; count <= 130; count++) await Effect.runPromise(a.hub.notify(deliveries([reader!], count)))
      const from = collector()
      const detach = await Effect.runPromise(b.hub.attach(reader!, "0-0", from.subscriber))
      const events = await from.count(130)
      // all of them: they are younger than 5 minutes
      expect(events.map((event) => event.message.syncCount)).toEqual(Array.from({ length: 130 }, (_, i) => String(i + 1)))
      await Effect.runPromise(detach)
    })
  })
}

describe.skipIf(!redis.available)("RedisPushHub", () => {
  contract("on one Redis", () => redis.url, (prefix) => cleanUp(redis.url, prefix))

  it("trims a device's window to its last replayCount notifications once they are older than replayMillis", async () => {
    const prefix = testPrefix("push-trim")
    const hub = await openHub(redis.url, prefix, { replayCount: 3, replayMillis: 50 })
    try {
      const [reader] = newDevices(1)
      for (let count = 1; count <= 3; count++) await Effect.runPromise(hub.hub.notify(deliveries([reader!], count)))
      await new Promise((resolve) => setTimeout(resolve, 80))
      for (let count = 4; count <= 6; count++) await Effect.runPromise(hub.hub.notify(deliveries([reader!], count)))
      const from = collector()
      const detach = await Effect.runPromise(hub.hub.attach(reader!, "0-0", from.subscriber))
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(from.events.map((event) => event.message.syncCount)).toEqual(["4", "5", "6"])
      await Effect.runPromise(detach)
    } finally {
      await hub.close()
      await cleanUp(redis.url, prefix)
    }
  })
})

describe.skipIf(!redis.available)("RedisPushHub's channels on one Redis", () => {
  it("publishes the notifications of many identities made together as one message on the store's channel", async () => {
    const prefix = testPrefix("push-shared")
    const hub = await openHub(redis.url, prefix)
    const listener = await rawClient(redis.url)
    try {
      const messages: Array<string> = []
      await listener.sSubscribe(`${prefix}:push`, (message) => void messages.push(message))
      const readers = Array.from({ length: 10 }, () => newDevices(1)[0]!)
      await Promise.all(readers.map((reader) => Effect.runPromise(hub.hub.notify(deliveries([reader], 3)))))
      const deadline = Date.now() + 3000
      while (messages.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(messages).toHaveLength(1)
      expect((JSON.parse(messages[0]!) as Array<{ k: string; d: Array<string> }>).map((part) => [part.k, part.d])).toEqual(
        readers.map((reader) => [`${prefix}:{${reader.identityPoolId}|${reader.identityId}}`, [reader.deviceId]])
      )
    } finally {
      await listener.close()
      await hub.close()
      await cleanUp(redis.url, prefix)
    }
  })

  it("passes what a process of an earlier version publishes on an identity's own channel", async () => {
    const prefix = testPrefix("push-earlier-channel")
    const hub = await openHub(redis.url, prefix)
    const client = await rawClient(redis.url)
    try {
      const [reader] = newDevices(1)
      const heard = collector()
      const detach = await Effect.runPromise(hub.hub.attach(reader!, undefined, heard.subscriber))
      const channel = `${prefix}:{${reader!.identityPoolId}|${reader!.identityId}}:push`
      await client.sendCommand(["SPUBLISH", channel, JSON.stringify([{ e: ["notes", "9"], d: [reader!.deviceId], i: ["1-0"] }])])
      expect(await heard.count(1)).toEqual([{ id: "1-0", message: deliveries([reader!], 9)[0]!.message }])
      await Effect.runPromise(detach)
    } finally {
      await client.close()
      await hub.close()
      await cleanUp(redis.url, prefix)
    }
  })
})

describe.skipIf(!redis.available)("RedisPushHub's expiry of a window", () => {
  it("keeps a window at least retainMillis after its notifications, a window made anew included", async () => {
    const prefix = testPrefix("push-retain")
    const retainMillis = 800_000
    const hub = await openHub(redis.url, prefix, { retainMillis })
    const client = await rawClient(redis.url)
    try {
      const [reader] = newDevices(1)
      const key = `${prefix}:{${reader!.identityPoolId}|${reader!.identityId}}:events:${reader!.deviceId}`
      const lives = async () => Number(await client.sendCommand(["PTTL", key]))
      for (let count = 1; count <= 3; count++) await Effect.runPromise(hub.hub.notify(deliveries([reader!], count)))
      expect(await lives()).toBeGreaterThan(retainMillis - 5000)
      expect(await lives()).toBeLessThanOrEqual(retainMillis + 100_000)
      // gone meanwhile (flushed, a Redis restarted): the next append makes it again, with an expiry
      await client.del(key)
      await Effect.runPromise(hub.hub.notify(deliveries([reader!], 4)))
      expect(await lives()).toBeGreaterThan(retainMillis - 5000)
    } finally {
      await client.close()
      await hub.close()
      await cleanUp(redis.url, prefix)
    }
  })
})

describe.skipIf(!redis.available)("RedisPushHub over a window written by an earlier version", () => {
  it("replays its entries holding whole messages, then those holding events", async () => {
    const prefix = testPrefix("push-earlier")
    const hub = await openHub(redis.url, prefix)
    const client = await rawClient(redis.url)
    try {
      const [reader] = newDevices(1)
      const key = `${prefix}:{${reader!.identityPoolId}|${reader!.identityId}}:events:${reader!.deviceId}`
      await client.sendCommand(["XADD", key, "*", "m", JSON.stringify(deliveries([reader!], 1)[0]!.message)])
      await Effect.runPromise(hub.hub.notify(deliveries([reader!], 2)))
      const from = collector()
      const detach = await Effect.runPromise(hub.hub.attach(reader!, "0-0", from.subscriber))
      expect((await from.count(2)).map((event) => event.message)).toEqual(deliveries([reader!], 1).concat(deliveries([reader!], 2)).map((one) => one.message))
      await Effect.runPromise(detach)
    } finally {
      await client.close()
      await hub.close()
      await cleanUp(redis.url, prefix)
    }
  })
})

describe.skipIf(!redis.available)("RedisPushHub with a device's stream key holding another type", () => {
  it("fails the notification of that device only, those made with it in the same batch being delivered", async () => {
    const prefix = testPrefix("push-foreign")
    const hub = await openHub(redis.url, prefix)
    const client = await rawClient(redis.url)
    try {
      const [broken] = newDevices(1)
      const [reader] = newDevices(1)
      await client.set(`${prefix}:{${broken!.identityPoolId}|${broken!.identityId}}:events:${broken!.deviceId}`, "not a stream")
      const heard = collector()
      const detach = await Effect.runPromise(hub.hub.attach(reader!, undefined, heard.subscriber))
      const [failed, delivered] = await Promise.all([
        Effect.runPromiseExit(hub.hub.notify(deliveries([broken!], 1))),
        Effect.runPromiseExit(hub.hub.notify(deliveries([reader!], 1)))
      ])
      expect(Exit.isFailure(failed) && JSON.stringify(failed.cause)).toMatch(/WRONGTYPE.*StorageError/)
      expect(Exit.isSuccess(delivered)).toBe(true)
      expect((await heard.count(1)).map((event) => event.message.syncCount)).toEqual(["1"])
      await Effect.runPromise(detach)
    } finally {
      await client.close()
      await hub.close()
      await cleanUp(redis.url, prefix)
    }
  })
})

RedisCluster.describe("RedisPushHub on a Redis Cluster", (cluster) => {
  // the cluster is the suite's own, and goes with its keys
  contract("of three primaries", () => cluster().url)
})

describe.skipIf(!redis.available)("RedisPushHub with Redis restarted under it", () => {
  it("ends its streams when it loses its subscription, so that they reconnect; once Redis is back, streams are fed again", async () => {
    const port = await freePort()
    let server = await startRedis(port)
    const url = `redis://127.0.0.1:${port}`
    const a = await openHub(url, "push-restart")
    const b = await openHub(url, "push-restart")
    try {
      const [reader] = newDevices(1)
      const first = collector()
      await Effect.runPromise(b.hub.attach(reader!, undefined, first.subscriber))
      await stopRedis(server)
      const deadline = Date.now() + 5000
      while (first.ended() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      expect(first.ended()).toBe(1)
      server = await startRedis(port)
      // attached again, as the stream's client does when it reconnects
      let detach: Effect.Effect<void> | undefined
      const again = collector()
      while (detach === undefined && Date.now() < deadline + 10_000) {
        const exit = await Effect.runPromiseExit(b.hub.attach(reader!, undefined, again.subscriber))
        if (Exit.isSuccess(exit)) detach = exit.value
        else await new Promise((resolve) => setTimeout(resolve, 50))
      }
      let sent = false
      while (!sent && Date.now() < deadline + 10_000) {
        sent = Exit.isSuccess(await Effect.runPromiseExit(a.hub.notify(deliveries([reader!], 1))))
        if (!sent) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect((await again.count(1)).map((event) => event.message.syncCount)).toEqual(["1"])
      await Effect.runPromise(detach!)
    } finally {
      await a.close()
      await b.close()
      await stopRedis(server)
    }
  }, 30_000)
})
