import { Effect } from "effect"
import type { DatasetRef } from "./storeModel.js"

/** how long a line is kept after its last delivery: an older notification later than that is not told apart */
const IDLE_MILLIS = 60_000

/** One dataset's notifications: one at a time, and the highest sync count notified so far. */
interface PushLine {
  readonly lock: Effect.Semaphore
  notified: number
  /** the deliveries on the line or waiting for it */
  users: number
  /** when the last delivery left the line */
  idleSince: number
}

/**
 * The push lines of the datasets written lately in this process, each kept a minute after its
 * last use. A plain map swept at most once a minute: a scoped reference-counted map cost every
 * notified write a scope and a fiber of its own to expire the line.
 */
export interface PushLines {
  readonly byDataset: Map<string, PushLine>
  sweptAt: number
}

export const makePushLines = (): PushLines => ({ byDataset: new Map(), sweptAt: 0 })

const sweep = (lines: PushLines, now: number) => {
  if (now - lines.sweptAt < IDLE_MILLIS) return
  lines.sweptAt = now
  for (const [key, line] of lines.byDataset) {
    if (line.users === 0 && now - line.idleSince >= IDLE_MILLIS) lines.byDataset.delete(key)
  }
}

/**
 * Runs `deliver` on the dataset's line, unless a later sync count was notified already: a client
 * synchronizes only on a sync count above its own, so an older notification would be ignored, and
 * skipping it keeps every device's notifications of a dataset in sync-count order.
 */
export const inOrder = (lines: PushLines, ref: DatasetRef, syncCount: number, deliver: Effect.Effect<void, unknown>) =>
  Effect.clockWith((clock) => {
    const now = clock.unsafeCurrentTimeMillis()
    sweep(lines, now)
    const key = JSON.stringify([ref.identityPoolId, ref.identityId, ref.datasetName])
    let line = lines.byDataset.get(key)
    if (line === undefined) {
      line = { lock: Effect.unsafeMakeSemaphore(1), notified: 0, users: 0, idleSince: now }
      lines.byDataset.set(key, line)
    }
    const held = line
    held.users++
    return held.lock.withPermits(1)(Effect.suspend(() => {
      if (syncCount <= held.notified) return Effect.void
      held.notified = syncCount
      return deliver
    })).pipe(Effect.ensuring(Effect.sync(() => {
      held.users--
      held.idleSince = clock.unsafeCurrentTimeMillis()
    })))
  })
