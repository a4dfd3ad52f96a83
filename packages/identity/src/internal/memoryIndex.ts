import { Effect } from "effect"
import type { IdentityIndex } from "./storeModel.js"

/** The first position in sorted `ids` whose id is not below `id` (or past it when `strictly`). */
const positionOf = (ids: ReadonlyArray<string>, id: string, strictly: boolean): number => {
  let low = 0
  let high = ids.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (ids[middle]! < id || (strictly && ids[middle] === id)) low = middle + 1
    else high = middle
  }
  return low
}

/** Each pool's identity ids as one sorted array in this process, kept sorted by binary insertion. */
export const makeMemoryIndex = (): IdentityIndex => {
  const pools = new Map<string, Array<string>>()
  return {
    add: (pool, id) =>
      Effect.sync(() => {
        let ids = pools.get(pool)
        if (ids === undefined) pools.set(pool, ids = [])
        const at = positionOf(ids, id, false)
        if (ids[at] !== id) ids.splice(at, 0, id)
      }),
    remove: (pool, id) =>
      Effect.sync(() => {
        const ids = pools.get(pool)
        if (ids === undefined) return
        const at = positionOf(ids, id, false)
        if (ids[at] === id) ids.splice(at, 1)
      }),
    page: (pool, after, limit) =>
      Effect.sync(() => {
        const ids = pools.get(pool) ?? []
        const from = after === undefined ? 0 : positionOf(ids, after, true)
        return { ids: ids.slice(from, from + limit), more: from + limit < ids.length }
      })
  }
}
