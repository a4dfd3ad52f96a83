import type BetterSqlite3 from "better-sqlite3"
import { Effect, Either } from "effect"

interface Queued {
  readonly write: () => unknown
  readonly settle: (outcome: Either.Either<unknown, unknown>) => void
}

/**
 * The writes of one connection, committed in groups when they come together. A write that finds
 * no other runs at once, in a transaction of its own. The writes asked for after it, while the
 * current microtasks run (callers answered together ask again together), wait for the next
 * microtask and share one `BEGIN IMMEDIATE … COMMIT`, each in a savepoint of its own (a
 * better-sqlite3 transaction function called inside a transaction is one). What a group saves is
 * the locking and the WAL commit of every transaction but one, which is most of what a small
 * write costs; a lone write pays nothing for it.
 *
 * A write that throws is rolled back alone and fails alone; a group that cannot begin or commit,
 * or that SQLite rolls back, fails every write in it and keeps none of them. No write is answered
 * before its COMMIT, so an answered write is as durable as a transaction of its own. `onAbort`
 * runs whenever something was rolled back, before any caller is answered.
 */
export const makeGroupCommit = (db: BetterSqlite3.Database, onAbort: () => void) => {
  const begin = db.prepare("BEGIN IMMEDIATE")
  const commit = db.prepare("COMMIT")
  const rollback = db.prepare("ROLLBACK")
  /** the writes waiting for the next group; undefined when no write ran since the last one */
  let waiting: Array<Queued> | undefined

  const flush = () => {
    const group = waiting!
    waiting = undefined
    if (group.length === 0) return
    const outcomes: Array<Either.Either<unknown, unknown>> = []
    try {
      begin.run()
      for (const { write } of group) {
        try {
          outcomes.push(Either.right(write()))
        } catch (cause) {
          // some errors (I/O, a full disk) make SQLite roll the whole transaction back: the
          // writes before this one are gone too, and the next ones must not run outside it
          if (!db.inTransaction) throw cause
          onAbort()
          outcomes.push(Either.left(cause))
        }
      }
      commit.run()
    } catch (cause) {
      try {
        if (db.inTransaction) rollback.run()
      } catch {
        // SQLite has rolled back already when a failed COMMIT leaves no transaction to end
      }
      onAbort()
      for (const queued of group) queued.settle(Either.left(cause))
      return
    }
    for (let i = 0; i < group.length; i++) group[i]!.settle(outcomes[i]!)
  }

  /**
   * Runs `transaction` with `args`: at once as a transaction of its own (`.immediate`), or, when
   * other writes came just before, nested in their group's. Fails with what it threw, or with
   * what ended its group.
   */
  return <Args extends Array<unknown>, A>(
    transaction: BetterSqlite3.Transaction<(...args: Args) => A>,
    ...args: Args
  ): Effect.Effect<A, unknown> =>
    Effect.suspend(() => {
      if (waiting === undefined) {
        waiting = []
        queueMicrotask(flush)
        return Effect.try({
          try: () => transaction.immediate(...args),
          catch: (cause) => {
            onAbort()
            return cause
          }
        })
      }
      const group = waiting
      // no canceler: an interrupted caller's write still runs with its group, unanswered
      return Effect.async<A, unknown>((resume) => {
        group.push({
          write: () => transaction(...args),
          settle: (outcome) => resume(Either.isRight(outcome) ? Effect.succeed(outcome.right as A) : Effect.fail(outcome.left))
        })
      })
    })
}
