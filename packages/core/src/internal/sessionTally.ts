/**
 * The sync sessions this process has minted and not yet added to the store: ListRecords counts
 * here, in memory, and a flush adds each pool's count with one store call. A flush runs at most
 * `maxDelay` after the first count it carries, at once when `maxCount` counts are waiting, before
 * a usage figure is read (so that a process reads its own counts) and when the scope closes.
 */
import { Duration, Effect, Exit, type Scope } from "effect"
import type { StorageError, SyncStoreShape } from "./storeModel.js"

export interface SessionTally {
  /** one minted session of the pool; never a store call, never a failure */
  readonly count: (identityPoolId: string) => Effect.Effect<void>
  /**
   * Adds every waiting count to the store, one call per pool, after any flush under way; the
   * counts of a pool whose call fails wait for the next flush.
   */
  readonly flush: Effect.Effect<void, StorageError>
}

export const make = (
  store: SyncStoreShape,
  options: { readonly maxDelay: Duration.DurationInput; readonly maxCount: number }
): Effect.Effect<SessionTally, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const lock = yield* Effect.makeSemaphore(1)
    const maxDelay = Duration.decode(options.maxDelay)
    let waiting = new Map<string, number>()
    let total = 0

    // the store call is not interrupted halfway: its counts are either stored or waiting again
    const flush: Effect.Effect<void, StorageError> = lock.withPermits(1)(Effect.uninterruptible(Effect.suspend(() => {
      const batch = waiting
      waiting = new Map()
      total = 0
      // every pool is tried, whatever becomes of the others; the first failure is the flush's
      return Effect.flatMap(
        Effect.forEach(batch, ([pool, sessions]) =>
          Effect.exit(Effect.onError(store.countSessions(pool, sessions), () => add(pool, sessions, "retry"))), { concurrency: 8 }),
        (exits) => exits.find(Exit.isFailure) ?? Effect.void
      )
    })))

    const background = (delay: Duration.Duration) =>
      Effect.forkIn(
        Effect.interruptible(Effect.delay(
          Effect.catchAll(flush, (error) => Effect.logWarning("syncalite: adding sync sessions to the store failed; retrying", error)),
          delay
        )),
        scope
      )

    /** a flush is scheduled whenever counts start waiting, and at once when a count reaches `maxCount` */
    const add = (pool: string, sessions: number, why: "count" | "retry"): Effect.Effect<void> => {
      waiting.set(pool, (waiting.get(pool) ?? 0) + sessions)
      const before = total
      total += sessions
      if (before === 0) return Effect.asVoid(background(maxDelay))
      if (why === "count" && before < options.maxCount && total >= options.maxCount) return Effect.asVoid(background(Duration.zero))
      return Effect.void
    }

    yield* Effect.addFinalizer(() =>
      Effect.catchAll(flush, (error) => Effect.logError("syncalite: sync sessions counted at shutdown were not stored", error))
    )
    return { count: (pool) => Effect.suspend(() => add(pool, 1, "count")), flush }
  })
