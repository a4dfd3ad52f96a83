/**
 * The push conformance suite: every `PushNotifier` adapter proves itself by running it with one
 * call. A transport's deliveries are seen on its far side, so the adapter's test gives, beside
 * the notifier, a `Receiver` that listens there for one device (an MQTT subscriber, a webhook
 * endpoint, an events stream…), and states what the adapter promises, which the suite tests:
 *
 * - `at-most-once`: each notification reaches a listening device once, never twice;
 * - `at-least-once`: notifications written while the transport is disrupted still arrive
 *   (perhaps twice) once it recovers;
 * - `replay`: a device that stops listening and resumes from where it stopped receives exactly
 *   what it missed.
 *
 * Every case writes through a real `CognitoSync` service (in memory) whose pushes go through the
 * adapter: the SPEC B §8 payload reaches every device subscribed to the dataset except the
 * writer's, and no device unsubscribed, unregistered, subscribed elsewhere or of another
 * identity; a dataset's notifications arrive in sync-count order, concurrent writers included;
 * a notifier that fails or hangs never fails a write nor holds it past `pushWaitMillis`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { PushSuite } from "@syncalite/testing"
 *
 * PushSuite.run("my transport", {
 *   make: Layer.merge(MyNotifier.layer({ url }), Layer.succeed(PushSuite.Receiver, {
 *     listen: (recipient) => subscribe(url, recipient) // an Inbox of the payloads it got
 *   })),
 *   delivery: { promise: "at-most-once" }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import {
  Cause,
  Chunk,
  Clock,
  Context,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Option,
  Random,
  Scope,
  TestClock,
  TestContext
} from "effect"
import { describe, expect, it } from "vitest"
import {
  Caller,
  CognitoSync,
  CognitoSyncConfig,
  type PushHub,
  PushNotifier,
  StreamPublisher,
  SyncStore,
  SyncTrigger
} from "@syncalite/core"

/**
 * A device as the transport addresses it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Recipient {
  readonly identityPoolId: string
  readonly identityId: string
  readonly deviceId: string
  readonly platform: string
  readonly token: string
}

/**
 * What one device has received.
 *
 * @since 0.1.0
 * @category models
 */
