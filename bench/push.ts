/**
 * Push over Redis, two services on one Redis each with its own connections (as two processes
 * would have them, here in one process):
 *
 * - Latency: from UpdateRecords answered on A to the event read from B's events route (a fetch
 *   reading Server-Sent Events), p50 and p99, with 1 and with 1,000 streams open on B; target
 *   p99 at most 20 ms with 1,000. An event read before A answered counts as 0 ms.
 * - Fan-out: notifications delivered per second from A's hub to subscribers attached to B's, 64
 *   devices each of its own identity, one notification in flight per device,
 *   beside raw Redis `SPUBLISH` to `SSUBSCRIBE` message on two connections of the same kind in
 *   the same run, in the same shape: 64 channels, one message in flight per channel, each message
 *   one delivery; target 50% of the raw figure. Beside it, the replay floor: each delivery
 *   appended to a stream and published in one plain script, the least a delivery that can be
 *   replayed costs Redis. The senders are fibers of one program, as the
 *   writes of a server are, not a program run per notification. The three run in turn for a
 *   second each, `ROUNDS` times, and each is given as its median; the target is read on the
 *   median of the rounds' own ratios, fan-out against the raw figure measured right after it,
 *   which the machine's drift from round to round weighs on alike.
 *
 * Redis comes from REDIS_URL (default redis://127.0.0.1:6379); the section is skipped when it
 * does not answer. Keys live under a prefix of their own and are removed afterwards.
 */
import { randomUUID } from "node:crypto"
import type { AddressInfo } from "node:net"
import { createClient } from "@keyv/redis"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { Caller, createCognitoSync, PushHub, type PushNotifier } from "@syncalite/core"
import { createServer, IdentityCredentials } from "@syncalite/http"
import { RedisPushHub } from "@syncalite/redis"
import { EventStreams } from "@syncalite/testing"
import { type Figure, median, percentile, report } from "./measure.js"

const url = process.env.REDIS_URL || "redis://127.0.0.1:6379"
const secret = "bench push secret 0123456789"
const gcmArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/Bench"

/** One delivery kept for replay and published, as plainly as Redis allows: XADD then SPUBLISH. */
const REPLAYABLE_PUBLISH = "redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100', '*', 'm', ARGV[1]) return redis.call('SPUBLISH', KEYS[2], ARGV[1])"

/** The rounds of the fan-out figures, each a second of the hub, of raw publish, of the replay floor. */
const ROUNDS = 5

const latency = async (
  sync: ReturnType<typeof createCognitoSync>,
  stream: EventStreams.EventStream,
  me: { readonly caller: Caller.Caller; readonly ref: { IdentityPoolId: string; IdentityId: string; DatasetName: string } },
  samples: number
) => {
  const times: Array<number> = []
  for (let i = 0; i < samples + 20; i++) {
    const listed = await sync.listRecords(me.ref, me.caller)
    const read = stream.next(5000).then(() => performance.now())
    await sync.updateRecords({
      ...me.ref,
      SyncSessionToken: listed.SyncSessionToken!,
      RecordPatches: [{ Op: "replace", Key: "k", Value: String(i), SyncCount: listed.DatasetSyncCount === 0 ? 0 : listed.DatasetSyncCount! }]
    }, me.caller)
    const answered = performance.now()
    const at = await read
    if (i >= 20) times.push(Math.max(0, at - answered))
  }
  return times.sort((a, b) => a - b)
}

/** The parts of the section: `push:latency` or `push:fanout` runs one. */
export const pushParts = ["latency", "fanout"] as const

