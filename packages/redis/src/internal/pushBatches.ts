/**
 * The notifications of a process, appended in batches: what `notify` is handed before the
 * microtask it queues runs (the calls of one task, and of the fibers it resumes), or while
 * `MAX_SENDING` scripts are in flight, goes to Redis as one `appendEvents` script per batch, and
 * each call is answered when the scripts holding its deliveries are. A batch holds the keys of
 * one identity on a cluster (a script's keys share a slot) and of any identities on a single
 * Redis, at most `MAX_DEVICES` devices. The entry ids a
 * script answers are published as one message on the batch's channel, sent before the calls
 * are answered (pushPublication.ts). Scripts are sent in the order the calls came, on the
 * connection of their node, and so are publications, so a dataset's notifications, handed one
 * after the other, stay in order.
 *
 * The process also decides which appends keep their window up (its expiry and length), so
 * that most appends cost Redis one `XADD`: each window it appends to, once per `upkeepMillis`
 * and every `count / 4` appends. The expiry set is `retain + upkeepMillis`, so a window lives at
 * least `retain` after its last append.
 */
import { Effect } from "effect"
import { type PushNotifier, SyncStore } from "@syncalite/core"
import type { Connection } from "./connection.js"
import { writePart } from "./pushPublication.js"
import { appendEvents } from "./pushScripts.js"

/** Bounds a script's run, so that one large batch does not hold Redis for long. */
const MAX_DEVICES = 512

/**
 * The scripts in flight past which calls wait for one to be answered: what comes meanwhile
 * forms the next batch, so batches grow with the load while Redis runs one and the process
 * forms the next.
 */
const MAX_SENDING = 2

/** The common part of the keys of an identity. */
export type Addressing = (identityPoolId: string, identityId: string) => string

/** The stream of events of a device, from the common part of its identity's keys. */
export const streamKey = (identity: string, deviceId: string): string => `${identity}:events:${deviceId}`

/** What needs no escaping in JSON: the characters of a dataset name (`[\w.:-]+`) and of a sync count. */
const plain = /^[\w.:-]*$/

/** A message as its stream entry holds it: what is not the identity's, known from the key. */
const eventOf = (message: PushNotifier.PushMessage): string =>
  plain.test(message.datasetName) && plain.test(message.syncCount)
    ? `["${message.datasetName}","${message.syncCount}"]`
    : JSON.stringify([message.datasetName, message.syncCount])

/** The sharded channel of an identity on a cluster, from the common part of its keys. */
export const channelKey = (identity: string): string => `${identity}:push`

/** The common part of the keys of the identity whose channel is `channel`. */
export const identityOfChannel = (channel: string): string => channel.slice(0, -":push".length)

/** The sharded channel of every identity of a store on a single Redis, from the first part of its keys. */
export const sharedChannelKey = (prefix: string): string => `${prefix}:push`

export interface Window {
  readonly count: number
  readonly millis: number
  /** how long a window outlives its last append, at least */
  readonly retain: number
  /** the longest a process goes without keeping up a window it appends to */
  readonly upkeepMillis: number
}

interface Call {
  readonly deliveries: ReadonlyArray<PushNotifier.PushDelivery>
  /** the batches holding its deliveries not yet answered, and one while they are formed */
  pending: number
  failure: SyncStore.StorageError | undefined
  readonly resume: (effect: Effect.Effect<void, SyncStore.StorageError>) => void
}

/** A device's stream as the process appends to it. */
interface Stream {
  readonly key: string
  /** its device id as a JSON string, as a publication names it */
  readonly device: string
  /** the appends of this period before the next one */
  appends: number
}

/** An identity as the process appends to its streams. */
interface Identity {
  readonly key: string
  /** how a publication names it: the key as a JSON string, or "" on a channel of its own */
  readonly named: string
  /** the channel its notifications are published on */
  readonly channel: string
  /** by device id */
  readonly streams: Map<string, Stream>
}