export interface Inbox {
  /** the payloads received so far, in their order of arrival, as the transport decoded them; still readable once the listening ended */
  readonly received: Effect.Effect<ReadonlyArray<unknown>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ReceiverShape {
  /**
   * Listens on the transport's far side for what reaches this device, until the scope closes.
   * With `resume` (an inbox of this device whose scope closed), a replaying transport starts
   * after what that inbox received.
   */
  readonly listen: (recipient: Recipient, resume?: Inbox) => Effect.Effect<Inbox, unknown, Scope.Scope>
}

/**
 * The far side of the transport under test.
 *
 * @since 0.1.0
 * @category tags
 */
export class Receiver extends Context.Tag("@syncalite/testing/PushSuite/Receiver")<Receiver, ReceiverShape>() {}

/**
 * The far side of a push hub: a stream attached to `hub` for each device, as the events route
 * attaches one. Give it a hub other than the notifier's (another connection to the same
 * transport, as another process holds) to test the fan-out between processes. A device that
 * resumes attaches with the last event id its previous inbox read.
 *
 * @since 0.1.0
 * @category constructors
 */
export const hubReceiver = (hub: PushHub.PushHubShape): ReceiverShape => {
  const lastIds = new WeakMap<Inbox, string>()
  return {
    listen: (recipient, resume) =>
      Effect.gen(function*() {
        const received: Array<unknown> = []
        const inbox: Inbox = { received: Effect.sync(() => [...received]) }
        const detach = yield* hub.attach(recipient, resume === undefined ? undefined : lastIds.get(resume), {
          event: (event) => {
            received.push(event.message)
            lastIds.set(inbox, event.id)
          },
          end: () => undefined
        })
        yield* Effect.addFinalizer(() => detach)
        return inbox
      })
  }
}

/**
 * What the adapter promises, as its README states it.
 *
 * @since 0.1.0
 * @category models
 */
export type Delivery<R> =
  | { readonly promise: "at-most-once" }
  | {
    readonly promise: "at-least-once"
    /** breaks the notifier's connection to its transport, as a network fault would; the notifier recovers by itself */
    readonly disrupt: Effect.Effect<void, unknown, R>
  }
  | { readonly promise: "replay" }

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<R = never> {
  /** the adapter's notifier and a receiver on its transport, built once for each test */
  readonly make: Layer.Layer<PushNotifier.PushNotifier | Receiver | R, unknown>
  readonly delivery: Delivery<NoInfer<R>>
  /** the adapter pointed at a transport that refuses or never answers, when it can be */
  readonly broken?: Layer.Layer<PushNotifier.PushNotifier, unknown>
  /** how long a notification may take to arrive, in milliseconds; 10 000 by default */
  readonly patience?: number
  /** how long to wait for what must not arrive, in milliseconds; 300 by default */
  readonly quiet?: number
  /** the timeout of each test in milliseconds; 60 000 by default */
  readonly timeout?: number
}

const tokenSecret = "push-suite-secret-0123456789abcdef"
const gcmArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/PushSuite"
const developer = Caller.developer("123456789012")
/** What a healthy write waits for its notifications: far above a delivery, so none is cut short. */
const pushWaitMillis = 5000

/** A random id in the shape of Cognito's pool and identity ids. */
const newId = (): string => `us-east-1:${randomUUID()}`

type Sync = CognitoSync.CognitoSyncShape

/** A `CognitoSync` in memory whose pushes go through `notifier`. */
const service = (notifier: PushNotifier.PushNotifierShape): Effect.Effect<Sync, never, Scope.Scope> =>
  CognitoSync.make.pipe(Effect.provide(Layer.mergeAll(
    SyncStore.layerMemory,
    StreamPublisher.layerNoop,
    SyncTrigger.layerNoop,
    CognitoSyncConfig.layer({ tokenSecret, limits: { pushWaitMillis } }),
    Layer.succeed(PushNotifier.PushNotifier, notifier)
  )))

/** One identity of the test's pool, and what it does there. */
interface Identity {
  readonly identityPoolId: string
  readonly identityId: string
  /** UpdateRecords of a new key (from the identity's device `deviceId`, if any); answers the new sync count */
  readonly write: (datasetName: string, deviceId?: string) => Effect.Effect<number, unknown>
  readonly register: () => Effect.Effect<Recipient, unknown>
  readonly subscribe: (datasetName: string, recipient: Recipient) => Effect.Effect<void, unknown>
  readonly unsubscribe: (datasetName: string, recipient: Recipient) => Effect.Effect<void, unknown>
}

const identityOf = (sync: Sync, identityPoolId: string): Identity => {
  const identityId = newId()
  const caller = Caller.identity(identityPoolId, identityId)
  const ref = (DatasetName: string) => ({ IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName })
  return {
    identityPoolId,
    identityId,
    write: (datasetName, deviceId) =>
      Effect.gen(function*() {
        const { SyncSessionToken } = yield* sync.listRecords(ref(datasetName), caller)
        const { Records } = yield* sync.updateRecords({
          ...ref(datasetName),
          ...(deviceId === undefined ? {} : { DeviceId: deviceId }),
          SyncSessionToken,
          RecordPatches: [{ Op: "replace", Key: randomUUID(), Value: "v", SyncCount: 0 }]
        }, deviceId === undefined ? developer : caller)
        return Records[0]!.SyncCount!
      }),
    register: () =>
      Effect.gen(function*() {
        const token = randomUUID()
        const { DeviceId } = yield* sync.registerDevice(
          { IdentityPoolId: identityPoolId, IdentityId: identityId, Platform: "GCM", Token: token },
          caller
        )
        return { identityPoolId, identityId, deviceId: DeviceId!, platform: "GCM", token }
      }),
    subscribe: (datasetName, recipient) =>
      Effect.asVoid(sync.subscribeToDataset({ ...ref(datasetName), DeviceId: recipient.deviceId }, caller)),
    unsubscribe: (datasetName, recipient) =>
      Effect.asVoid(sync.unsubscribeFromDataset({ ...ref(datasetName), DeviceId: recipient.deviceId }, caller))
  }
}

/** A fresh pool with push sync configured. */
const newPool = (sync: Sync): Effect.Effect<string, unknown> => {
  const identityPoolId = newId()
  return Effect.as(
    sync.setIdentityPoolConfiguration({ IdentityPoolId: identityPoolId, PushSync: { ApplicationArns: [gcmArn] } }, developer),
    identityPoolId
  )
}

/** The payload SPEC B §8 sends for a write. */
const payload = (identity: Identity, datasetName: string, syncCount: number) => ({
  source: "cognito-sync",
  identityPoolId: identity.identityPoolId,
  identityId: identity.identityId,
  datasetName,
  syncCount: String(syncCount)
})

const syncCountOf = (message: unknown): number =>
  Number((message as { readonly syncCount?: unknown } | null)?.syncCount)

/** The messages with each one's repetitions after the first removed. */
const firstOfEach = (messages: ReadonlyArray<unknown>): ReadonlyArray<unknown> => {
  const seen = new Set<string>()
  return messages.filter((message) => {
    const key = JSON.stringify(message)
    return seen.has(key) ? false : (seen.add(key), true)
  })
}

/** Waits, on the real clock, until `done` holds; fails saying `what` did not happen in `patience`. */
const until = (done: Effect.Effect<boolean>, patience: number, what: string): Effect.Effect<void, Error> =>
  Effect.gen(function*() {
    const deadline = Date.now() + patience
    while (!(yield* done)) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`${what}: not within ${patience} ms`))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
    }
  })

