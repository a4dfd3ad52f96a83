/**
 * `syncalite serve` with sync triggers in other services (SYNCALITE_TRIGGERS,
 * SYNCALITE_TRIGGER_SECRET) and push deliveries POSTed to a webhook (SYNCALITE_PUSH_WEBHOOK,
 * SYNCALITE_PUSH_WEBHOOK_SECRET), each a real local HTTP service verifying the signature.
 */
import { once } from "node:events"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import {
  CognitoSyncClient,
  ListRecordsCommand,
  RegisterDeviceCommand,
  SetCognitoEventsCommand,
  SetIdentityPoolConfigurationCommand,
  SubscribeToDatasetCommand,
  UpdateRecordsCommand
} from "@aws-sdk/client-cognito-sync"
import { Duration } from "effect"
import { Webhook } from "standardwebhooks"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { issueIdentityCredentials } from "@syncalite/http"
import { SyncTriggerServer } from "@syncalite/webhooks"
import { readConfig } from "../src/config.js"
import { type Running, startServer } from "../src/server.js"

const triggerSecret = "whsec_C2FgXJ8Hq2bFqk2LxHcQn2mW8y4sVYp0"
const pushSecret = "whsec_dGhlIHB1c2ggd2ViaG9vaydzIHNlY3JldA=="
const settings = {
  PORT: "0",
  SYNCALITE_STORE: "memory",
  SYNCALITE_SECRET: "webhooks test token secret",
  SYNCALITE_DEV_KEY: "AKIDWEBHOOKS",
  SYNCALITE_DEV_SECRET: "webhooks test developer secret"
}
const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`

const listening = async (server: Server): Promise<string> => {
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const bodyOf = async (request: IncomingMessage): Promise<string> => {
  let body = ""
  for await (const chunk of request) body += String(chunk)
  return body
}

describe("configuration of webhooks", () => {
  it("takes the trigger map and the push webhook with their secrets", () => {
    const config = readConfig({
      ...settings,
      SYNCALITE_TRIGGERS: JSON.stringify({ [arn("a")]: "http://127.0.0.1:9000/a" }),
      SYNCALITE_TRIGGER_SECRET: triggerSecret,
      SYNCALITE_PUSH_WEBHOOK: "https://app.example/push",
      SYNCALITE_PUSH_WEBHOOK_SECRET: pushSecret
    })
    expect(config.triggers).toEqual({ targets: { [arn("a")]: "http://127.0.0.1:9000/a" }, secret: triggerSecret, timeout: Duration.seconds(5) })
    expect(config.pushWebhook).toEqual({ url: "https://app.example/push", secret: pushSecret })
    expect(readConfig(settings)).toMatchObject({ triggers: undefined, pushWebhook: undefined })
    const quick = readConfig({ ...settings, SYNCALITE_TRIGGERS: "{}", SYNCALITE_TRIGGER_SECRET: triggerSecret, SYNCALITE_TRIGGER_TIMEOUT: "800 millis" })
    expect(quick.triggers?.timeout).toEqual(Duration.millis(800))
  })

  it("refuses what cannot work, naming the variable and the fix", () => {
    const triggers = JSON.stringify({ [arn("a")]: "http://127.0.0.1:9000/a" })
    expect(() => readConfig({ ...settings, SYNCALITE_TRIGGERS: "{not json", SYNCALITE_TRIGGER_SECRET: triggerSecret })).toThrow(/SYNCALITE_TRIGGERS is not a JSON object/)
    expect(() => readConfig({ ...settings, SYNCALITE_TRIGGERS: "[]", SYNCALITE_TRIGGER_SECRET: triggerSecret })).toThrow(/SYNCALITE_TRIGGERS is not a JSON object/)
    expect(() => readConfig({ ...settings, SYNCALITE_TRIGGERS: JSON.stringify({ [arn("a")]: "ftp://x" }), SYNCALITE_TRIGGER_SECRET: triggerSecret })).toThrow(/http\(s\) URLs/)
    expect(() => readConfig({ ...settings, SYNCALITE_TRIGGERS: triggers })).toThrow(/SYNCALITE_TRIGGERS is set but SYNCALITE_TRIGGER_SECRET is not/)
    expect(() => readConfig({ ...settings, SYNCALITE_TRIGGERS: triggers, SYNCALITE_TRIGGER_SECRET: "hunter2" })).toThrow(/SYNCALITE_TRIGGER_SECRET is not a Standard Webhooks secret/)
    expect(() => readConfig({ ...settings, SYNCALITE_TRIGGERS: triggers, SYNCALITE_TRIGGER_SECRET: triggerSecret, SYNCALITE_TRIGGER_TIMEOUT: "5s" })).toThrow(/SYNCALITE_TRIGGER_TIMEOUT=5s is not a duration/)
    expect(() => readConfig({ ...settings, SYNCALITE_PUSH_WEBHOOK: "app.example/push", SYNCALITE_PUSH_WEBHOOK_SECRET: pushSecret })).toThrow(/SYNCALITE_PUSH_WEBHOOK=app.example\/push is not an http\(s\) URL/)
    expect(() => readConfig({ ...settings, SYNCALITE_PUSH_WEBHOOK: "https://app.example/push" })).toThrow(/SYNCALITE_PUSH_WEBHOOK_SECRET is not/)
  })
})

describe("syncalite serve with remote triggers and a push webhook", () => {
  const deliveries: Array<{ readonly headers: IncomingMessage["headers"]; readonly body: string }> = []
  const triggered: Array<string> = []
  const services: Array<Server> = []
  let running: Running
  let developer: CognitoSyncClient
  const pool = "us-east-1:0e1a2b3c"

  beforeAll(async () => {
    const functions: { [path: string]: Parameters<typeof SyncTriggerServer.handler>[0] } = {
      "/upper": (event) => {
        triggered.push(event.identityId)
        return { ...event, datasetRecords: Object.fromEntries(Object.entries(event.datasetRecords).map(([key, record]) => [key, { ...record, newValue: record.newValue?.toUpperCase() ?? null }])) }
      },
      "/sleepy": async (event) => {
        await sleep(6000)
        return event
      }
    }
    const handlers = new Map(Object.entries(functions).map(([path, fn]) => [path, SyncTriggerServer.handler(fn, { secret: triggerSecret })]))
    const triggerService = createServer((request, response) => {
      if (request.url === "/throttled") return void request.resume().on("end", () => response.writeHead(429).end())
      if (request.url === "/garbage") return void request.resume().on("end", () => response.writeHead(200).end("<html>"))
      handlers.get(request.url ?? "")!(request, response)
    })
    const receiver = createServer(async (request, response) => {
      deliveries.push({ headers: request.headers, body: await bodyOf(request) })
      response.writeHead(204).end()
    })
    services.push(triggerService, receiver)
    const triggerUrl = await listening(triggerService)
    const receiverUrl = await listening(receiver)
    running = await startServer(readConfig({
      ...settings,
      SYNCALITE_TRIGGERS: JSON.stringify(Object.fromEntries(["upper", "sleepy", "throttled", "garbage"].map((name) => [arn(name), `${triggerUrl}/${name}`]))),
      SYNCALITE_TRIGGER_SECRET: triggerSecret,
      SYNCALITE_PUSH_WEBHOOK: `${receiverUrl}/push`,
      SYNCALITE_PUSH_WEBHOOK_SECRET: pushSecret
    }), { print: () => undefined, log: { write: () => undefined } })
    developer = new CognitoSyncClient({
      endpoint: running.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: settings.SYNCALITE_DEV_KEY, secretAccessKey: settings.SYNCALITE_DEV_SECRET },
      maxAttempts: 1
    })
  })

  afterAll(async () => {
    developer.destroy()
    await running.close()
    for (const service of services) {
      service.closeAllConnections()
      service.close()
    }
  })

  /** A fresh identity of the pool, whose trigger is set to `name` (or none), and its client. */
  const identity = async (name?: string) => {
    const IdentityId = `us-east-1:${crypto.randomUUID()}`
    await developer.send(new SetCognitoEventsCommand({ IdentityPoolId: pool, Events: { SyncTrigger: name === undefined ? "" : arn(name) } }))
    const credentials = issueIdentityCredentials({ secret: settings.SYNCALITE_SECRET, identityPoolId: pool, identityId: IdentityId, ttlSeconds: 600 })
    const client = new CognitoSyncClient({ endpoint: running.endpoint, region: "us-east-1", credentials, maxAttempts: 1 })
    const ref = { IdentityPoolId: pool, IdentityId, DatasetName: "settings" }
    const write = async (by: CognitoSyncClient, Value: string, SyncCount = 0) => {
      const { SyncSessionToken } = await by.send(new ListRecordsCommand(ref))
      return by.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "theme", Value, SyncCount }] }))
    }
    const values = async () => (await developer.send(new ListRecordsCommand(ref))).Records?.map((record) => [record.Key, record.Value])
    return { IdentityId, client, ref, write, values }
  }

  it("writes and answers the value the trigger service chose; a developer's write never reaches it", async () => {
    const me = await identity("upper")
    const out = await me.write(me.client, "dark")
    expect(out.Records?.map((record) => [record.Key, record.Value])).toEqual([["theme", "DARK"]])
    expect(await me.values()).toEqual([["theme", "DARK"]])
    expect(triggered).toEqual([me.IdentityId])
    await me.write(developer, "light", 1)
    expect(await me.values()).toEqual([["theme", "light"]])
    expect(triggered).toEqual([me.IdentityId])
    me.client.destroy()
  })

  it.each([
    ["throttled", "LambdaThrottledException"],
    ["garbage", "InvalidLambdaFunctionOutputException"],
    ["sleepy", "LambdaSocketTimeoutException"]
  ])("a %s trigger service: %s and nothing written", async (name, error) => {
    const me = await identity(name)
    await expect(me.write(me.client, "dark")).rejects.toMatchObject({ name: error })
    expect(await me.values()).toEqual([])
    me.client.destroy()
  }, 15_000)

  it("POSTs each push delivery to the webhook, signed with its secret", async () => {
    await developer.send(new SetIdentityPoolConfigurationCommand({
      IdentityPoolId: pool,
      PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/MyApp"] }
    }))
    const me = await identity()
    await me.write(me.client, "dark")
    const { DeviceId } = await me.client.send(new RegisterDeviceCommand({ IdentityPoolId: pool, IdentityId: me.IdentityId, Platform: "GCM", Token: "device-token" }))
    await me.client.send(new SubscribeToDatasetCommand({ ...me.ref, DeviceId: DeviceId! }))
    await me.write(developer, "light", 1)
    for (const end = Date.now() + 5000; deliveries.length === 0 && Date.now() < end;) await sleep(10)
    expect(deliveries).toHaveLength(1)
    expect(new Webhook(pushSecret).verify(deliveries[0]!.body, deliveries[0]!.headers as Record<string, string>)).toEqual({
      message: { source: "cognito-sync", identityPoolId: pool, identityId: me.IdentityId, datasetName: "settings", syncCount: "2" },
      device: { deviceId: DeviceId, platform: "GCM", token: "device-token" }
    })
    me.client.destroy()
  })
})