/** Deliveries of one message, one after the other in a batch. */
interface Group {
  readonly message: PushNotifier.PushMessage
  readonly identity: Identity
  /** the message as its stream entry holds it: `[datasetName, syncCount]` as JSON */
  readonly event: string
  /** one character per device, "1" where its append keeps the window up */
  marks: string
}

interface Batch {
  readonly channel: string
  readonly groups: Array<Group>
  /** the streams of its deliveries, group after group, their device ids as JSON strings, and the call of each */
  readonly streams: Array<Stream>
  readonly devices: Array<string>
  readonly owners: Array<Call>
  /** the calls it holds deliveries of, each once (a call's deliveries come one after the other) */
  readonly calls: Array<Call>
}

const settle = (call: Call, failure: SyncStore.StorageError | undefined) => {
  call.failure ??= failure
  if (--call.pending === 0) call.resume(call.failure === undefined ? Effect.void : Effect.fail(call.failure))
}

/**
 * The identities and streams appended to in the current period of `periodMillis`, with their
 * keys made once, and which appends keep their window up: a process's first append to a stream
 * in each period, and every `slack`-th one after it. So a window this process appends to is
 * kept up at least once a period, and its length checked at least every `slack` appends; and
 * what is remembered is what the process appended to lately.
 */
const makeStreams = (identityOf: Addressing, shared: string | undefined, periodMillis: number, slack: number) => {
  let identities = new Map<string, Map<string, Identity>>()
  let since = Date.now()
  return {
    /** starts a batch: a period over, every stream is due again */
    begin: () => {
      const now = Date.now()
      if (now - since < periodMillis) return
      identities = new Map()
      since = now
    },
    identity: (identityPoolId: string, identityId: string): Identity => {
      let pool = identities.get(identityPoolId)
      if (pool === undefined) identities.set(identityPoolId, pool = new Map())
      let identity = pool.get(identityId)
      if (identity === undefined) {
        const key = identityOf(identityPoolId, identityId)
        pool.set(
          identityId,
          identity = shared === undefined
            ? { key, named: "", channel: channelKey(key), streams: new Map() }
            : { key, named: JSON.stringify(key), channel: shared, streams: new Map() }
        )
      }
      return identity
    },
    stream: (identity: Identity, deviceId: string): Stream => {
      let stream = identity.streams.get(deviceId)
      if (stream === undefined) {
        identity.streams.set(deviceId, stream = { key: streamKey(identity.key, deviceId), device: JSON.stringify(deviceId), appends: 0 })
      }
      return stream
    },
    /** whether this append to `stream` keeps it up */
    due: (stream: Stream): boolean => stream.appends++ % slack === 0,
    /** the upkeep of `stream` may not have been done: its next append does it */
    undone: (stream: Stream) => void (stream.appends = 0)
  }
}

/**
 * `notify` of a Redis push hub: batched appends through `connection`, published on `shared` on
 * a single Redis; on a cluster (`shared` undefined) one batch per identity, published on the
 * identity's channel.
 */
