/**
 * OpenTelemetry spans through `@opentelemetry/api`: one per operation, one per store call below
 * it. Without an SDK installed by the application, the API's tracer is a no-op.
 *
 * The span of an operation travels with its fiber (a FiberRef), so that the store calls it makes
 * are its children whatever the scheduling of fibers.
 */
import { context, type Context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api"
import { Cause, Effect, Exit, FiberRef } from "effect"
import { type CognitoSync, SyncStore } from "@syncalite/core"
import { version } from "./version.js"

const current = FiberRef.unsafeMake<Context | undefined>(undefined)

const ended = (span: Span, exit: Exit.Exit<unknown, unknown>) =>
  Effect.sync(() => {
    if (Exit.isFailure(exit)) {
      const failure = Cause.squash(exit.cause)
      span.setStatus({ code: SpanStatusCode.ERROR, message: (failure as { _tag?: string })._tag ?? String((failure as Error).message ?? failure) })
    }
    span.end()
  })

/**
 * Runs `effect` in a span named `name`, a child of the span of the fiber (or the active one).
 *
 * @since 0.1.0
 * @category tracing
 */
export const inSpan = <A, E, R>(
  name: string,
  options: { readonly kind: SpanKind; readonly attributes: { readonly [key: string]: string } },
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(current), (parent) => {
    const outer = parent ?? context.active()
    const span = trace.getTracer("@syncalite/cli", version).startSpan(name, { kind: options.kind, attributes: options.attributes }, outer)
    return effect.pipe(Effect.locally(current, trace.setSpan(outer, span)), Effect.onExit((exit) => ended(span, exit)))
  })

/** Every method of `target` answering an Effect, wrapped by `wrap` under its name. */
const wrapped = <T extends object>(target: T, wrap: (name: string, effect: Effect.Effect<unknown, unknown>) => Effect.Effect<unknown, unknown>): T =>
  Object.fromEntries(
    Object.entries(target).map(([name, method]) => [
      name,
      typeof method === "function"
        ? (...args: Array<unknown>) => wrap(name, (method as (...args: Array<unknown>) => Effect.Effect<unknown, unknown>)(...args))
        : method
    ])
  ) as T

/**
 * The service with a server span around each operation, named as AWS names it.
 *
 * @since 0.1.0
 * @category tracing
 */
export const tracedService = (service: CognitoSync.CognitoSyncShape): CognitoSync.CognitoSyncShape =>
  wrapped(service, (name, effect) => {
    const operation = name.charAt(0).toUpperCase() + name.slice(1)
    return inSpan(`CognitoSync/${operation}`, {
      kind: SpanKind.SERVER,
      attributes: { "rpc.system": "aws-api", "rpc.service": "CognitoSync", "rpc.method": operation }
    }, effect)
  })

/** A storage error or a defect; not an interruption, nor the refusal of an `updatePool` update. */
const isStoreFault = (cause: Cause.Cause<unknown>): boolean => {
  const failure = Cause.failureOption(cause)
  return failure._tag === "Some" ? failure.value instanceof SyncStore.StorageError : Cause.isDie(cause)
}

/**
 * The store with a client span around each call, and `onError` told of each one that fails.
 *
 * @since 0.1.0
 * @category tracing
 */
export const tracedStore = (store: SyncStore.SyncStoreShape, onError: (call: string) => void): SyncStore.SyncStoreShape =>
  wrapped(store, (name, effect) =>
    inSpan(`SyncStore/${name}`, { kind: SpanKind.CLIENT, attributes: { "syncalite.store.call": name } }, effect.pipe(
      Effect.tapErrorCause((cause) => isStoreFault(cause) ? Effect.sync(() => onError(name)) : Effect.void)
    )))
