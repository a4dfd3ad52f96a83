/**
 * Push sync through a webhook (SPEC B §8): each delivery is POSTed to the application's URL as
 * JSON, `{ message, device: { deviceId, platform, token } }`, signed per Standard Webhooks. This is
 * how an application forwards notifications to FCM, APNs or SNS.
 *
 * A write only queues its deliveries, so it is never slowed by the receiver. Deliveries wait in a
 * bounded queue split in lanes by device: one device's deliveries go out one at a time, in the
 * order of the writes, and lanes run side by side. A delivery that times out or is answered 5xx
 * or 429, or that does not reach the receiver, is tried again after an exponential backoff, under
 * the same `webhook-id`, so that the receiver can drop a repeat (at-least-once). After the last
 * attempt, after any other answer, when the queue is full, or when the service closes before it
 * went out, a delivery becomes a dead letter: kept (the latest ones) for `deadLetters`, handed to
 * `onDeadLetter`, and logged.
 *
 * @example
 * ```ts
 * import { WebhookPushNotifier } from "@syncalite/webhooks"
 * const push = WebhookPushNotifier.layer({
 *   url: "https://app.internal/push",
 *   secret: process.env.SYNCALITE_PUSH_WEBHOOK_SECRET!
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Data, Duration, Effect, Fiber, Layer, Queue, Ref, Schedule } from "effect"
import { PushNotifier } from "@syncalite/core"
import * as WebhookSigner from "./WebhookSigner.js"

/**
 * The JSON body of one delivery.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookDelivery {
  readonly message: PushNotifier.PushMessage
  readonly device: { readonly deviceId: string; readonly platform: string; readonly token: string }
}

/**
 * A delivery that did not go out, and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeadLetter {
  readonly webhookId: string
  readonly delivery: WebhookDelivery
  /** how many times it was POSTed: 0 when it never left the queue */
  readonly attempts: number
  readonly reason: string
  readonly at: Date
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly url: string
  /** the Standard Webhooks secret (`whsec_…`) the receiver verifies deliveries with */
  readonly secret: string
  /** how long one attempt may take; 5 seconds by default */
  readonly timeout?: Duration.DurationInput
  /** how many times a delivery is tried again; 5 by default */
  readonly retries?: number
  /** the pause before the first retry, doubled before each next one; 1 second by default */
  readonly backoff?: Duration.DurationInput
  /** how many deliveries may wait, all lanes together; 10,000 by default */
  readonly queueCapacity?: number
  /** how many deliveries may be under way at once, each for other devices; 16 by default */
  readonly lanes?: number
  /** how many of the latest dead letters `deadLetters` keeps; 1,000 by default */
  readonly deadLetterCapacity?: number
  /** called with every dead letter, for the application to keep or replay it */
  readonly onDeadLetter?: (letter: DeadLetter) => void | Promise<void>
}

/**
 * The webhook notifier's own service: what it could not deliver.
 *
 * @since 0.1.0
 * @category tags
 */
export class WebhookPushNotifier extends Context.Tag("@syncalite/webhooks/WebhookPushNotifier")<
  WebhookPushNotifier,
  { readonly deadLetters: Effect.Effect<ReadonlyArray<DeadLetter>> }
>() {}

/** A failed attempt: worth another (`retry`) or not. */
class Failed extends Data.TaggedError("Failed")<{ readonly reason: string; readonly retry: boolean }> {}

interface Pending {
  readonly webhookId: string
  readonly delivery: WebhookDelivery
  readonly body: string
}

