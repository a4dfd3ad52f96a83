/**
 * Sync triggers (Cognito Events): the function a pool's `SyncTrigger` ARN names is called during
 * an identity's UpdateRecords with the version 2 event holding every record of the dataset, and
 * its answer is what gets written (SPEC A 11, B §7). Functions are registered by ARN.
 *
 * @since 0.1.0
 */
import { Context, Data, type Duration, Effect, Layer, Schema } from "effect"
import { CognitoSyncConfig } from "./CognitoSyncConfig.js"
import { alarm } from "./internal/alarm.js"
import {
  InvalidLambdaFunctionOutputException,
  LambdaSocketTimeoutException,
  LambdaThrottledException
} from "./CognitoSyncError.js"

/**
 * One record in a sync trigger event.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyncTriggerRecord {
  readonly oldValue: string | null
  readonly newValue: string | null
  readonly op: "replace" | "remove"
}

/**
 * The version 2 sync trigger event, in and out.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyncTriggerEvent {
  readonly version: 2
  readonly eventType: "SyncTrigger"
  readonly region: string
  readonly identityPoolId: string
  readonly identityId: string
  readonly datasetName: string
  readonly datasetRecords: { readonly [key: string]: SyncTriggerRecord }
}

/**
 * A sync trigger function: the event in, the (possibly edited) event out.
 *
 * @since 0.1.0
 * @category models
 */
export type SyncTriggerFunction = (event: SyncTriggerEvent) => unknown

/**
 * Thrown by a sync trigger function to report that it is throttled; the caller gets
 * LambdaThrottledException and retries its sync.
 *
 * @since 0.1.0
 * @category errors
 */
export class SyncTriggerThrottled extends Data.Error<{ readonly message?: string }> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface SyncTriggerShape {
  readonly invoke: (
    arn: string,
    event: SyncTriggerEvent
  ) => Effect.Effect<
    SyncTriggerEvent,
    InvalidLambdaFunctionOutputException | LambdaThrottledException | LambdaSocketTimeoutException
  >
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SyncTrigger extends Context.Tag("@syncalite/core/SyncTrigger")<SyncTrigger, SyncTriggerShape>() {}

const Output = Schema.Struct({
  version: Schema.Literal(2),
  eventType: Schema.Literal("SyncTrigger"),
  region: Schema.String,
  identityPoolId: Schema.String,
  identityId: Schema.String,
  datasetName: Schema.String,
  // checked key by key below: decoding a Schema.Record rebuilds the map by assignment, which
  // turns a "__proto__" record key into the map's prototype
  datasetRecords: Schema.declare(
    (u): u is { readonly [key: string]: unknown } => typeof u === "object" && u !== null && !Array.isArray(u)
  )
})

const OutputKey = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024))

const OutputRecord = Schema.Struct({
  oldValue: Schema.optional(Schema.NullOr(Schema.String)),
  newValue: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(1048575)))),
  op: Schema.optional(Schema.Literal("replace", "remove"))
})

const decodeOutput = Schema.decodeUnknownEither(Output, { onExcessProperty: "error" })
const isOutputKey = Schema.is(OutputKey)
const decodeOutputRecord = Schema.decodeUnknownEither(OutputRecord, { onExcessProperty: "error" })

const invalid = (message: string) => new InvalidLambdaFunctionOutputException({ message })

/**
 * Checks a function's answer: the same event with only `datasetRecords` changed. A record whose
 * op is `remove` or whose newValue is null is removed.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateOutput = (
  event: SyncTriggerEvent,
  output: unknown
): Effect.Effect<SyncTriggerEvent, InvalidLambdaFunctionOutputException> => {
  const decoded = decodeOutput(output)
  if (decoded._tag === "Left") return Effect.fail(invalid("The sync trigger returned output that is not a sync trigger event"))
  const answer = decoded.right
  for (const field of ["region", "identityPoolId", "identityId", "datasetName"] as const) {
    if (answer[field] !== event[field]) {
      return Effect.fail(invalid(`The sync trigger changed the read-only field ${field}`))
    }
  }
  const datasetRecords = new Map<string, SyncTriggerRecord>()
  for (const [key, value] of Object.entries(answer.datasetRecords)) {
    const decodedRecord = decodeOutputRecord(value)
    if (!isOutputKey(key) || decodedRecord._tag === "Left") {
      return Effect.fail(invalid("The sync trigger returned output that is not a sync trigger event"))
    }
    const record = decodedRecord.right
    const removed = record.op === "remove" || record.newValue === null || record.newValue === undefined
    datasetRecords.set(key, {
      // own keys only: a record key may well be "__proto__"
      oldValue: (Object.hasOwn(event.datasetRecords, key) ? event.datasetRecords[key]?.oldValue : undefined) ?? null,
      newValue: removed ? null : record.newValue!,
      op: removed ? "remove" : "replace"
    })
  }
  return Effect.succeed({ ...event, datasetRecords: Object.fromEntries(datasetRecords) })
}

/** Why a sync trigger gave no answer to write. */
type TriggerFailure = InvalidLambdaFunctionOutputException | LambdaThrottledException | LambdaSocketTimeoutException

const failed = (cause: unknown) =>
  cause instanceof SyncTriggerThrottled
    ? new LambdaThrottledException({ message: cause.message || "The sync trigger is throttled", cause })
    : invalid(`The sync trigger failed: ${cause instanceof Error ? cause.message : String(cause)}`)

/**
 * The answer of a function given a copy of the event, or why there is none: the function's
 * promise and an alarm on the service's clock, the first to settle deciding.
 */
const called = (fn: SyncTriggerFunction, event: SyncTriggerEvent, timeout: Duration.Duration) =>
  Effect.clockWith((clock) =>
    Effect.async<unknown, TriggerFailure>((resume) => {
      let answer: Promise<unknown>
      try {
        answer = Promise.resolve(fn(structuredClone(event)))
      } catch (cause) {
        return resume(Effect.fail(failed(cause)))
      }
      let settled = false
      const settle = (outcome: Effect.Effect<unknown, TriggerFailure>) => {
        if (settled) return
        settled = true
        cancel()
        resume(outcome)
      }
      const cancel = alarm(clock, timeout, () => settle(Effect.fail(new LambdaSocketTimeoutException({ message: "The sync trigger did not answer in time" }))))
      answer.then((output) => settle(Effect.succeed(output)), (cause) => settle(Effect.fail(failed(cause))))
      return Effect.sync(() => {
        settled = true
        cancel()
      })
    })
  )

/**
 * Calls in-process functions by ARN, under the configured trigger timeout. An ARN with no
 * function is InvalidLambdaFunctionOutputException.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFunctions = (
  functions: { readonly [arn: string]: SyncTriggerFunction }
): Layer.Layer<SyncTrigger, never, CognitoSyncConfig> =>
  Layer.effect(
    SyncTrigger,
    Effect.map(CognitoSyncConfig, (config) => ({
      invoke: (arn, event) => {
        const fn = functions[arn]
        if (fn === undefined) return Effect.fail(invalid(`No sync trigger function is registered for ${arn}`))
        return Effect.flatMap(called(fn, event, config.triggerTimeout), (output) => validateOutput(event, output))
      }
    }))
  )

/**
 * No functions: every invocation fails with InvalidLambdaFunctionOutputException.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNoop: Layer.Layer<SyncTrigger> = Layer.succeed(SyncTrigger, {
  invoke: (arn) => Effect.fail(invalid(`No sync trigger function is registered for ${arn}`))
})