export const benchPush = async (only: ReadonlyArray<string> = pushParts) => {
  console.log(`\n# push over ${url.replace(/\/\/[^@/]*@/, "//")}: A writes, B's events route reads`)
  const prefix = `syncalite-bench-push-${randomUUID().slice(0, 8)}`
  const scope = Effect.runSync(Scope.make())
  const open = (name: string) =>
    Effect.runPromiseExit(Layer.buildWithScope(RedisPushHub.layerStore({ redis: url, prefix }), scope)).then((exit) => ({ name, exit }))
  const [a, b] = await Promise.all([open("A"), open("B")])
  if (Exit.isFailure(a.exit) || Exit.isFailure(b.exit)) {
    console.log(`skipped: Redis does not answer at ${url} (set REDIS_URL)`)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    return
  }
  const layerA = Layer.succeedContext(a.exit.value)
  const layerB = Layer.succeedContext(b.exit.value)
  const syncA = createCognitoSync({ tokenSecret: secret, store: layerA, hub: layerA })
  const syncB = createCognitoSync({ tokenSecret: secret, store: layerB, hub: layerB })
  const server = createServer({ sync: syncB, identitySecret: secret, events: { maxStreamsPerIdentity: 10, maxStreams: 5000 } })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const pool = `us-east-1:${randomUUID()}`
  await syncA.setIdentityPoolConfiguration({ IdentityPoolId: pool, PushSync: { ApplicationArns: [gcmArn] } })
  const streams: Array<EventStreams.EventStream> = []

  /** a device of a new identity, subscribed to its dataset, and its stream on B */
  const listener = async () => {
    const identityId = `us-east-1:${randomUUID()}`
    const caller = Caller.identity(pool, identityId)
    const ref = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: "bench" }
    const { DeviceId } = await syncA.registerDevice({ IdentityPoolId: pool, IdentityId: identityId, Platform: "GCM", Token: "t" }, caller)
    const listed = await syncA.listRecords(ref, caller)
    await syncA.updateRecords({ ...ref, SyncSessionToken: listed.SyncSessionToken!, RecordPatches: [{ Op: "replace", Key: "k", Value: "0", SyncCount: 0 }] }, caller)
    await syncA.subscribeToDataset({ ...ref, DeviceId: DeviceId! }, caller)
    const credentials = IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId })
    const stream = await EventStreams.open(await EventStreams.presign({ endpoint, path: EventStreams.eventsPath({ identityPoolId: pool, identityId, deviceId: DeviceId! }), credentials }))
    streams.push(stream)
    return { caller, ref, stream }
  }

  try {
    if (only.includes("latency")) {
      const first = await listener()
      const one = await latency(syncA, first.stream, first, 300)
      console.log(`latency A answered -> B read, 1 stream open          p50 ${percentile(one, 0.5).toFixed(2)} ms  |  p99 ${percentile(one, 0.99).toFixed(2)} ms`)
      for (let i = 1; i < 1000; i += 50) await Promise.all(Array.from({ length: Math.min(50, 1000 - i) }, listener))
      const many = await latency(syncA, first.stream, first, 300)
      const p99 = percentile(many, 0.99)
      console.log(`latency A answered -> B read, ${streams.length} streams open      p50 ${percentile(many, 0.5).toFixed(2)} ms  |  p99 ${p99.toFixed(2)} ms  |  target p99 <= 20 ms: ${p99 <= 20 ? "met" : "MISSED"}`)
    }
    if (!only.includes("fanout")) return

    // fan-out: A's hub to subscribers attached to B's hub, beside raw sharded pub/sub
    const hubA = Context.get(a.exit.value, PushHub.PushHub)
    const hubB = Context.get(b.exit.value, PushHub.PushHub)
    const devices = Array.from({ length: 64 }, () => ({ identityPoolId: pool, identityId: `us-east-1:${randomUUID()}`, deviceId: "d" }))
    let delivered = 0
    for (const device of devices) {
      await Effect.runPromise(hubB.attach(device, undefined, { event: () => void delivered++, end: () => undefined }))
    }
    const delivery = (device: PushHub.DeviceAddress, n: number): PushNotifier.PushDelivery => ({
      device: { deviceId: device.deviceId, platform: "GCM", token: "t" },
      message: { source: "cognito-sync", identityPoolId: device.identityPoolId, identityId: device.identityId, datasetName: "bench", syncCount: String(n) }
    })
    const fanOut = async (seconds: number): Promise<Figure> => {
      delivered = 0
      let sent = 0
      const started = performance.now()
      const until = started + seconds * 1000
      // one sender per device, as the writes of a server notify: fibers of one program
      await Effect.runPromise(Effect.forEach(devices, (device) =>
        Effect.whileLoop({
          while: () => performance.now() < until,
          body: () => Effect.suspend(() => hubA.notify([delivery(device, ++sent)])),
          step: () => undefined
        }), { concurrency: "unbounded", discard: true }))
      while (delivered < sent && performance.now() < until + 2000) await new Promise((resolve) => setTimeout(resolve, 1))
      return { name: "hub", perSecond: delivered / ((performance.now() - started) / 1000) }
    }
    await fanOut(0.3)

    const publisher = createClient({ url })
    const subscriber = publisher.duplicate()
    await Promise.all([publisher.connect(), subscriber.connect()])
    let received = 0
    const channels = devices.map((device) => `${prefix}:raw:{${device.identityId}}`)
    for (const channel of channels) await subscriber.sSubscribe(channel, () => void received++)
    const payload = JSON.stringify(delivery(devices[0]!, 1).message)
    const replayable = String(await publisher.sendCommand(["SCRIPT", "LOAD", REPLAYABLE_PUBLISH]))
    const raw = async (seconds: number, name: string, send: (channel: string) => Promise<unknown>): Promise<Figure> => {
      received = 0
      let sent = 0
      const started = performance.now()
      const until = started + seconds * 1000
      await Promise.all(channels.map(async (channel) => {
        while (performance.now() < until) {
          await send(channel)
          sent++
        }
      }))
      while (received < sent && performance.now() < until + 2000) await new Promise((resolve) => setTimeout(resolve, 1))
      return { name, perSecond: received / ((performance.now() - started) / 1000) }
    }
    const publish = (channel: string) => publisher.sPublish(channel, payload)
    // the least a delivery that can be replayed costs: its entry in a stream, then the message
    const appendAndPublish = (channel: string) =>
      publisher.sendCommand(["EVALSHA", replayable, "2", `${channel}:replay`, channel, payload])
    await raw(0.3, "warm-up", publish)
    await raw(0.3, "warm-up", appendAndPublish)
    // the three in turn, round after round, each given as its median: a machine whose load
    // changes during the run weighs on all three alike
    const rounds: Array<{ ours: Figure; baseline: Figure; floor: Figure }> = []
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push({
        ours: await fanOut(1),
        baseline: await raw(1, `raw SPUBLISH -> message, ${channels.length} channels, 1 in flight each, a message a delivery`, publish),
        floor: await raw(1, `raw XADD + SPUBLISH in one script -> message (the replay floor), same shape`, appendAndPublish)
      })
    }
    await Promise.all([publisher.close(), subscriber.close()])
    const medianFigure = (pick: (round: (typeof rounds)[number]) => Figure): Figure =>
      rounds.map(pick).sort((a, b) => a.perSecond - b.perSecond)[Math.floor(ROUNDS / 2)]!
    const ours = medianFigure((round) => round.ours)
    const baseline = medianFigure((round) => round.baseline)
    const floor = medianFigure((round) => round.floor)
    report(`fan-out deliveries A -> B: ${devices.length} devices of as many identities, 1 in flight each, median of ${ROUNDS} rounds`, ours, [baseline, floor])
    const ratios = rounds.map((round) => round.ours.perSecond / round.baseline.perSecond)
    const percent = (ratio: number) => `${(ratio * 100).toFixed(0)}%`
    console.log(`fan-out of each round, to raw: ${ratios.map(percent).join(" ")}; their median ${percent(median(ratios))}`)
    console.log(`fan-out target: the median round at least 50% of raw: ${median(ratios) >= 0.5 ? "met" : "MISSED"}`)
  } finally {
    for (const stream of streams) stream.close()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await syncA.close()
    await syncB.close()
    const cleaner = createClient({ url })
    await cleaner.connect()
    for await (const keys of cleaner.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) if (keys.length > 0) await cleaner.unlink(keys)
    await cleaner.close()
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
