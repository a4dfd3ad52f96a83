import { Effect } from "effect"
import type { SyncStoreDriver, Versioned } from "./storeModel.js"

export const makeMemoryDriver = (): SyncStoreDriver => {
  const entries = new Map<string, Versioned>()
  return {
    trusted: true,
    get: (key) => Effect.sync(() => entries.get(key)),
    getMany: (keys) => Effect.sync(() => keys.map((key) => entries.get(key))),
    compareAndSet: (key, expected, value) =>
      Effect.sync(() => {
        if (entries.get(key)?.version !== expected) return false
        entries.set(key, { version: (expected ?? 0) + 1, value })
        return true
      }),
    delete: (key) => Effect.sync(() => void entries.delete(key))
  }
}
