import { randomUUID } from "node:crypto"
import { createServer, type Socket } from "node:net"
import { Cause, Effect, Exit, type Scope } from "effect"
import { connectAsync, type IPublishPacket } from "mqtt"
import { describe, expect, it } from "vitest"
import type { PushNotifier } from "@syncalite/core"
import { MqttPushNotifier } from "@syncalite/mqtt"
import { Services } from "@syncalite/testing"
import * as Link from "./link.js"

const broker = await Services.check("mqtt")

const delivery = (deviceId: string): PushNotifier.PushDelivery => {
  const identityPoolId = `us-east-1:${randomUUID()}`
  const identityId = `us-east-1:${randomUUID()}`
  return {
    device: { deviceId, platform: "GCM", token: "token" },
    message: { source: "cognito-sync", identityPoolId, identityId, datasetName: "settings", syncCount: "7" }
  }
}

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))

describe.skipIf(!broker.available)("MqttPushNotifier on the MQTT broker", () => {
  /** Publishes one delivery and answers the packets a subscriber to `filter` got. */
  const published = (options: MqttPushNotifier.Options, sent: PushNotifier.PushDelivery, filter: string) =>
    Effect.gen(function*() {
      const packets: Array<IPublishPacket> = []
      const subscriber = yield* Effect.acquireRelease(
        Effect.promise(() => connectAsync(broker.url)),
        (client) => Effect.promise(() => client.endAsync(true))
      )
      subscriber.on("message", (_topic, _payload, packet) => packets.push(packet))
      yield* Effect.promise(() => subscriber.subscribeAsync(filter, { qos: 1 }))
      const notifier = yield* MqttPushNotifier.make({ url: broker.url, ...options })
      yield* notifier.notify([sent])
      while (packets.length === 0) yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
      return packets
    })

  it("publishes QoS 1 to syncalite/<IdentityPoolId>/<IdentityId>/<DeviceId> the payload as JSON, and nothing else", () =>
    run(Effect.gen(function*() {
      const sent = delivery(randomUUID())
      const packets = yield* published({}, sent, `syncalite/${sent.message.identityPoolId}/#`)
      expect(packets).toHaveLength(1)
      expect(packets[0]!.topic).toBe(`syncalite/${sent.message.identityPoolId}/${sent.message.identityId}/${sent.device.deviceId}`)
      expect(packets[0]!.qos).toBe(1)
      expect(packets[0]!.retain).toBe(false)
      expect(packets[0]!.payload.toString("utf8")).toBe(JSON.stringify(sent.message))
    })))

  it("publishes under the prefix it is given", () =>
    run(Effect.gen(function*() {
      const sent = delivery(randomUUID())
      const packets = yield* published({ prefix: "apps/one" }, sent, `apps/one/${sent.message.identityPoolId}/#`)
      expect(packets[0]!.topic).toBe(`apps/one/${sent.message.identityPoolId}/${sent.message.identityId}/${sent.device.deviceId}`)
    })))

  it("refuses a notification past maxPending unacknowledged ones, with MqttPublishError", () =>
    run(Effect.gen(function*() {
      const link = yield* Link.Link
      const notifier = yield* MqttPushNotifier.make({ url: link.url, maxPending: 2 })
      yield* link.stall
      let sent = 0
      notifier.client.on("packetsend", (packet) => {
        if (packet.cmd === "publish") sent += 1
      })
      const waiting = yield* Effect.fork(notifier.notify([delivery(randomUUID()), delivery(randomUUID())]))
      while (sent < 2) yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
      const refused = yield* Effect.flip(notifier.notify([delivery(randomUUID())]))
      expect(refused).toBeInstanceOf(MqttPushNotifier.MqttPublishError)
      expect(refused.message).toBe("2 notifications await the MQTT broker; this one is dropped")
      yield* Effect.yieldNow()
      expect(waiting.unsafePoll()).toBeNull()
    }).pipe(Effect.provide(Link.layer(broker.url)))))
})

describe("MqttPushNotifier without a broker", () => {
  it("fails with MqttConnectError when nothing accepts the connection within connectTimeout", async () => {
    // a server that accepts and never answers, as a broker that hangs
    const sockets: Array<Socket> = []
    const silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const { port } = silent.address() as { readonly port: number }
    try {
      const exit = await Effect.runPromiseExit(Effect.scoped(
        MqttPushNotifier.make({ url: `mqtt://127.0.0.1:${port}`, connectTimeout: "300 millis" })
      ))
      expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toBeInstanceOf(MqttPushNotifier.MqttConnectError)
      expect(Exit.isFailure(exit) && (Cause.squash(exit.cause) as Error).message).toMatch(
        new RegExp(`^The MQTT broker at mqtt://127\\.0\\.0\\.1:${port} did not accept a connection within 300ms`)
      )
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })
})