/** The number of distinct payloads an inbox holds. */
const distinct = (inbox: Inbox) => Effect.map(inbox.received, (messages) => firstOfEach(messages).length)

/**
 * Runs `write` under a test clock and answers its exit once the clock has moved by exactly
 * `pushWaitMillis`: a write that waits on a transport past that bound never ends.
 */
const bounded = <A, E>(write: Effect.Effect<A, E>, patience: number): Effect.Effect<Exit.Exit<A, E>, Error> =>
  Effect.gen(function*() {
    yield* TestClock.setTime(Date.now())
    const bound = (yield* Clock.currentTimeMillis) + pushWaitMillis
    const fiber = yield* Effect.fork(write)
    yield* until(
      Effect.map(
        Effect.zip(Fiber.poll(fiber), TestClock.sleeps()),
        ([exit, sleeps]) => Option.isSome(exit) || Chunk.some(sleeps, (wakeUp) => wakeUp <= bound)
      ),
      patience,
      "the write neither answered nor waited on a clock"
    )
    yield* TestClock.adjust(pushWaitMillis)
    yield* until(Effect.map(Fiber.poll(fiber), Option.isSome), patience, `the write answered later than pushWaitMillis`)
    return yield* Fiber.await(fiber)
  }).pipe(Effect.provide(TestContext.TestContext))

/** Runs `effect` and answers what it logged at warning level or above. */
const warnings = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<[A, ReadonlyArray<string>], E> =>
  Effect.suspend(() => {
    const logged: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) logged.push(String(message))
    })
    return Effect.map(Effect.provide(effect, Logger.replace(Logger.defaultLogger, logger)), (a) => [a, logged])
  })

/** Runs an Effect test body in a scope; a failed assertion surfaces as itself. */
const runBody = async (effect: Effect.Effect<void, unknown, Scope.Scope>): Promise<void> => {
  const exit = await Effect.runPromiseExit(Effect.scoped(effect))
  if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
}

