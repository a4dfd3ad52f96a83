/**
 * Sync triggers that run in another service, as Lambda functions did (SPEC B §7): the Lambda ARN a
 * pool's `SetCognitoEvents` names maps to a URL, and the version 2 event is POSTed there as JSON,
 * signed per Standard Webhooks. A 2xx answer is the function's output, checked by the same rules
 * as an in-process function's; 429 is LambdaThrottledException; no answer within the timeout
 * (the service's trigger timeout, 5 seconds by default) is LambdaSocketTimeoutException; any
 * other answer, an unreachable service or an invalid output is InvalidLambdaFunctionOutputException.
 * Nothing is written in any of these cases.
 *
 * @example
 * ```ts
 * import { HttpSyncTrigger } from "@syncalite/webhooks"
 * const triggers = HttpSyncTrigger.layer({
 *   targets: { "arn:aws:lambda:us-east-1:123456789012:function:clean": "http://triggers.internal/clean" },
 *   secret: process.env.SYNCALITE_TRIGGER_SECRET!
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, type Scope } from "effect"
import { CognitoSyncConfig, CognitoSyncError, SyncTrigger } from "@syncalite/core"
import * as WebhookSigner from "./WebhookSigner.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** the URL of each function, by the Lambda ARN that SetCognitoEvents names */
  readonly targets: { readonly [arn: string]: string }
  /** the Standard Webhooks secret (`whsec_…`) the trigger service verifies calls with */
  readonly secret: string
  /** how long a function may take; the service's trigger timeout when absent */
  readonly timeout?: Duration.DurationInput
}

const invalid = (message: string) => new CognitoSyncError.InvalidLambdaFunctionOutputException({ message })

/** The function's output: the JSON body of a 2xx answer. */
const outputOf = (
  answer: WebhookSigner.WebhookAnswer
): Effect.Effect<unknown, CognitoSyncError.InvalidLambdaFunctionOutputException | CognitoSyncError.LambdaThrottledException> =>
  answer.status === 429
    ? Effect.fail(new CognitoSyncError.LambdaThrottledException({ message: "The sync trigger is throttled" }))
    : answer.status < 200 || answer.status > 299
    ? Effect.fail(invalid(`The sync trigger answered HTTP ${answer.status}`))
    : Effect.try({ try: () => JSON.parse(answer.body) as unknown, catch: () => invalid("The sync trigger answered a body that is not JSON") })

/**
 * The trigger port over HTTP; its connections close with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<SyncTrigger.SyncTriggerShape, WebhookSigner.InvalidWebhookSecret, CognitoSyncConfig.CognitoSyncConfig | Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* CognitoSyncConfig.CognitoSyncConfig
    const signer = yield* WebhookSigner.make(options.secret)
    const timeout = options.timeout === undefined ? config.triggerTimeout : Duration.decode(options.timeout)
    const targets = new Map(Object.entries(options.targets))
    return {
      invoke: (arn, event) => {
        const url = targets.get(arn)
        if (url === undefined) return Effect.fail(invalid(`No sync trigger URL is configured for ${arn}`))
        return signer.post(url, { id: WebhookSigner.messageId(), body: JSON.stringify(event) }, timeout).pipe(
          Effect.catchTags({
            WebhookTimeout: () =>
              Effect.fail(new CognitoSyncError.LambdaSocketTimeoutException({ message: "The sync trigger did not answer in time" })),
            WebhookUnreachable: (error) =>
              Effect.fail(invalid(`The sync trigger could not be reached: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`))
          }),
          Effect.flatMap(outputOf),
          Effect.flatMap((output) => SyncTrigger.validateOutput(event, output))
        )
      }
    }
  })

/**
 * The trigger port over HTTP, as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<SyncTrigger.SyncTrigger, WebhookSigner.InvalidWebhookSecret, CognitoSyncConfig.CognitoSyncConfig> =>
  Layer.scoped(SyncTrigger.SyncTrigger, make(options))
