import { Context, Effect, Layer, type Scope } from "effect"

/** What a suite's factory answers: an adapter's instance and how to release it. */
interface Releasable {
  readonly close?: () => Promise<void>
}

/** A factory's instance for the scope, closed with it. */
export const acquireInstance = <A extends Releasable>(make: () => Promise<A>): Effect.Effect<A, unknown, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise(() => make()),
    (instance) => instance.close === undefined ? Effect.void : Effect.promise(() => instance.close!())
  )

/** The store of a suite's `make`: a factory's instance, or a layer built in the scope; released with the scope. */
export const acquireStore = <I, S>(
  make: (() => Promise<Releasable & { readonly store: S }>) | Layer.Layer<I, unknown>,
  tag: Context.Tag<I, S>
): Effect.Effect<S, unknown, Scope.Scope> =>
  typeof make === "function"
    ? Effect.map(acquireInstance(make), (instance) => instance.store)
    : Effect.map(Effect.flatMap(Effect.scope, (scope) => Layer.buildWithScope(make, scope)), Context.get(tag))
