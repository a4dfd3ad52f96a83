import { Duration, Effect, RcMap, type Scope } from "effect"
import type { DatasetRef } from "./storeModel.js"

/** One dataset's notifications: one at a time, and the highest sync count notified so far. */
interface PushLine {
  readonly lock: Effect.Semaphore
  notified: number
}

/** The push lines of the datasets written lately in this process, each kept a minute after its last use. */
export type PushLines = RcMap.RcMap<string, PushLine>

export const makePushLines: Effect.Effect<PushLines, never, Scope.Scope> = RcMap.make({
  lookup: (_dataset: string) => Effect.map(Effect.makeSemaphore(1), (lock): PushLine => ({ lock, notified: 0 })),
  idleTimeToLive: Duration.minutes(1)
})

/**
 * Runs `deliver` on the dataset's line, unless a later sync count was notified already: a client
 * synchronizes only on a sync count above its own, so an older notification would be ignored, and
 * skipping it keeps every device's notifications of a dataset in sync-count order.
 */
export const inOrder = (lines: PushLines, ref: DatasetRef, syncCount: number, deliver: Effect.Effect<void, unknown>) =>
  Effect.scoped(Effect.flatMap(
    RcMap.get(lines, JSON.stringify([ref.identityPoolId, ref.identityId, ref.datasetName])),
    (line) =>
      line.lock.withPermits(1)(Effect.suspend(() => {
        if (syncCount <= line.notified) return Effect.void
        line.notified = syncCount
        return deliver
      }))
  ))
