/**
 * Push fan-out across processes over the Redis of a `RedisSyncStore`: a write on any process
 * reaches the event streams every process holds, and a stream that reconnects to any process
 * replays what it missed.
 *
 * The notifications a process makes in one task (with the fibers that task resumes) are
 * appended by one script (one per identity on a Cluster): it appends each message to its
 * devices' Redis Streams (as `[datasetName, syncCount]` in the field `e`: the rest is the
 * identity's, known from the key; the replay window: at least the last 100 entries or 5
 * minutes, whichever keeps more, the entry ids being the events' ids) and answers the ids,
 * which the process publishes with
 * `SPUBLISH` (Redis 7 or later: sharded pub/sub) before its next script. On a Cluster each
 * identity's are published on the identity's channel, whose name carries its hash tag, and a
 * process subscribes (`SSUBSCRIBE`) to it while it holds a stream of one of its devices. On a
 * single Redis a batch is published as one message on the store's channel (`<prefix>:push`),
 * which a process subscribes to while it holds any stream, reading what is of the identities it
 * holds: one message per batch rather than one per identity; a process also listens on the
 * identity's channel, where a process of an earlier version publishes during a rolling upgrade
 * (a stream on such a process hears a later one's notifications when it reconnects and
 * replays).
 *
 * Delivery is at most once per stream while it is open, and what a stream missed (the process's
 * subscription was lost, the client reconnected) is replayed from the window on reconnection
 * with `Last-Event-ID`. When its subscription connection drops, a process ends its streams so
 * that their clients reconnect and replay. A Redis restarted without persistence loses the
 * window: a stream reconnecting after it replays nothing from before the restart.
 *
 * @example
 * ```ts
 * import { createCognitoSync } from "@syncalite/core"
 * import { RedisPushHub } from "@syncalite/redis"
 *
 * // one layer, built once, gives both: the store and the hub share its connection
 * const redis = RedisPushHub.layerStore({ redis: "redis://127.0.0.1:6379" })
 * const sync = createCognitoSync({ tokenSecret: process.env.SYNCALITE_SECRET, store: redis, hub: redis })
 * ```
 *
 * @since 0.1.0
 */
import { type Config, type ConfigError, Context, Duration, Effect, Layer, type Scope } from "effect"
import { PushHub, PushNotifier, SyncStore } from "@syncalite/core"
import { makeKeys } from "./internal/codec.js"
import { type ClientLike, makeConnection } from "./internal/connection.js"
import { channelKey, identityOfChannel, makeNotify, sharedChannelKey, streamKey } from "./internal/pushBatches.js"
import { makeKeyIndex } from "./internal/keyIndex.js"
import { isEvent, readPublication } from "./internal/pushPublication.js"
import * as RedisSyncStore from "./RedisSyncStore.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends PushHub.ReplayWindow {
  /**
   * how long a device's window outlives its last notification; a day by default. It is forgotten
   * within an eighth of that more (a minute at most): a process refreshes a window's expiry at
   * most once per that time, not at every notification
   */
  readonly retainMillis?: number
  /** how long a command may go unanswered; 2 seconds by default */
  readonly commandTimeout?: Duration.DurationInput
}

type Listener = (message: string, channel: string) => void

/** What the hub needs of a client or a cluster of @redis/client for sharded pub/sub. */
interface PubSub {
  readonly sSubscribe: (channel: string, listener: Listener) => Promise<void>
  readonly sUnsubscribe: (channel: string, listener?: Listener) => Promise<void>
}

const idPattern = /^\d{1,16}-\d{1,16}$/

/**
 * Orders two stream entry ids (`ms-seq`, as `idPattern` checks or Redis made them): as strings
 * when their parts have the same lengths (digits of one length order as their numbers do),
 * which is the rule among the ids of one stream, else by their numbers.
 */
const compareIds = (a: string, b: string): number => {
  const ad = a.indexOf("-")
  const bd = b.indexOf("-")
  if (ad === bd && a.length === b.length) return a < b ? -1 : a > b ? 1 : 0
  return Number(a.slice(0, ad)) - Number(b.slice(0, bd)) || Number(a.slice(ad + 1)) - Number(b.slice(bd + 1))
}

const messageOf = (identityPoolId: string, identityId: string, datasetName: string, syncCount: string): PushNotifier.PushMessage => ({
  source: "cognito-sync",
  identityPoolId,
  identityId,
  datasetName,
  syncCount
})

/** An identity a process holds streams of, and the subscribers of its devices. */
interface Identity {
  readonly identityPoolId: string
  readonly identityId: string
  /** by device id */
  readonly devices: PushHub.Subscribers
  /** the streams attached */
  streams: number
}