/** The lane of a device: FNV-1a of its identity and DeviceId. */
const laneOf = (delivery: PushNotifier.PushDelivery, lanes: number): number => {
  let hash = 0x811c9dc5
  for (const char of `${delivery.message.identityId}/${delivery.device.deviceId}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193)
  }
  return (hash >>> 0) % lanes
}

const failedAnswer = (answer: WebhookSigner.WebhookAnswer): Failed | undefined =>
  answer.status >= 200 && answer.status <= 299
    ? undefined
    : new Failed({ reason: `HTTP ${answer.status}`, retry: answer.status >= 500 || answer.status === 429 })

/**
 * The notifier and its dead letters. Its lanes run until the scope closes; closing waits for the
 * attempts under way (at most `timeout`), tries nothing again, and makes dead letters of the rest.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<PushNotifier.PushNotifier | WebhookPushNotifier, WebhookSigner.InvalidWebhookSecret> =>
  Layer.scopedContext(Effect.gen(function*() {
    const signer = yield* WebhookSigner.make(options.secret)
    const timeout = options.timeout ?? Duration.seconds(5)
    const lanes = Math.max(1, options.lanes ?? 16)
    const perLane = Math.max(1, Math.ceil((options.queueCapacity ?? 10_000) / lanes))
    const keep = options.deadLetterCapacity ?? 1000
    const schedule = Schedule.exponential(options.backoff ?? Duration.seconds(1)).pipe(
      Schedule.intersect(Schedule.recurs(options.retries ?? 5))
    )
    const letters = yield* Ref.make<ReadonlyArray<DeadLetter>>([])
    let closing = false

    const bury = (pending: Pending, attempts: number, reason: string) =>
      Effect.gen(function*() {
        const at = new Date(yield* Clock.currentTimeMillis)
        const letter: DeadLetter = { webhookId: pending.webhookId, delivery: pending.delivery, attempts, reason, at }
        yield* Ref.update(letters, (all) => [...all.slice(Math.max(0, all.length + 1 - keep)), letter])
        yield* Effect.logWarning(`syncalite: push webhook delivery ${pending.webhookId} dead after ${attempts} attempts: ${reason}`)
        if (options.onDeadLetter !== undefined) {
          const onDeadLetter = options.onDeadLetter
          yield* Effect.tryPromise(async () => onDeadLetter(letter)).pipe(
            Effect.catchAll((cause) => Effect.logWarning("syncalite: onDeadLetter failed", cause))
          )
        }
      })

    const deliver = (pending: Pending) =>
      Effect.gen(function*() {
        let attempts = 0
        const attempt = Effect.suspend(() => {
          attempts++
          return signer.post(options.url, { id: pending.webhookId, body: pending.body }, timeout)
        }).pipe(
          Effect.catchTags({
            WebhookTimeout: () => Effect.fail(new Failed({ reason: "no answer in time", retry: true })),
            WebhookUnreachable: (error) =>
              Effect.fail(new Failed({ reason: `unreachable: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`, retry: true }))
          }),
          Effect.flatMap((answer) => {
            const failed = failedAnswer(answer)
            return failed === undefined ? Effect.void : Effect.fail(failed)
          })
        )
        yield* attempt.pipe(
          Effect.retry({ schedule, while: (failed) => failed.retry && !closing }),
          Effect.catchAll((failed) => bury(pending, attempts, failed.reason)),
          Effect.onInterrupt(() => bury(pending, attempts, "the service closed before the receiver answered"))
        )
      })

    const queues = yield* Effect.forEach(Array.from({ length: lanes }), () => Queue.dropping<Pending>(perLane))
    const running = yield* Effect.forEach(queues, (queue) => Effect.forkDaemon(Effect.forever(Effect.flatMap(Queue.take(queue), deliver))))
    // closing: what is queued becomes dead letters, the attempts under way end (no retry), then the lanes stop
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        closing = true
        for (const queue of queues) {
          const left = yield* Queue.takeAll(queue)
          yield* Effect.forEach(left, (pending) => bury(pending, 0, "the service closed before it was sent"), { discard: true })
          yield* Queue.shutdown(queue)
        }
        yield* Effect.forEach(running, (fiber) => Effect.timeout(Fiber.await(fiber), timeout), { concurrency: "unbounded", discard: true })
        yield* Fiber.interruptAll(running)
      }).pipe(Effect.ignore))

    const notify = (deliveries: ReadonlyArray<PushNotifier.PushDelivery>) =>
      Effect.forEach(deliveries, (delivery) => {
        const body: WebhookDelivery = {
          message: delivery.message,
          device: { deviceId: delivery.device.deviceId, platform: delivery.device.platform, token: delivery.device.token }
        }
        const pending = { webhookId: WebhookSigner.messageId(), delivery: body, body: JSON.stringify(body) }
        // forked: a write never waits for onDeadLetter
        if (closing) return Effect.asVoid(Effect.forkDaemon(bury(pending, 0, "the service is closing")))
        return Effect.flatMap(
          Queue.offer(queues[laneOf(delivery, lanes)]!, pending),
          (queued) => queued ? Effect.void : Effect.asVoid(Effect.forkDaemon(bury(pending, 0, "the queue is full")))
        )
      }, { discard: true })

    return Context.make(PushNotifier.PushNotifier, { notify }).pipe(
      Context.add(WebhookPushNotifier, { deadLetters: Ref.get(letters) })
    )
  }))