/**
 * Registers the suite's tests for one adapter.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = <R = never>(name: string, options: Options<R>): void => {
  const patience = options.patience ?? 10_000
  const quiet = options.quiet ?? 300
  const timeout = options.timeout ?? 60_000
  const atLeastOnce = options.delivery.promise === "at-least-once"
  /** what arrived, as the promise lets the suite compare it: repetitions dropped when they are allowed */
  const arrived = (inbox: Inbox) =>
    Effect.map(inbox.received, (messages) => atLeastOnce ? firstOfEach(messages) : messages)

  /** The adapter and its receiver, and a service writing through the notifier, or through `wrap` of it. */
  const setUp = (wrap: (notifier: PushNotifier.PushNotifierShape) => PushNotifier.PushNotifierShape = (n) => n) =>
    Effect.gen(function*() {
      const context = yield* Layer.build(options.make)
      const sync = yield* service(wrap(Context.get(context, PushNotifier.PushNotifier)))
      const receiver = Context.get(context, Receiver)
      const pool = yield* newPool(sync)
      return { context, sync, receiver, pool }
    })

  describe(`PushSuite: ${name} (${options.delivery.promise})`, () => {
    it("delivers the SPEC B §8 payload to every device subscribed to the dataset but the writer's, and to no other", () =>
      runBody(Effect.gen(function*() {
        const { pool, receiver, sync } = yield* setUp()
        const me = identityOf(sync, pool)
        const other = identityOf(sync, pool)
        for (const dataset of ["settings", "elsewhere"]) yield* me.write(dataset)
        yield* other.write("settings")
        const [first, second, gone, writer, elsewhere] = yield* Effect.all(Array.from({ length: 5 }, () => me.register()))
        const registeredOnly = yield* me.register()
        const foreign = yield* other.register()
        const unregistered: Recipient = { ...first!, deviceId: randomUUID(), token: randomUUID() }
        for (const device of [first!, second!, gone!, writer!]) yield* me.subscribe("settings", device)
        yield* me.unsubscribe("settings", gone!)
        yield* me.subscribe("elsewhere", elsewhere!)
        yield* other.subscribe("settings", foreign)
        const [inFirst, inSecond, inWriter, ...silent] = yield* Effect.all(
          [first!, second!, writer!, gone!, elsewhere!, registeredOnly, foreign, unregistered].map((device) =>
            receiver.listen(device)
          )
        )

        const counts = [
          yield* me.write("settings", writer!.deviceId),
          yield* me.write("settings", writer!.deviceId),
          yield* me.write("settings", writer!.deviceId),
          yield* me.write("settings")
        ]
        expect(counts).toEqual([2, 3, 4, 5])
        const expected = counts.map((count) => payload(me, "settings", count))
        for (const inbox of [inFirst!, inSecond!]) {
          yield* until(Effect.map(distinct(inbox), (n) => n >= 4), patience, "a subscribed device's 4 notifications")
        }
        yield* until(Effect.map(distinct(inWriter!), (n) => n >= 1), patience, "the writer's notification of a write not its own")
        yield* Effect.sleep(quiet)
        expect(yield* arrived(inFirst!)).toStrictEqual(expected)
        expect(yield* arrived(inSecond!)).toStrictEqual(expected)
        // the writer hears of the write it did not make, only
        expect(yield* arrived(inWriter!)).toStrictEqual([payload(me, "settings", 5)])
        for (const inbox of silent) expect(yield* inbox.received).toStrictEqual([])
      })), timeout)

    it("delivers a dataset's notifications in sync-count order, concurrent writers included, never to their writer", () =>
      runBody(Effect.gen(function*() {
        // each hand-over to the transport after a random pause, as over a network, so that writers overtake each other
        const { pool, receiver, sync } = yield* setUp((notifier) => ({
          notify: (deliveries) => Effect.zipRight(Effect.flatMap(Random.nextIntBetween(0, 4), Effect.sleep), notifier.notify(deliveries))
        }))
        const me = identityOf(sync, pool)
        yield* me.write("race")
        const writers = yield* Effect.all(Array.from({ length: 6 }, () => me.register()))
        const onlooker = yield* me.register()
        for (const device of [...writers, onlooker]) yield* me.subscribe("race", device)
        const inboxes = yield* Effect.all([...writers, onlooker].map((device) => receiver.listen(device)))
        const written = yield* Effect.all(
          writers.map((device) => Effect.all([1, 2, 3].map(() => me.write("race", device.deviceId)))),
          { concurrency: "unbounded" }
        )
        const last = Math.max(...written.flat())
        expect(last).toBe(1 + 3 * writers.length)
        yield* until(
          Effect.map(arrived(inboxes[writers.length]!), (messages) => messages.some((m) => syncCountOf(m) === last)),
          patience,
          "the onlooker's notification of the last write"
        )
        yield* Effect.sleep(quiet)
        for (const [index, inbox] of inboxes.entries()) {
          const messages = yield* arrived(inbox)
          const received = messages.map(syncCountOf)
          // in order: each notification newer than the one before it
          expect(received).toStrictEqual([...received].sort((a, b) => a - b))
          expect(new Set(received).size).toBe(received.length)
          for (const message of messages) expect(message).toStrictEqual(payload(me, "race", syncCountOf(message)))
          const own = written[index] ?? []
          expect(received.filter((count) => own.includes(count))).toStrictEqual([])
        }
        // the newest write reaches every device but its writer
        const lastWriter = written.findIndex((counts) => counts.includes(last))
        for (const [index, inbox] of inboxes.entries()) {
          if (index === lastWriter) continue
          yield* until(
            Effect.map(arrived(inbox), (messages) => messages.some((m) => syncCountOf(m) === last)),
            patience,
            "every other device's notification of the last write"
          )
        }
      })), timeout)

    it("a notifier that fails, or throws, never fails the write, and says so in the log", () =>
      runBody(Effect.gen(function*() {
        let calls = 0
        const { pool, receiver, sync } = yield* setUp((notifier) => ({
          notify: (deliveries) => {
            calls += 1
            if (calls % 2 === 0) throw new Error("the transport threw")
            return Effect.zipRight(notifier.notify(deliveries), Effect.fail(new Error("the transport refused")))
          }
        }))
        const me = identityOf(sync, pool)
        yield* me.write("settings")
        const device = yield* me.register()
        yield* me.subscribe("settings", device)
        const inbox = yield* receiver.listen(device)
        const [refused, refusedLog] = yield* warnings(me.write("settings"))
        const [thrown, thrownLog] = yield* warnings(me.write("settings"))
        expect([refused, thrown]).toEqual([2, 3])
        expect(refusedLog).toEqual([expect.stringContaining("push")])
        expect(thrownLog).toEqual([expect.stringContaining("push")])
        expect(calls).toBe(2)
        // the delivery made before the refusal went out
        yield* until(Effect.map(distinct(inbox), (n) => n >= 1), patience, "the notification sent before the refusal")
        expect((yield* arrived(inbox))[0]).toStrictEqual(payload(me, "settings", 2))
      })), timeout)

    it("a notifier that hangs holds a write no longer than pushWaitMillis, and the dataset's next write still notifies", () =>
      runBody(Effect.gen(function*() {
        const { pool, receiver, sync } = yield* setUp((notifier) => ({
          notify: (deliveries) => Effect.zipRight(notifier.notify(deliveries), Effect.never)
        }))
        const me = identityOf(sync, pool)
        yield* me.write("settings")
        const device = yield* me.register()
        yield* me.subscribe("settings", device)
        const inbox = yield* receiver.listen(device)
        for (const count of [2, 3]) {
          const [exit, logged] = yield* warnings(bounded(me.write("settings"), patience))
          expect(exit).toStrictEqual(Exit.succeed(count))
          expect(logged).toEqual([expect.stringContaining("push")])
        }
        yield* until(Effect.map(distinct(inbox), (n) => n >= 2), patience, "both notifications")
        expect(yield* arrived(inbox)).toStrictEqual([payload(me, "settings", 2), payload(me, "settings", 3)])
      })), timeout)

    if (options.broken !== undefined) {
      const broken = options.broken
      it("over a transport that refuses or never answers, a write succeeds within pushWaitMillis", () =>
        runBody(Effect.gen(function*() {
          const context = yield* Layer.build(broken)
          const sync = yield* service(Context.get(context, PushNotifier.PushNotifier))
          const me = identityOf(sync, yield* newPool(sync))
          yield* me.write("settings")
          const device = yield* me.register()
          yield* me.subscribe("settings", device)
          for (const count of [2, 3]) expect(yield* bounded(me.write("settings"), patience)).toStrictEqual(Exit.succeed(count))
        })), timeout)
    }

    const delivery = options.delivery
    if (delivery.promise === "at-least-once") {
      it("at least once: notifications written while the transport is disrupted arrive once it recovers", () =>
        runBody(Effect.gen(function*() {
          const { context, pool, receiver, sync } = yield* setUp()
          const me = identityOf(sync, pool)
          yield* me.write("settings")
          const [device, writer] = [yield* me.register(), yield* me.register()]
          yield* me.subscribe("settings", device!)
          const inbox = yield* receiver.listen(device!)
          yield* Effect.provide(delivery.disrupt, context)
          const counts = [
            yield* me.write("settings", writer!.deviceId),
            yield* me.write("settings", writer!.deviceId),
            yield* me.write("settings", writer!.deviceId)
          ]
          yield* until(Effect.map(distinct(inbox), (n) => n >= 3), patience, "the notifications written during the disruption")
          expect(firstOfEach(yield* inbox.received)).toStrictEqual(counts.map((count) => payload(me, "settings", count)))
        })), timeout)
    }
    if (delivery.promise === "replay") {
      it("replay: a device that resumes listening receives exactly what it missed", () =>
        runBody(Effect.gen(function*() {
          const { pool, receiver, sync } = yield* setUp()
          const me = identityOf(sync, pool)
          yield* me.write("settings")
          const device = yield* me.register()
          yield* me.subscribe("settings", device)
          const scope = yield* Scope.make()
          const before = yield* Scope.extend(receiver.listen(device), scope)
          yield* me.write("settings")
          yield* until(Effect.map(distinct(before), (n) => n >= 1), patience, "the notification before the pause")
          yield* Scope.close(scope, Exit.void)
          const missed = [yield* me.write("settings"), yield* me.write("settings")]
          const after = yield* receiver.listen(device, before)
          yield* until(Effect.map(distinct(after), (n) => n >= 2), patience, "the notifications missed")
          yield* Effect.sleep(quiet)
          expect(yield* before.received).toStrictEqual([payload(me, "settings", 2)])
          expect(yield* after.received).toStrictEqual(missed.map((count) => payload(me, "settings", count)))
        })), timeout)
    }
  })
}
