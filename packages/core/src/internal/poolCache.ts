/**
 * Pool configurations as this process last read them. An entry serves for at most `maxAge` after
 * its read began, so that a change made through any process is seen here within `maxAge`, and
 * what a write decides from a configuration (its sync trigger, push sync, its stream) is never
 * decided from one older than that. A change made through this process is seen here at once.
 */
import { Clock, Effect } from "effect"
import type { PoolState, StorageError, SyncStoreShape } from "./storeModel.js"

/** past this many pools, the cache starts afresh rather than grow with every pool id it is asked for */
const MAX_POOLS = 10_000

export interface PoolCache {
  /** the pool's configuration as of no earlier than `maxAge` before `now` (epoch milliseconds) */
  readonly read: (identityPoolId: string, now: number) => Effect.Effect<PoolState, StorageError>
  /** the store's `updatePool`, whose answer becomes this process's entry for the pool */
  readonly update: SyncStoreShape["updatePool"]
}

interface Entry {
  readonly state: PoolState
  readonly readAt: number
}

export const make = (store: SyncStoreShape, maxAge: number): PoolCache => {
  const entries = new Map<string, Entry>()
  /** counts the updates made here, so that a read begun before one does not put back what it replaced */
  let updates = 0

  const keep = (identityPoolId: string, entry: Entry) => {
    if (entries.size >= MAX_POOLS && !entries.has(identityPoolId)) entries.clear()
    entries.set(identityPoolId, entry)
  }

  const read: PoolCache["read"] = (identityPoolId, now) => {
    const entry = entries.get(identityPoolId)
    if (entry !== undefined && now - entry.readAt < maxAge && now >= entry.readAt) return Effect.succeed(entry.state)
    const before = updates
    return Effect.tap(store.readPool(identityPoolId), (state) => {
      if (updates === before) keep(identityPoolId, { state, readAt: now })
    })
  }

  const update: PoolCache["update"] = (identityPoolId, change) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      updates++
      // dropped first: should the update fail, the next read goes to the store
      entries.delete(identityPoolId)
      return Effect.tap(store.updatePool(identityPoolId, change), (state) => {
        updates++
        keep(identityPoolId, { state, readAt: now })
      })
    })

  return { read, update }
}
