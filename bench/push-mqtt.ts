/**
 * Push sync over MQTT (`@syncalite/mqtt`) beside the raw client publishing the same payloads to
 * the same broker in the same run:
 *
 * - Latency: from an UpdateRecords call to its notification read by a subscriber of the device's
 *   topic (p50, p99), beside one QoS 1 publish to that subscriber; the write waits for the
 *   broker's acknowledgement, so its answer and the notification come at about the same time.
 * - Fan-out: notifications delivered per second with 200 devices subscribed to one dataset (one
 *   write, 199 notifications), beside raw batches of 199 QoS 1 publishes.
 *
 * The broker comes from MQTT_URL (default mqtt://127.0.0.1:1883); the section is skipped when it
 * does not answer.
 */
import { randomUUID } from "node:crypto"
import { connectAsync, type MqttClient } from "mqtt"
import { Caller, createCognitoSync } from "@syncalite/core"
import { MqttPushNotifier } from "@syncalite/mqtt"
import { Services } from "@syncalite/testing"
import { fmt, percentile } from "./measure.js"

const url = process.env.MQTT_URL || "mqtt://127.0.0.1:1883"
const gcmArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/Bench"
const devices = 200

const latencies = (name: string, samples: ReadonlyArray<number>) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return `${name}: p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms`
}

/** A subscriber that counts what arrives and wakes whoever waits for a count. */
const subscriber = async (filter: string) => {
  const client = await connectAsync(url)
  let count = 0
  let waiting: { readonly until: number; readonly wake: () => void } | undefined
  client.on("message", () => {
    count += 1
    if (waiting !== undefined && count >= waiting.until) {
      const { wake } = waiting
      waiting = undefined
      wake()
    }
  })
  await client.subscribeAsync(filter, { qos: 1 })
  return {
    client,
    get count() {
      return count
    },
    /** resolves once `n` more messages than now have arrived */
    next: (n = 1) =>
      new Promise<void>((wake) => {
        waiting = { until: count + n, wake }
      })
  }
}

/** Runs `round` for about `seconds`; answers rounds per second. */
const rate = async (round: () => Promise<void>, seconds = 1.5) => {
  for (let i = 0; i < 20; i++) await round()
  const start = performance.now()
  let rounds = 0
  while (performance.now() - start < seconds * 1000) {
    await round()
    rounds += 1
  }
  return rounds / ((performance.now() - start) / 1000)
}

export const benchPushMqtt = async (): Promise<void> => {
  if (!(await Services.reachable(url))) {
    console.log(`\n# push over MQTT: skipped, no broker at ${url} (set MQTT_URL)`)
    return
  }
  console.log(`\n# push over MQTT (@syncalite/mqtt) on ${url.replace(/\/\/[^@/]*@/, "//")}, beside the raw client`)
  const identityPoolId = `us-east-1:${randomUUID()}`
  const identityId = `us-east-1:${randomUUID()}`
  const sync = createCognitoSync({
    tokenSecret: "bench-secret-0123456789",
    limits: { devicesPerIdentity: devices },
    push: MqttPushNotifier.layer({ url })
  })
  const caller = Caller.identity(identityPoolId, identityId)
  const ref = { IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName: "bench" }
  await sync.setIdentityPoolConfiguration({ IdentityPoolId: identityPoolId, PushSync: { ApplicationArns: [gcmArn] } })
  let key = 0
  const write = async (DeviceId: string) => {
    const { SyncSessionToken } = await sync.listRecords(ref, caller)
    await sync.updateRecords({ ...ref, DeviceId, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: `k${key++}`, Value: "v", SyncCount: 0 }] }, caller)
  }
  await write("none")
  const ids: Array<string> = []
  for (let n = 0; n < devices; n++) {
    const { DeviceId } = await sync.registerDevice({ ...ref, Platform: "GCM", Token: `token-${n}` }, caller)
    ids.push(DeviceId!)
  }
  const [writer, reader] = [ids[0]!, ids[1]!]
  const topicOf = (deviceId: string) => MqttPushNotifier.topic("syncalite", { identityPoolId, identityId, deviceId })
  const publisher: MqttClient = await connectAsync(url)
  const payload = JSON.stringify({ source: "cognito-sync", identityPoolId, identityId, datasetName: "bench", syncCount: "1" })

  // latency: one subscribed device beside the writer
  for (const id of [writer, reader]) await sync.subscribeToDataset({ ...ref, DeviceId: id }, caller)
  const one = await subscriber(topicOf(reader))
  const viaSync: Array<number> = []
  const raw: Array<number> = []
  for (let i = 0; i < 500; i++) {
    let arrived = one.next()
    let start = performance.now()
    await write(writer)
    await arrived
    if (i >= 50) viaSync.push(performance.now() - start)
    arrived = one.next()
    start = performance.now()
    await publisher.publishAsync(topicOf(reader), payload, { qos: 1 })
    await arrived
    if (i >= 50) raw.push(performance.now() - start)
  }
  console.log(`latency, UpdateRecords call to notification read   ${latencies("syncalite", viaSync)}  |  ${latencies("raw QoS 1 publish", raw)}`)
  await one.client.endAsync()

  // fan-out: every device subscribed, the writer's excluded
  for (const id of ids.slice(2)) await sync.subscribeToDataset({ ...ref, DeviceId: id }, caller)
  const all = await subscriber(`syncalite/${identityPoolId}/${identityId}/+`)
  const fanOut = devices - 1
  const delivered = (await rate(async () => {
    const arrived = all.next(fanOut)
    await write(writer)
    await arrived
  })) * fanOut
  const topics = ids.slice(1).map(topicOf)
  const rawDelivered = (await rate(async () => {
    const arrived = all.next(fanOut)
    await Promise.all(topics.map((topic) => publisher.publishAsync(topic, payload, { qos: 1 })))
    await arrived
  })) * fanOut
  console.log(
    `fan-out to ${fanOut} devices of one dataset, delivered ${fmt(delivered)}/s  |  raw QoS 1 publishes: ${fmt(rawDelivered)}/s (${((delivered / rawDelivered) * 100).toFixed(0)}%)`
  )
  await all.client.endAsync()
  await publisher.endAsync()
  await sync.close()
}