export const makeNotify = (
  connection: Connection,
  identityOf: Addressing,
  window: Window,
  shared: string | undefined
): PushNotifier.PushNotifierShape["notify"] => {
  const head = [String(window.count), String(window.millis), String(window.retain + window.upkeepMillis)]
  const streams = makeStreams(identityOf, shared, window.upkeepMillis, Math.max(1, Math.ceil(window.count / 4)))
  let queued: Array<Call> = []
  let scheduled = false
  let sending = 0
  const schedule = () => {
    if (scheduled || queued.length === 0 || sending >= MAX_SENDING) return
    scheduled = true
    // a microtask, not the next turn: @redis/client writes what it was handed in a turn at its
    // end, so the script goes out in the same write as the publication answered before it, and
    // Redis runs it while the process reads that publication
    queueMicrotask(flush)
  }

  const fail = (batch: Batch, failure: SyncStore.StorageError) => {
    for (const stream of batch.streams) streams.undone(stream)
    for (const call of batch.calls) settle(call, failure)
  }

  /**
   * publishes what a batch appended, then settles its calls, each failed by the first of its
   * appends Redis refused; the publication is sent before the next script on the connection
   */
  const answer = (batch: Batch, keys: ReadonlyArray<string>, reply: ReadonlyArray<unknown>) => {
    const ids = (reply[0] as string).split(",")
    let refused: Map<Call, SyncStore.StorageError> | undefined
    for (let at = 1; at + 1 < reply.length; at += 2) {
      const position = Number(reply[at]) - 1
      refused ??= new Map()
      const owner = batch.owners[position]!
      if (!refused.has(owner)) {
        refused.set(owner, new SyncStore.StorageError({ message: `Redis refused XADD on key ${keys[position]}: ${reply[at + 1]}`, key: keys[position]! }))
      }
    }
    const pieces: Array<string> = []
    let from = 0
    for (const group of batch.groups) {
      const to = from + group.marks.length
      writePart(pieces, group.identity.named, group.event, batch.devices, ids, from, to)
      from = to
    }
    connection.post(batch.channel, ["SPUBLISH", batch.channel, `[${pieces.join("")}]`])
    for (const call of batch.calls) settle(call, refused?.get(call))
  }

  const send = (batch: Batch) => {
    const keys = batch.streams.map((stream) => stream.key)
    const groups: Array<string> = []
    for (const group of batch.groups) groups.push(group.event, group.marks)
    sending++
    // answered without a fiber of its own: the fibers waiting are those of the batch's calls
    connection.scriptThen(
      appendEvents,
      keys,
      [...head, groups.join("\n")],
      (reply) => {
        sending--
        if (Array.isArray(reply) && typeof reply[0] === "string") answer(batch, keys, reply)
        else fail(batch, new SyncStore.StorageError({ message: "Redis answered a push batch with no entry ids" }))
        // after the answer, so that the flush comes after the fibers it resumed: what they notify
        // joins the next batch
        schedule()
      },
      (failure) => {
        sending--
        fail(batch, failure)
        schedule()
      }
    )
  }

  const flush = () => {
    scheduled = false
    const calls = queued
    queued = []
    streams.begin()
    const open = new Map<string, Batch>()
    // the deliveries of a call share their message (one write to many devices): its identity
    // and event are made once for them
    let message: PushNotifier.PushMessage | undefined
    let identity: Identity | undefined
    let event = ""
    for (const call of calls) {
      for (const delivery of call.deliveries) {
        if (delivery.message !== message) {
          message = delivery.message
          identity = streams.identity(message.identityPoolId, message.identityId)
          event = eventOf(message)
        }
        const channel = identity!.channel
        let batch = open.get(channel)
        if (batch === undefined || batch.streams.length >= MAX_DEVICES) {
          if (batch !== undefined) send(batch)
          batch = { channel, groups: [], streams: [], devices: [], owners: [], calls: [] }
          open.set(channel, batch)
        }
        let group = batch.groups[batch.groups.length - 1]
        if (group === undefined || group.message !== message) {
          group = { message, identity: identity!, event, marks: "" }
          batch.groups.push(group)
        }
        const stream = streams.stream(identity!, delivery.device.deviceId)
        batch.streams.push(stream)
        batch.devices.push(stream.device)
        batch.owners.push(call)
        group.marks += streams.due(stream) ? "1" : "0"
        if (batch.calls[batch.calls.length - 1] !== call) {
          batch.calls.push(call)
          call.pending++
        }
      }
      settle(call, undefined)
    }
    for (const batch of open.values()) send(batch)
  }

  return (deliveries) =>
    deliveries.length === 0 ? Effect.void : Effect.async<void, SyncStore.StorageError>((resume) => {
      queued.push({ deliveries, pending: 1, failure: undefined, resume })
      schedule()
    })
}
