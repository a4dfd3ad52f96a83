/**
 * The identity pools `syncalite serve` has Cognito Identity serve for local use: those
 * `SYNCALITE_POOLS` names, created in the identity store when it lacks them, or else the store's
 * first pool, or else a new one created on this first start. Each allows unauthenticated
 * identities, so that `fromCognitoIdentityPool` gets credentials with nothing else.
 */
import { Effect } from "effect"
import type { IdentityStore } from "@syncalite/identity"

/**
 * @since 0.1.0
 * @category models
 */
export interface LocalPools {
  readonly ids: ReadonlyArray<string>
  /** the ids of the pools this start created */
  readonly created: ReadonlyArray<string>
}

const localPool = (identityPoolId: string): IdentityStore.StoredPool => ({
  IdentityPoolId: identityPoolId,
  IdentityPoolName: "local",
  AllowUnauthenticatedIdentities: true
})

/**
 * The pools to serve, created where missing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const localPools = (
  store: IdentityStore.IdentityStoreShape,
  pools: ReadonlyArray<string> | undefined,
  newPoolId: () => string
): Effect.Effect<LocalPools, IdentityStore.StorageError> =>
  Effect.gen(function*() {
    if (pools !== undefined) {
      const created: Array<string> = []
      for (const id of pools) {
        if ((yield* store.readPool(id)) !== undefined) continue
        yield* store.createPool(localPool(id))
        created.push(id)
      }
      return { ids: pools, created }
    }
    const existing = (yield* store.listPools(undefined, 1)).items[0]
    if (existing !== undefined) return { ids: [existing.IdentityPoolId], created: [] }
    const id = newPoolId()
    yield* store.createPool(localPool(id))
    return { ids: [id], created: [id] }
  })
