import { type Clock, type Duration, Effect, Exit, FiberId } from "effect"

/**
 * Calls `ring` once `duration` has passed on `clock`, unless the answered cancel is called first:
 * one sleep in a fiber of its own. Effect.timeout forks the timed effect and a sleep and races
 * them; a caller that settles on its own, a promise's answer or a forked fiber's exit, needs
 * only the sleep.
 */
export const alarm = (clock: Clock.Clock, duration: Duration.Duration, ring: () => void): () => void => {
  const sleeping = Effect.runFork(clock.sleep(duration))
  sleeping.addObserver((exit) => {
    if (Exit.isSuccess(exit)) ring()
  })
  return () => sleeping.unsafeInterruptAsFork(FiberId.none)
}
