/**
 * Cognito Identity's state in export, import and migrate, written after the sync store's items
 * as lines of their own: the signing key, then each identity pool followed by its identities
 * (with their logins), then the merges whose datasets may still be moving. A store that never
 * served the identity API has no pool and gives no line. Restoring an item writes it over what
 * the target holds of it, so an import or a migration run again writes the same.
 */
import { Context, Effect, Either, Layer, Schema, type Scope } from "effect"
import { SyncStore } from "@syncalite/core"
import { DatasetMerge, IdentityStore } from "@syncalite/identity"
import { ConfigError } from "./config.js"
import { identityStoreLayer, type StoreOptions } from "./store.js"

/**
 * One line of Cognito Identity's state.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IdentityItemSchema = Schema.Union(
  Schema.TaggedStruct("SigningKey", { key: IdentityStore.SigningKeySchema }),
  Schema.TaggedStruct("IdentityPool", { pool: IdentityStore.StoredPoolSchema }),
  Schema.TaggedStruct("CognitoIdentity", { identity: IdentityStore.StoredIdentitySchema }),
  Schema.TaggedStruct("PendingMerge", { merge: IdentityStore.PendingMergeSchema })
)

/**
 * @since 0.1.0
 * @category models
 */
export type IdentityItem = typeof IdentityItemSchema.Type

/**
 * How much of Cognito Identity's state a store holds, counted item by item.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityCounts {
  readonly identityPools: number
  readonly identities: number
  readonly logins: number
  readonly pendingMerges: number
}

/**
 * @since 0.1.0
 * @category constants
 */
export const noIdentityCounts: IdentityCounts = { identityPools: 0, identities: 0, logins: 0, pendingMerges: 0 }

/**
 * The counts with `items` added.
 *
 * @since 0.1.0
 * @category utils
 */
export const countIdentityItems = (counts: IdentityCounts, items: ReadonlyArray<IdentityItem>): IdentityCounts => {
  let { identities, identityPools, logins, pendingMerges } = counts
  for (const item of items) {
    if (item._tag === "IdentityPool") identityPools++
    else if (item._tag === "PendingMerge") pendingMerges++
    else if (item._tag === "CognitoIdentity") {
      identities++
      logins += item.identity.logins.length
    }
  }
  return { identityPools, identities, logins, pendingMerges }
}

/**
 * Counts as one line: `Cognito Identity: 1 identity pools, 40 identities, 12 logins, 0 pending merges`.
 *
 * @since 0.1.0
 * @category utils
 */
export const describeIdentityCounts = (counts: IdentityCounts): string =>
  `Cognito Identity: ${counts.identityPools} identity pools, ${counts.identities} identities, ${counts.logins} logins, ${counts.pendingMerges} pending merges`

/**
 * The identity store beside the sync store a URL names, open for the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openIdentityStore = (
  url: string,
  options: StoreOptions
): Effect.Effect<IdentityStore.IdentityStoreShape, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const layer = yield* Effect.promise(() => identityStoreLayer(url, options))
    const context = yield* Effect.mapError(
      Layer.buildWithScope(layer, yield* Effect.scope),
      (error) => new ConfigError(`cannot open the identity state of ${url}: ${String((error as { message?: unknown }).message ?? error)}`)
    )
    return Context.get(context, IdentityStore.IdentityStore)
  })

/**
 * Every item of a store's Cognito Identity state, a page at a time, handed to `each` in turn.
 *
 * @since 0.1.0
 * @category utils
 */
export const eachIdentityPage = <E>(
  store: IdentityStore.IdentityStoreShape,
  pageSize: number,
  each: (items: ReadonlyArray<IdentityItem>) => Effect.Effect<void, E>
): Effect.Effect<void, E | SyncStore.StorageError> =>
  Effect.gen(function*() {
    let pools = yield* store.listPools(undefined, pageSize)
    if (pools.items.length === 0) return
    const key = yield* store.readSigningKey()
    if (key !== undefined) yield* each([{ _tag: "SigningKey", key }])
    for (;;) {
      for (const pool of pools.items) {
        yield* each([{ _tag: "IdentityPool", pool }])
        let after: string | undefined
        for (;;) {
          const page = yield* store.listIdentities(pool.IdentityPoolId, after, pageSize)
          if (page.items.length > 0) yield* each(page.items.map((identity) => ({ _tag: "CognitoIdentity", identity }) as const))
          if (!page.more) break
          after = page.items.at(-1)!.identityId
        }
      }
      if (!pools.more) break
      pools = yield* store.listPools(pools.items.at(-1)!.IdentityPoolId, pageSize)
    }
    const merges = yield* store.pendingMerges()
    if (merges.length > 0) yield* each(merges.map((merge) => ({ _tag: "PendingMerge", merge }) as const))
  })

/**
 * What a restore found that the target keeps as it was.
 *
 * @since 0.1.0
 * @category models
 */
export type RestoreNotice = "OtherSigningKey"

/**
 * Writes one item into the target: a pool over the pool of that id, an identity with each of its
 * logins linked to it, the signing key where the target has none yet (answering
 * `OtherSigningKey` where it keeps another), and a pending merge by moving the source's datasets
 * into the survivor now, in the target's sync store, which holds them once the sync items before
 * it are written.
 *
 * @since 0.1.0
 * @category utils
 */
export const restoreIdentityItem = (
  store: IdentityStore.IdentityStoreShape,
  datasets: SyncStore.SyncStoreShape,
  item: IdentityItem
): Effect.Effect<RestoreNotice | undefined, ConfigError | SyncStore.StorageError> =>
  Effect.gen(function*() {
    switch (item._tag) {
      case "SigningKey": {
        const kept = yield* store.signingKey(item.key)
        return kept.kid === item.key.kid ? undefined : "OtherSigningKey"
      }
      case "IdentityPool": {
        const replaced = yield* store.updatePool(item.pool.IdentityPoolId, () => Either.right(item.pool))
        if (replaced === undefined) yield* store.createPool(item.pool)
        return undefined
      }
      case "CognitoIdentity": {
        const { identity } = item
        if ((yield* store.readIdentity(identity.identityId)) === undefined) yield* store.createIdentity({ ...identity, logins: [] })
        for (const login of identity.logins) {
          const owner = yield* store.linkLogin(identity.identityPoolId, login, identity.identityId, identity.lastModifiedDate)
          if (owner !== identity.identityId) {
            return yield* Effect.fail(
              new ConfigError(`the login ${login.provider} of identity ${identity.identityId} is linked to another identity in the target, ${owner}`)
            )
          }
        }
        return undefined
      }
      case "PendingMerge": {
        const { destination, identityPoolId, source } = item.merge
        yield* DatasetMerge.make(datasets).merge(identityPoolId, source, destination, Date.now())
        return undefined
      }
    }
  })

/**
 * The line a notice prints.
 *
 * @since 0.1.0
 * @category utils
 */
export const describeNotice = (notice: RestoreNotice): string => {
  switch (notice) {
    case "OtherSigningKey":
      return "the target keeps the signing key it had: OpenID tokens issued before the move are refused, so devices get new ones (GetId with their logins keeps their identity)"
  }
}
