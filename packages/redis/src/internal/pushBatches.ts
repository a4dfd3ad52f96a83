/**
 * The notifications of a process, appended in batches: what `notify` is handed during one turn
 * of the event loop, or while `MAX_SENDING` scripts are in flight, goes to Redis as one
 * `appendEvents` script per batch, and each call is answered when the scripts holding its
 * deliveries are. A batch holds the keys of one identity
 * on a cluster (a script's keys share a slot) and of any identities on a single Redis, at most
 * `MAX_DEVICES` devices. Scripts are sent in the order the calls came, on the connection of
 * their node, so a dataset's notifications, handed one after the other, stay in order.
 */
import { Cause, Effect, Exit, Option } from "effect"
import { type PushNotifier, SyncStore } from "@syncalite/core"
import type { Connection } from "./connection.js"
import { appendEvents } from "./pushScripts.js"

/** Bounds a script's run, so that one large batch does not hold Redis for long. */
const MAX_DEVICES = 512

/**
 * The scripts in flight past which calls wait for one to be answered: what comes meanwhile
 * forms the next batch, so batches grow with the load while Redis runs one and the process
 * forms the next.
 */
const MAX_SENDING = 2

export interface Addressing {
  /** the stream of a delivery's device */
  readonly stream: (delivery: PushNotifier.PushDelivery) => string
  /** the sharded channel of a delivery's identity */
  readonly channel: (delivery: PushNotifier.PushDelivery) => string
}

export interface Window {
  readonly count: number
  readonly millis: number
  readonly retain: number
}

interface Call {
  readonly streams: ReadonlyArray<string>
  /** the batches holding its deliveries not yet answered, and one while they are formed */
  pending: number
  failure: SyncStore.StorageError | undefined
  readonly resume: (effect: Effect.Effect<void, SyncStore.StorageError>) => void
}

interface Group {
  readonly channel: string
  readonly message: string
  readonly streams: Array<string>
  readonly devices: Array<string>
}

interface Batch {
  readonly groups: Map<string, Group>
  readonly calls: Set<Call>
  devices: number
}

const settle = (call: Call, failure: SyncStore.StorageError | undefined) => {
  call.failure ??= failure
  if (--call.pending === 0) call.resume(call.failure === undefined ? Effect.void : Effect.fail(call.failure))
}

/**
 * `notify` of a Redis push hub: batched appends through `connection`, one batch per identity
 * when `perIdentity` (a cluster).
 */
export const makeNotify = (
  connection: Connection,
  addressing: Addressing,
  window: Window,
  perIdentity: boolean
): PushNotifier.PushNotifierShape["notify"] => {
  const head = [String(window.count), String(window.millis), String(window.retain), String(Math.max(1, Math.ceil(window.count / 4)))]
  let queued: Array<readonly [Call, ReadonlyArray<PushNotifier.PushDelivery>]> = []
  let scheduled = false
  let sending = 0
  const schedule = () => {
    if (scheduled || queued.length === 0 || sending >= MAX_SENDING) return
    scheduled = true
    setImmediate(flush)
  }

  const send = (batch: Batch) => {
    const keys: Array<string> = []
    const args = [...head]
    for (const group of batch.groups.values()) {
      keys.push(...group.streams)
      args.push(group.channel, group.message, JSON.stringify(group.devices), String(group.devices.length))
    }
    sending++
    Effect.runCallback(connection.script(appendEvents, keys, args), {
      onExit: (exit) => {
        sending--
        schedule()
        if (Exit.isFailure(exit)) {
          const failure = Option.getOrElse(
            Cause.failureOption(exit.cause),
            () => new SyncStore.StorageError({ message: "The push batch was not appended", cause: Cause.squash(exit.cause) })
          )
          for (const call of batch.calls) settle(call, failure)
          return
        }
        const failed = new Map<string, string>()
        const reply = exit.value as ReadonlyArray<string>
        for (let i = 0; i + 1 < reply.length; i += 2) failed.set(reply[i]!, reply[i + 1]!)
        for (const call of batch.calls) {
          const key = failed.size === 0 ? undefined : call.streams.find((stream) => failed.has(stream))
          settle(call, key === undefined ? undefined : new SyncStore.StorageError({ message: `Redis refused XADD on key ${key}: ${failed.get(key)}`, key }))
        }
      }
    })
  }

  const flush = () => {
    scheduled = false
    const calls = queued
    queued = []
    const open = new Map<string, Batch>()
    const messages = new Map<PushNotifier.PushMessage, string>()
    for (const [call, deliveries] of calls) {
      deliveries.forEach((delivery, i) => {
        const channel = addressing.channel(delivery)
        const slot = perIdentity ? channel : ""
        let batch = open.get(slot)
        if (batch === undefined || batch.devices >= MAX_DEVICES) {
          if (batch !== undefined) send(batch)
          batch = { groups: new Map(), calls: new Set(), devices: 0 }
          open.set(slot, batch)
        }
        let message = messages.get(delivery.message)
        if (message === undefined) {
          message = JSON.stringify(delivery.message)
          messages.set(delivery.message, message)
        }
        const groupKey = `${channel}\n${message}`
        let group = batch.groups.get(groupKey)
        if (group === undefined) {
          group = { channel, message, streams: [], devices: [] }
          batch.groups.set(groupKey, group)
        }
        group.streams.push(call.streams[i]!)
        group.devices.push(delivery.device.deviceId)
        batch.devices++
        if (!batch.calls.has(call)) {
          batch.calls.add(call)
          call.pending++
        }
      })
      settle(call, undefined)
    }
    for (const batch of open.values()) send(batch)
  }

  return (deliveries) =>
    deliveries.length === 0 ? Effect.void : Effect.async<void, SyncStore.StorageError>((resume) => {
      queued.push([{ streams: deliveries.map(addressing.stream), pending: 1, failure: undefined, resume }, deliveries])
      schedule()
    })
}
