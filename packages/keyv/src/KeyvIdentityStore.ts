/**
 * Cognito Identity state (pools, identities, login links, the signing key) over any Keyv 5
 * instance, through the driver `KeyvSyncStore.fromKeyv` gives `SyncStore.fromDriver`: the same
 * Keyv may hold both stores, the identity keys all starting with `ci/`.
 *
 * Atomicity is that driver's, store by store (see `KeyvSyncStore`): over `@keyv/sqlite`,
 * `@keyv/postgres` and `@keyv/redis` every compare-and-set is atomic across processes, so two
 * devices calling GetId for one new login get one identity whatever process serves them. Over any
 * other store the compare-and-set is a lock of this process, and the adapter says so with the
 * same process warning (`SYNCALITE_KEYV_NO_COMPARE_AND_SET`): two processes may then link one
 * login to two identities. An operation that changes several keys (merging or deleting an
 * identity) is a sequence of such steps, each atomic, not one step: a process that dies in the
 * middle of one leaves it partly done. A merge is recorded as pending before its first step, so
 * the identity service's sweep completes one left so.
 *
 * @example
 * ```ts
 * import Keyv from "keyv"
 * import KeyvSqlite from "@keyv/sqlite"
 * import { KeyvIdentityStore } from "@syncalite/keyv"
 *
 * const keyv = new Keyv(new KeyvSqlite("sqlite://./data/app.sqlite"))
 * const identities = KeyvIdentityStore.layer(keyv)
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import type { Keyv } from "keyv"
import { IdentityStore } from "@syncalite/identity"
import { fromKeyv, type LayerOptions, type Options } from "./KeyvSyncStore.js"

/**
 * The identity store over a Keyv instance.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (keyv: Keyv, options: Options = {}): IdentityStore.IdentityStoreShape =>
  IdentityStore.fromDriver(fromKeyv(keyv, options))

/**
 * The identity store over a Keyv instance, as a layer whose scope disconnects the Keyv (unless
 * `disconnect: false`, as when the sync store's layer shares it and disconnects it).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (keyv: Keyv, options: LayerOptions = {}): Layer.Layer<IdentityStore.IdentityStore> =>
  Layer.scoped(
    IdentityStore.IdentityStore,
    Effect.acquireRelease(
      Effect.sync(() => make(keyv, options)),
      () => options.disconnect === false ? Effect.void : Effect.ignore(Effect.tryPromise(() => keyv.disconnect()))
    )
  )
