/**
 * How steady the machine was around a run: a fixed piece of CPU work (hashing 1 KB and turning
 * a string into bytes, 2,000 times: about 5 ms on a core of its own) timed ten times a second
 * while nothing of the benchmark runs, before, between and after its sections. On a machine of
 * its own the task takes about the same time every time; on cores shared with other tenants it
 * took 1.3x its fastest at the median and 1.9x at the 90th percentile idle, 4.7x to 5.5x at the
 * 90th percentile during a run, and a figure and its baseline measured a few seconds apart may
 * each meet another speed. The targets ask for a quiet machine: this says whether the run had one.
 */
import { createHash } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { percentile } from "./measure.js"

/** The fixed task, in milliseconds. */
const task = (): number => {
  const block = Buffer.alloc(1024, 7)
  const text = "x".repeat(900)
  const start = performance.now()
  for (let i = 0; i < 2000; i++) {
    Buffer.from(text + i)
    createHash("sha256").update(block).digest()
  }
  return performance.now() - start
}

/** Times the task ten times a second for `seconds`: the samples, in milliseconds. */
export const probe = async (seconds: number): Promise<Array<number>> => {
  const samples: Array<number> = []
  const until = performance.now() + seconds * 1000
  while (performance.now() < until) {
    samples.push(task())
    await sleep(100)
  }
  return samples
}

/** The 90th percentile of the task's time against its fastest at which a machine counts as quiet. */
export const QUIET = 1.25

export interface Steadiness {
  readonly samples: number
  readonly fastest: number
  /** the median and the 90th percentile of the task's time, each against the fastest */
  readonly median: number
  readonly p90: number
  /** the share of samples that took over 1.5 times the fastest */
  readonly slow: number
  readonly quiet: boolean
}

/** What samples of the task say of the machine. */
export const steadiness = (samples: ReadonlyArray<number>): Steadiness => {
  if (samples.length === 0) throw new Error("no sample of the machine's speed")
  const sorted = [...samples].sort((a, b) => a - b)
  const fastest = sorted[0]!
  const p90 = percentile(sorted, 0.9) / fastest
  return {
    samples: sorted.length,
    fastest,
    median: percentile(sorted, 0.5) / fastest,
    p90,
    slow: sorted.filter((sample) => sample > 1.5 * fastest).length / sorted.length,
    quiet: p90 <= QUIET
  }
}

/** The line a run ends with. */
export const steadinessLine = (of: Steadiness): string =>
  `# the machine around this run: a fixed task of ${of.fastest.toFixed(1)} ms at its fastest, timed ${of.samples} times ` +
  `while no section ran: median ${of.median.toFixed(2)}x, 90th percentile ${of.p90.toFixed(2)}x the fastest, ` +
  `${(of.slow * 100).toFixed(0)}% of them over 1.5x; quiet (90th percentile at most ${QUIET}x): ${of.quiet ? "yes" : "NO"}`
