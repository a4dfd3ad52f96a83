/**
 * Merging identities so that their datasets follow, whatever dies on the way. The identity store
 * merges the identities and records the merge as pending in one step (see `mergeIdentity`); the
 * source's datasets then move to the survivor. The merge stays pending for as long as the
 * source's credentials may still be valid (`credentialsLifetime`), so that what a device writes
 * with them in that time follows too; the sweep of the service moves it, and finishes a merge
 * whose process died before its datasets moved.
 */
import { Clock, Duration, Effect } from "effect"
import type { Services } from "./operation.js"
import type { PendingMerge, StorageError } from "./storeModel.js"

/**
 * Moves the datasets of a merge, after finishing the pending merges into its source (whose
 * datasets it then carries along), and ends it once `final`.
 */
const settle = (
  services: Services,
  merge: PendingMerge,
  pending: ReadonlyArray<PendingMerge>,
  now: number,
  final: (merge: PendingMerge) => boolean
): Effect.Effect<void, StorageError> =>
  Effect.gen(function*() {
    for (const earlier of pending) {
      if (earlier.destination === merge.source) yield* finish(services, earlier, pending, now, final)
    }
    yield* services.datasets.merge(merge.identityPoolId, merge.source, merge.destination, now)
    if (final(merge)) yield* services.store.mergeDone(merge.source)
  })

/** A pending merge done again (which completes one a store left half done), then settled. */
const finish = (
  services: Services,
  merge: PendingMerge,
  pending: ReadonlyArray<PendingMerge>,
  now: number,
  final: (merge: PendingMerge) => boolean
): Effect.Effect<void, StorageError> =>
  Effect.zipRight(services.store.mergeIdentity(merge.source, merge.destination, merge.mergedAt), settle(services, merge, pending, now, final))

/** Whether the source of a merge can no longer have valid credentials at `now`. */
const expired = (services: Services, now: number) => (merge: PendingMerge) =>
  now >= merge.mergedAt + Duration.toMillis(services.config.credentialsLifetime)

/** Moves the source's logins and datasets to the destination, which survives; false when either identity is missing. */
export const merge = (
  services: Services,
  identityPoolId: string,
  source: string,
  destination: string,
  now: number
): Effect.Effect<boolean, StorageError> =>
  Effect.gen(function*() {
    if (!(yield* services.store.mergeIdentity(source, destination, now))) return false
    const pending = yield* services.store.pendingMerges()
    yield* settle(services, { identityPoolId, source, destination, mergedAt: now }, pending, now, expired(services, now))
    return true
  })

/**
 * One sweep: every merge pending since `settled` ago at least (so that a merge still running in
 * another process is left to it) is done again and its datasets moved; one whose source's
 * credentials have expired is then ended. A merge that fails is logged and left to the next sweep.
 */
export const sweepMerges = (services: Services, settled: Duration.Duration): Effect.Effect<void, StorageError> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const pending = yield* services.store.pendingMerges()
    for (const merge of pending) {
      if (merge.mergedAt > now - Duration.toMillis(settled)) continue
      yield* Effect.catchAll(
        finish(services, merge, pending, now, expired(services, now)),
        (error) => Effect.logWarning(`syncalite: the merge of identity ${merge.source} into ${merge.destination} is left to the next sweep`, error)
      )
    }
  })
