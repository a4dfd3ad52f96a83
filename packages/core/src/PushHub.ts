/**
 * The push hub: where the event streams a process holds (Server-Sent Events, one per device)
 * attach, and a `PushNotifier` that feeds them. Each notification for a device becomes an event
 * with an id; a stream that reconnects with the last id it read receives what it missed, from a
 * replay window of at least the last `replayCount` notifications or `replayMillis` per device,
 * whichever keeps more (in memory, of the devices notified within `replayMillis`).
 *
 * `layerMemory` serves the streams of one process. A hub shared by many processes (Redis, in
 * `@syncalite/redis`) keeps its window where every process reads it and hands each event to the
 * process's `Subscribers`.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer, type Scope } from "effect"
import * as PushNotifier from "./PushNotifier.js"
import type { StorageError } from "./SyncStore.js"

/**
 * One device of one identity.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeviceAddress {
  readonly identityPoolId: string
  readonly identityId: string
  readonly deviceId: string
}

/**
 * A notification as a stream reads it: the SPEC B §8 message and the id to resume after.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushEvent {
  readonly id: string
  readonly message: PushNotifier.PushMessage
}

/**
 * What an attached stream is told.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushSubscriber {
  readonly event: (event: PushEvent) => void
  /** the hub can deliver no more (it closed, or lost its transport): the stream should end, so that its client reconnects and replays */
  readonly end: () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PushHubShape extends PushNotifier.PushNotifierShape {
  /**
   * Attaches a subscriber to a device: first the events of the window after `lastEventId` (none
   * without one), then every new one, in order, until the answered effect detaches it.
   */
  readonly attach: (
    device: DeviceAddress,
    lastEventId: string | undefined,
    subscriber: PushSubscriber
  ) => Effect.Effect<Effect.Effect<void>, StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class PushHub extends Context.Tag("@syncalite/core/PushHub")<PushHub, PushHubShape>() {}

/**
 * How much of each device's past a hub keeps for replay.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplayWindow {
  /** the notifications kept whatever their age; 100 by default */
  readonly replayCount?: number
  /** the age up to which every notification is kept; 5 minutes by default */
  readonly replayMillis?: number
  /** how long a device's window is kept after its last notification; a day by default, never less than `replayMillis` */
  readonly retainMillis?: number
}

/**
 * The default window: the last 100 notifications or 5 minutes, whichever keeps more.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultReplayWindow = { replayCount: 100, replayMillis: 5 * 60_000 } as const

/**
 * The key of a device in a hub's maps.
 *
 * @since 0.1.0
 * @category utils
 */
export const deviceKey = (device: DeviceAddress): string =>
  `${device.identityPoolId}\n${device.identityId}\n${device.deviceId}`

/**
 * The subscribers a process holds, by device: what a hub of any transport hands events to.
 *
 * @since 0.1.0
 * @category models
 */
export interface Subscribers {
  /** adds a subscriber; answers whether it is the first of its device */
  readonly add: (key: string, subscriber: PushSubscriber) => boolean
  /** removes a subscriber; answers whether it was the last of its device */
  readonly remove: (key: string, subscriber: PushSubscriber) => boolean
  readonly deliver: (key: string, event: PushEvent) => void
  /** ends every subscriber, and forgets them */
  readonly endAll: () => void
}

/**
 * An empty set of subscribers. A subscriber that throws is ended and removed, not the others.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSubscribers = (): Subscribers => {
  const byDevice = new Map<string, Set<PushSubscriber>>()
  const remove = (key: string, subscriber: PushSubscriber): boolean => {
    const set = byDevice.get(key)
    if (set === undefined || !set.delete(subscriber)) return false
    if (set.size > 0) return false
    byDevice.delete(key)
    return true
  }
  return {
    add: (key, subscriber) => {
      const set = byDevice.get(key)
      if (set !== undefined) {
        set.add(subscriber)
        return false
      }
      byDevice.set(key, new Set([subscriber]))
      return true
    },
    remove,
    deliver: (key, event) => {
      const set = byDevice.get(key)
      if (set === undefined) return
      for (const subscriber of set) {
        try {
          subscriber.event(event)
        } catch {
          remove(key, subscriber)
          subscriber.end()
        }
      }
    },
    endAll: () => {
      const all = [...byDevice.values()].flatMap((set) => [...set])
      byDevice.clear()
      for (const subscriber of all) subscriber.end()
    }
  }
}

interface Kept {
  readonly sequence: number
  readonly at: number
  readonly message: PushNotifier.PushMessage
}

/**
 * A hub of one process, its window in memory. Event ids are decimal sequence numbers of the
 * process; closing the layer's scope ends every attached subscriber. A device not notified for
 * `retainMillis` (a day, as on Redis) is forgotten, its last `replayCount` notifications with it,
 * so that the memory held follows the devices notified lately, not every device ever notified.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (window: ReplayWindow = {}): Effect.Effect<PushHubShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const replayCount = window.replayCount ?? defaultReplayWindow.replayCount
    const replayMillis = window.replayMillis ?? defaultReplayWindow.replayMillis
    const retainMillis = Math.max(window.retainMillis ?? 86_400_000, replayMillis)
    const subscribers = makeSubscribers()
    const kept = new Map<string, Array<Kept>>()
    let sequence = 0
    yield* Effect.addFinalizer(() => Effect.sync(() => subscribers.endAll()))

    const trim = (events: Array<Kept>, now: number): void => {
      let drop = 0
      while (events.length - drop > replayCount && events[drop]!.at < now - replayMillis) drop++
      if (drop > 0) events.splice(0, drop)
    }
    // `kept` is in the order of each device's last notification, so the idle ones lead it
    const forgetIdle = (now: number): void => {
      for (const [key, events] of kept) {
        if (events[events.length - 1]!.at >= now - retainMillis) return
        kept.delete(key)
      }
    }

    return {
      notify: (deliveries) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          forgetIdle(now)
          for (const delivery of deliveries) {
            const key = deviceKey({ ...delivery.message, deviceId: delivery.device.deviceId })
            const events = kept.get(key) ?? []
            kept.delete(key)
            kept.set(key, events)
            const entry = { sequence: ++sequence, at: now, message: delivery.message }
            events.push(entry)
            trim(events, now)
            subscribers.deliver(key, { id: String(entry.sequence), message: entry.message })
          }
        }),
      attach: (device, lastEventId, subscriber) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          forgetIdle(now)
          const key = deviceKey(device)
          const after = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined
          if (after !== undefined) {
            for (const entry of kept.get(key) ?? []) {
              if (entry.sequence > after) subscriber.event({ id: String(entry.sequence), message: entry.message })
            }
          }
          subscribers.add(key, subscriber)
          return Effect.sync(() => void subscribers.remove(key, subscriber))
        })
    }
  })

/**
 * The hub of one process as a layer of the hub and of the `PushNotifier` port that feeds it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (window: ReplayWindow = {}): Layer.Layer<PushHub | PushNotifier.PushNotifier> =>
  Layer.scopedContext(
    Effect.map(makeMemory(window), (hub) => Context.make(PushHub, hub).pipe(Context.add(PushNotifier.PushNotifier, hub)))
  )