/**
 * The hub over the store's connection, released with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<PushHub.PushHubShape, SyncStore.StorageError, Scope.Scope | RedisSyncStore.RedisSyncStore> =>
  Effect.gen(function*() {
    const store = yield* RedisSyncStore.RedisSyncStore
    const client = store.client as unknown as ClientLike & PubSub & { duplicate?: () => ClientLike & PubSub }
    const keys = makeKeys(store.prefix)
    const count = options.replayCount ?? PushHub.defaultReplayWindow.replayCount
    const millis = options.replayMillis ?? PushHub.defaultReplayWindow.replayMillis
    const retain = Math.max(options.retainMillis ?? 86_400_000, millis)
    const upkeepMillis = Math.min(60_000, Math.ceil(retain / 8))
    const timeout = options.commandTimeout === undefined ? 2000 : Duration.toMillis(Duration.decode(options.commandTimeout))
    const within = <A>(promise: Promise<A>) =>
      new Promise<A>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeout} ms`)), timeout)
        promise.then((value) => {
          clearTimeout(timer)
          resolve(value)
        }, (error) => {
          clearTimeout(timer)
          reject(error)
        })
      })
    const connection = yield* Effect.acquireRelease(
      Effect.sync(() => makeConnection(client, timeout)),
      (connection) => Effect.sync(() => connection.dispose())
    )

    // a cluster keeps its own connections for sharded channels; a single Redis needs one of its own
    const isCluster = (client as { slots?: unknown }).slots !== undefined
    const pubsub: ClientLike & PubSub = isCluster ? client : yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const duplicate = client.duplicate!()
          duplicate.on("error", () => undefined)
          await duplicate.connect()
          return duplicate
        },
        catch: (cause) => new SyncStore.StorageError({ message: "Could not open the Redis connection of push events", cause })
      }),
      (duplicate) => Effect.promise(() => duplicate.close().catch(() => undefined))
    )
    interface Channel {
      /** the streams attached through it */
      count: number
      readonly ready: Promise<void>
    }
    const channels = new Map<string, Channel>()
    // by the common part of their keys, which a publication names (on a channel of its own, the
    // channel does): found without building a key per delivery, nor hashing the whole of the one read
    const identities = makeKeyIndex<Identity>()
    const endAll = () => {
      for (const identity of identities.values()) identity.devices.endAll()
    }
    // what was published while the subscription was down is lost to the streams: they end, and
    // replay on reconnection, subscribing afresh once the connection is back
    let connected: Promise<void> = Promise.resolve()
    let back: (() => void) | undefined
    const lost = () => {
      channels.clear()
      endAll()
      if (back === undefined) connected = new Promise<void>((resolve) => (back = resolve))
    }
    const ready = () => {
      back?.()
      back = undefined
    }
    pubsub.on("reconnecting", lost)
    pubsub.on("ready", ready)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        pubsub.off("reconnecting", lost)
        pubsub.off("ready", ready)
        ready()
        endAll()
      })
    )

    const onMessage: Listener = (text, channel) => {
      const { devices, ids, parts } = readPublication(text)
      for (const part of parts) {
        const identity = identities.get(part.k ?? identityOfChannel(channel))
        if (identity === undefined) continue
        const message = messageOf(identity.identityPoolId, identity.identityId, part.datasetName, part.syncCount)
        for (let at = part.from; at < part.to; at++) {
          const id = ids[at]
          if (id !== null) identity.devices.deliver(devices[at]!, { id, message })
        }
      }
    }

    // on a single Redis every identity's notifications are published on one channel, that a
    // process listens to while it holds a stream, and reads what is of the identities it holds;
    // on a cluster each identity's on its own (a script's keys and channel share a slot)
    const shared = isCluster ? undefined : sharedChannelKey(keys.prefix)
    const streamOf = (device: PushHub.DeviceAddress) => streamKey(keys.identity(device.identityPoolId, device.identityId), device.deviceId)
    /** one stream fewer on a channel: unsubscribed after the last, unless subscribed afresh since */
    const leave = (channel: string, entry: Channel) => {
      if (--entry.count > 0) return
      if (channels.get(channel) === entry) channels.delete(channel)
      if (channels.has(channel)) return
      void entry.ready.then(() => pubsub.sUnsubscribe(channel, onMessage)).catch(() => undefined)
    }
    const join = (channel: string) => {
      let entry = channels.get(channel)
      if (entry === undefined) {
        entry = { count: 0, ready: within(connected.then(() => pubsub.sSubscribe(channel, onMessage))) }
        channels.set(channel, entry)
      }
      const joined = entry
      joined.count++
      return Effect.as(
        Effect.tryPromise({
          // a subscription answered after the connection was lost meanwhile fails: its
          // subscriber could be reached by no event and no ending
          try: () =>
            joined.ready.then(() => {
              if (channels.get(channel) !== joined) throw new Error("The subscription connection was lost meanwhile")
            }),
          catch: (cause) => {
            leave(channel, joined)
            if (channels.get(channel) === joined) channels.delete(channel)
            return new SyncStore.StorageError({ message: `Could not subscribe to ${channel}`, cause })
          }
        }),
        joined
      )
    }
    /** the identity of `device`, held by one stream more */
    const hold = (key: string, device: PushHub.DeviceAddress): Identity => {
      let identity = identities.get(key)
      if (identity === undefined) {
        identity = { identityPoolId: device.identityPoolId, identityId: device.identityId, devices: PushHub.makeSubscribers(), streams: 0 }
        identities.set(key, identity)
      }
      identity.streams++
      return identity
    }
    const release = (key: string, identity: Identity) => {
      if (--identity.streams === 0 && identities.get(key) === identity) identities.delete(key)
    }

    const notify = makeNotify(
      connection,
      keys.identity,
      { count, millis, retain, upkeepMillis },
      shared
    )

    const replay = (device: PushHub.DeviceAddress, after: string) => {
      const key = streamOf(device)
      return Effect.map(connection.command(key, ["XRANGE", key, `(${after}`, "+", "COUNT", String(Math.max(count, 1000))]), (reply) => {
        const events: Array<PushHub.PushEvent> = []
        for (const entry of Array.isArray(reply) ? reply : []) {
          const [id, fields] = entry as [string, Array<string>]
          try {
            const value: unknown = JSON.parse(fields[1]!)
            if (fields[0] === "e" && isEvent(value)) events.push({ id, message: messageOf(device.identityPoolId, device.identityId, value[0], value[1]) })
            // "m", the whole message: an entry written before the hub kept only the event
            else if (fields[0] === "m" && typeof value === "object" && value !== null) events.push({ id, message: value as PushNotifier.PushMessage })
          } catch {
            // an entry not written by this hub is no event
          }
        }
        return events
      })
    }

    return {
      notify,
      attach: (device, lastEventId, subscriber) =>
        Effect.gen(function*() {
          const key = keys.identity(device.identityPoolId, device.identityId)
          const own = channelKey(key)
          const joined = yield* join(shared ?? own)
          // on a single Redis, the identity's own channel too: a process of an earlier version,
          // sharing the Redis during a rolling upgrade, publishes there
          const earlier = shared === undefined
            ? undefined
            : yield* Effect.onError(join(own), () => Effect.sync(() => leave(shared, joined)))
          const identity = hold(key, device)
          const { devices } = identity
          const after = lastEventId !== undefined && idPattern.test(lastEventId) ? lastEventId : undefined
          // live events wait while the window is read, and what both gave is passed once
          let last = after
          let pending: Array<PushHub.PushEvent> | undefined = after === undefined ? undefined : []
          const pass = (event: PushHub.PushEvent) => {
            if (last !== undefined && compareIds(event.id, last) <= 0) return
            last = event.id
            subscriber.event(event)
          }
          const attached: PushHub.PushSubscriber = {
            event: (event) => (pending === undefined ? pass(event) : void pending.push(event)),
            end: subscriber.end
          }
          devices.add(device.deviceId, attached)
          let detached = false
          const detach = Effect.sync(() => {
            if (detached) return
            detached = true
            devices.remove(device.deviceId, attached)
            release(key, identity)
            leave(shared ?? own, joined)
            if (earlier !== undefined) leave(own, earlier)
          })
          if (after !== undefined) {
            const missed = yield* Effect.onError(replay(device, after), () => detach)
            const live = pending!
            pending = undefined
            for (const event of [...missed, ...live]) pass(event)
          }
          return detach
        })
    }
  })

/**
 * The hub as a layer of the hub and of the `PushNotifier` port that feeds it, over a store's
 * Redis.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<PushHub.PushHub | PushNotifier.PushNotifier, SyncStore.StorageError, RedisSyncStore.RedisSyncStore> =>
  Layer.scopedContext(
    Effect.map(make(options), (hub) => Context.make(PushHub.PushHub, hub).pipe(Context.add(PushNotifier.PushNotifier, hub)))
  )

/**
 * The store and its hub as one layer, from the store's options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStore = (
  options: RedisSyncStore.Options & Options = {}
): Layer.Layer<
  PushHub.PushHub | PushNotifier.PushNotifier | RedisSyncStore.RedisSyncStore | SyncStore.SyncStore,
  SyncStore.StorageError
> => layer(options).pipe(Layer.provideMerge(RedisSyncStore.layer(options)))

/**
 * The store and its hub, their options read from configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<RedisSyncStore.Options & Options>
): Layer.Layer<
  PushHub.PushHub | PushNotifier.PushNotifier | RedisSyncStore.RedisSyncStore | SyncStore.SyncStore,
  SyncStore.StorageError | ConfigError.ConfigError
> => Layer.unwrapEffect(Effect.map(config, layerStore))
