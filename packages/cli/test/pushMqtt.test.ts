import { createServer, type Socket } from "node:net"
import { randomUUID } from "node:crypto"
import {
  CognitoSyncClient,
  ListRecordsCommand,
  RegisterDeviceCommand,
  SetIdentityPoolConfigurationCommand,
  SubscribeToDatasetCommand,
  UpdateRecordsCommand
} from "@aws-sdk/client-cognito-sync"
import { connectAsync } from "mqtt"
import { describe, expect, it } from "vitest"
import { issueIdentityCredentials } from "@syncalite/http"
import { Services } from "@syncalite/testing"
import { ConfigError, readConfig } from "../src/config.js"
import { startServer } from "../src/server.js"

const settings = {
  PORT: "0",
  SYNCALITE_STORE: "memory",
  SYNCALITE_SECRET: "push test token secret",
  SYNCALITE_DEV_KEY: "AKIDPUSH",
  SYNCALITE_DEV_SECRET: "push test developer secret"
}
const broker = await Services.check("mqtt")
const quiet = { print: () => undefined, log: { write: () => undefined } }

describe("SYNCALITE_PUSH_MQTT", () => {
  it("takes an MQTT broker URL, and refuses anything else naming the variable", () => {
    expect(readConfig({ ...settings, SYNCALITE_PUSH_MQTT: "mqtts://user:pw@broker:8883" }).pushMqtt).toBe("mqtts://user:pw@broker:8883")
    expect(readConfig(settings).pushMqtt).toBeUndefined()
    expect(() => readConfig({ ...settings, SYNCALITE_PUSH_MQTT: "http://user:pw@broker" })).toThrow(
      "SYNCALITE_PUSH_MQTT=http://user:****@broker is not a broker URL; give one such as mqtt://127.0.0.1:1883 (mqtt://, mqtts://, ws:// or wss://)"
    )
  })

  it("a broker that does not answer stops the start with the reason", async () => {
    const sockets: Array<Socket> = []
    const silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const { port } = silent.address() as { readonly port: number }
    try {
      const started = startServer(readConfig({ ...settings, SYNCALITE_PUSH_MQTT: `mqtt://127.0.0.1:${port}` }), quiet)
      await expect(started).rejects.toThrow(ConfigError)
      await expect(started).rejects.toThrow(`SYNCALITE_PUSH_MQTT=mqtt://127.0.0.1:${port} cannot be reached`)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  }, 15_000)

  describe.skipIf(!broker.available)("on the MQTT broker", () => {
    it("a write through the server reaches the other subscribed devices' topics, not the writer's", async () => {
      const running = await startServer(readConfig({ ...settings, SYNCALITE_PUSH_MQTT: broker.url }), quiet)
      const subscriber = await connectAsync(broker.url)
      const identityPoolId = `us-east-1:${randomUUID()}`
      const identityId = `us-east-1:${randomUUID()}`
      const developer = new CognitoSyncClient({
        endpoint: running.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: settings.SYNCALITE_DEV_KEY, secretAccessKey: settings.SYNCALITE_DEV_SECRET }
      })
      const device = new CognitoSyncClient({
        endpoint: running.endpoint,
        region: "us-east-1",
        credentials: issueIdentityCredentials({ secret: settings.SYNCALITE_SECRET, identityPoolId, identityId })
      })
      try {
        const received: Array<readonly [string, unknown]> = []
        subscriber.on("message", (topic, payload) => received.push([topic, JSON.parse(payload.toString("utf8"))]))
        await subscriber.subscribeAsync(`syncalite/${identityPoolId}/#`, { qos: 1 })
        await developer.send(new SetIdentityPoolConfigurationCommand({
          IdentityPoolId: identityPoolId,
          PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/MyApp"] }
        }))
        const ref = { IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName: "settings" }
        const write = async (key: string, DeviceId?: string) => {
          const { SyncSessionToken } = await device.send(new ListRecordsCommand(ref))
          await device.send(new UpdateRecordsCommand({
            ...ref,
            ...(DeviceId === undefined ? {} : { DeviceId }),
            SyncSessionToken,
            RecordPatches: [{ Op: "replace", Key: key, Value: "v", SyncCount: 0 }]
          }))
        }
        await write("first")
        const register = async (Token: string) =>
          (await device.send(new RegisterDeviceCommand({ IdentityPoolId: identityPoolId, IdentityId: identityId, Platform: "GCM", Token }))).DeviceId!
        const [tablet, phone] = [await register("tablet"), await register("phone")]
        for (const DeviceId of [tablet, phone]) await device.send(new SubscribeToDatasetCommand({ ...ref, DeviceId }))
        await write("second", phone)
        const deadline = Date.now() + 5000
        while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(received).toStrictEqual([[
          `syncalite/${identityPoolId}/${identityId}/${tablet}`,
          { source: "cognito-sync", identityPoolId, identityId, datasetName: "settings", syncCount: "2" }
        ]])
      } finally {
        developer.destroy()
        device.destroy()
        await subscriber.endAsync(true)
        await running.close()
      }
    }, 30_000)
  })
})
