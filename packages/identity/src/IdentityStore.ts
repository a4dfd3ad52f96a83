/**
 * The storage port of Cognito Identity: identity pools, identities, the links of logins
 * (a provider's subject, a developer user identifier) to identities, and the key the server signs
 * OpenID tokens with. Each method is one atomic step as seen from any process: a login is linked
 * to one identity only, however many requests race to link it.
 *
 * Adapters either implement the port directly or give `fromDriver` the narrow driver of
 * `SyncStore.fromDriver` (get, getMany, compare-and-set on one key, delete); the identity keys
 * all start with `ci/`, so one backend holds both stores side by side.
 *
 * @since 0.1.0
 */
import { Context, Layer } from "effect"
import { SyncStore } from "@syncalite/core"
import { makeDriverIdentityStore } from "./internal/driverIdentityStore.js"
import { makeMemoryIndex } from "./internal/memoryIndex.js"
import type { IdentityIndex, IdentityStoreShape } from "./internal/storeModel.js"

export { Login, PendingMerge, SigningKey, StorageError, StoredIdentity, StoredPool, StoredRoleMapping } from "./internal/storeModel.js"
export type { IdentityIndex, IdentityStoreShape, Page } from "./internal/storeModel.js"

/**
 * The schemas of a stored pool, a stored identity, the signing key and a pending merge under names
 * of their own, for adapters and tools that validate what they read: the declarations build keeps
 * only the type of a name that is both a value and a type.
 *
 * @since 0.1.0
 * @category schemas
 */
export {
  PendingMerge as PendingMergeSchema,
  SigningKey as SigningKeySchema,
  StoredIdentity as StoredIdentitySchema,
  StoredPool as StoredPoolSchema
} from "./internal/storeModel.js"

/**
 * @since 0.1.0
 * @category tags
 */
export class IdentityStore extends Context.Tag("@syncalite/identity/IdentityStore")<IdentityStore, IdentityStoreShape>() {}

/**
 * The full port over the driver that `SyncStore.fromDriver` takes, and the ordered set of each
 * pool's identities where the backend keeps one natively.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromDriver = (driver: SyncStore.SyncStoreDriver, index?: IdentityIndex): IdentityStoreShape =>
  makeDriverIdentityStore(driver, index)

/**
 * The store in this process's memory, over `SyncStore.memoryDriver()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (): IdentityStoreShape => fromDriver(SyncStore.memoryDriver(), makeMemoryIndex())

/**
 * The store in memory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<IdentityStore> = Layer.sync(IdentityStore, makeMemory)
