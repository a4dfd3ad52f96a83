/**
 * How long commands report their progress: a cli-progress bar redrawn in place on a terminal,
 * plain lines (at most one a second, and the last) otherwise, or nothing.
 */
import { Presets, SingleBar } from "cli-progress"
import { Effect, type Scope } from "effect"
import type { CommandContext } from "./context.js"
import { type Counts, describeCounts, noCounts } from "./transfer.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  readonly update: (counts: Counts) => void
  readonly stop: (counts: Counts) => void
}

const items = (counts: Counts): number => counts.pools + counts.identities

/**
 * A reporter for the scope; `total` (pools and identities) is asked for only when a bar is drawn,
 * which needs it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const progressReporter = <E>(
  context: CommandContext,
  how: "auto" | "bar" | "lines" | "none",
  what: string,
  total: Effect.Effect<Counts, E>
): Effect.Effect<Progress, E, Scope.Scope> => {
  const mode = how === "auto" ? (process.stderr.isTTY ? "bar" : "lines") : how
  if (mode === "none") return Effect.succeed({ update: () => undefined, stop: () => undefined })
  if (mode === "lines") {
    let last = 0
    let shown: Counts | undefined
    const line = (counts: Counts) => {
      shown = counts
      context.err(`syncalite ${what}: ${describeCounts(counts)} copied`)
    }
    return Effect.succeed({
      update: (counts) => {
        if (Date.now() - last < 1000) return
        last = Date.now()
        line(counts)
      },
      stop: (counts) => {
        if (counts !== shown) line(counts)
      }
    })
  }
  return Effect.gen(function*() {
    context.err(`syncalite ${what}: counting the source`)
    const all = yield* total
    const bar = new SingleBar({
      format: `${what} {bar} {percentage}% | {value}/{total} pools and identities | {datasets} datasets | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true
    }, Presets.shades_classic)
    const fields = (counts: Counts) => ({ datasets: counts.datasets })
    yield* Effect.acquireRelease(Effect.sync(() => bar.start(items(all), 0, fields(noCounts))), () => Effect.sync(() => bar.stop()))
    return {
      update: (counts) => bar.update(items(counts), fields(counts)),
      stop: (counts) => {
        bar.update(items(counts), fields(counts))
        bar.stop()
      }
    }
  })
}
