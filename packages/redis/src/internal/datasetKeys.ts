/**
 * The keys of a dataset's scripts, kept for the datasets a process used last. Built anew at each
 * call, they were strings made for the call and held by it through its wait for Redis, and the
 * collector's young-generation passes cost the process more with them than the building did:
 * ListRecords at 64 in flight spent about a fifth less process CPU per read with them kept here.
 */
import type { SyncStore } from "@syncalite/core"
import type { Keys } from "./codec.js"

/** A dataset's keys, in the order its scripts take them. */
export interface DatasetKeys {
  /** the common part of the identity's keys */
  readonly base: string
  /** heads, records, changes, live, consumed: the KEYS of the read and commit scripts */
  readonly dataset: ReadonlyArray<string>
  /** the same, then devices and subscriptions: a commit answering its subscribers */
  readonly withSubscribers: ReadonlyArray<string>
  /** devices, subscriptions */
  readonly subscriptions: ReadonlyArray<string>
  /** heads, records, changes, consumed: the KEYS of a commit decided against a held head */
  readonly held: ReadonlyArray<string>
  /** the same, then devices and subscriptions */
  readonly heldWithSubscribers: ReadonlyArray<string>
  /** the dataset's head's field in the hash of heads */
  readonly headField: string
}

/** How many datasets' keys a store keeps (about a kilobyte each) before it starts afresh. */
const CAPACITY = 4096

/** The keys of a dataset by its reference, from the kept ones where they are. */
export const makeDatasetKeys = (keys: Keys, capacity = CAPACITY): (ref: SyncStore.DatasetRef) => DatasetKeys => {
  const byPool = new Map<string, Map<string, Map<string, DatasetKeys>>>()
  let size = 0
  return (ref) => {
    let byIdentity = byPool.get(ref.identityPoolId)
    let byName = byIdentity?.get(ref.identityId)
    const found = byName?.get(ref.datasetName)
    if (found !== undefined) return found
    if (size >= capacity) {
      byPool.clear()
      size = 0
      byIdentity = byName = undefined
    }
    if (byIdentity === undefined) byPool.set(ref.identityPoolId, byIdentity = new Map())
    if (byName === undefined) byIdentity.set(ref.identityId, byName = new Map())
    const base = keys.identity(ref.identityPoolId, ref.identityId)
    const dataset = [
      keys.heads(base),
      keys.records(base, ref.datasetName),
      keys.changes(base, ref.datasetName),
      keys.live(base),
      keys.consumed(base, ref.datasetName)
    ]
    const subscriptions = [keys.devices(base), keys.subscriptions(base, ref.datasetName)]
    const held = [dataset[0]!, dataset[1]!, dataset[2]!, dataset[4]!]
    const made: DatasetKeys = {
      base,
      dataset,
      withSubscribers: [...dataset, ...subscriptions],
      subscriptions,
      held,
      heldWithSubscribers: [...held, ...subscriptions],
      headField: `h${ref.datasetName}`
    }
    byName.set(ref.datasetName, made)
    size++
    return made
  }
}
