/**
 * Signed POSTs, as the Standard Webhooks specification writes them: a JSON body with the
 * `webhook-id`, `webhook-timestamp` and `webhook-signature` headers, signed with a `whsec_…`
 * secret. Sync triggers and push deliveries leave the process this way, over keep-alive
 * connections (Node's fetch pools them), so a call costs one round trip.
 *
 * A receiver checks a call with the same secret:
 *
 * @example
 * ```ts
 * import { Webhook } from "standardwebhooks"
 * const event = new Webhook(process.env.SYNCALITE_TRIGGER_SECRET!).verify(rawBody, request.headers)
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Data, Duration, Effect } from "effect"
import { Webhook } from "standardwebhooks"

/**
 * What the receiver answered.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookAnswer {
  readonly status: number
  readonly body: string
}

/**
 * The receiver did not answer within the timeout.
 *
 * @since 0.1.0
 * @category errors
 */
export class WebhookTimeout extends Data.TaggedError("WebhookTimeout")<{ readonly url: string }> {}

/**
 * The call did not reach the receiver, or its answer did not come back whole.
 *
 * @since 0.1.0
 * @category errors
 */
export class WebhookUnreachable extends Data.TaggedError("WebhookUnreachable")<{
  readonly url: string
  readonly cause: unknown
}> {}

/**
 * The secret is not a Standard Webhooks secret (`whsec_` and base64).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidWebhookSecret extends Data.TaggedError("InvalidWebhookSecret")<{ readonly message: string }> {}

/**
 * One signed POST: the id stays the same across the retries of one message, so that the
 * receiver can drop repeats; the timestamp and the signature are those of each attempt.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookSigner {
  readonly post: (
    url: string,
    message: { readonly id: string; readonly body: string },
    timeout: Duration.DurationInput
  ) => Effect.Effect<WebhookAnswer, WebhookTimeout | WebhookUnreachable>
}

/**
 * A new message id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const messageId = (): string => `msg_${randomUUID()}`

/**
 * The signer of one secret.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (secret: string): Effect.Effect<WebhookSigner, InvalidWebhookSecret> =>
  Effect.map(
    Effect.try({
      try: () => new Webhook(secret),
      catch: (cause) =>
        new InvalidWebhookSecret({
          message: `The webhook secret must be whsec_ followed by base64: ${cause instanceof Error ? cause.message : String(cause)}`
        })
    }),
    (webhook) => ({
      post: (url, message, timeout) =>
        Effect.tryPromise({
          try: async (signal) => {
            const timestamp = new Date()
            const response = await fetch(url, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "webhook-id": message.id,
                "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
                "webhook-signature": webhook.sign(message.id, timestamp, message.body)
              },
              body: message.body,
              signal
            })
            return { status: response.status, body: await response.text() }
          },
          catch: (cause) => new WebhookUnreachable({ url, cause })
        }).pipe(
          Effect.timeoutFail({ duration: timeout, onTimeout: () => new WebhookTimeout({ url }) })
        )
    })
  )
