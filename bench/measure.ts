/**
 * A small harness: runs an async operation sequentially for a fixed time after a warm-up and
 * reports operations per second.
 */
export interface Figure {
  readonly name: string
  readonly perSecond: number
}

export const measure = async (
  name: string,
  operation: (i: number) => Promise<unknown> | unknown,
  { seconds = 1.5, warmup = 0.3 }: { seconds?: number; warmup?: number } = {}
): Promise<Figure> => {
  let i = 0
  const run = async (until: number) => {
    let n = 0
    while (performance.now() < until) {
      for (let k = 0; k < 100; k++) {
        await operation(i++)
        n++
      }
    }
    return n
  }
  await run(performance.now() + warmup * 1000)
  const start = performance.now()
  const n = await run(start + seconds * 1000)
  return { name, perSecond: n / ((performance.now() - start) / 1000) }
}

export const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/**
 * Figures measured in alternating short rounds, each the median of its rounds: on a shared
 * machine, load drifts within seconds, and alternating puts them all under the same drift.
 */
export const alternateEach = async (rounds: number, phases: ReadonlyArray<() => Promise<Figure>>): Promise<Array<Figure>> => {
  const figures = phases.map((): Array<Figure> => [])
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < phases.length; i++) figures[i]!.push(await phases[i]!())
  }
  return figures.map((each) => ({ name: each[0]!.name, perSecond: median(each.map((f) => f.perSecond)) }))
}

/** A figure and its baseline measured in alternating short rounds (see `alternateEach`). */
export const alternate = async (
  rounds: number,
  baseline: () => Promise<Figure>,
  figure: () => Promise<Figure>
): Promise<readonly [Figure, Figure]> => {
  const [measuredBaseline, measuredFigure] = await alternateEach(rounds, [baseline, figure])
  return [measuredBaseline!, measuredFigure!]
}
/** A figure rounded and written with thousands separators, right-aligned in `width` characters. */
export const fmt = (n: number, width = 10) => Math.round(n).toLocaleString("en-US").padStart(width)

/** The value at fraction `p` (0.5, 0.99) of samples sorted in ascending order. */
export const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

/** Prints a figure beside its baselines, with the ratio to each. */
export const report = (title: string, figure: Figure, baselines: ReadonlyArray<Figure>, target?: number) => {
  const line = [`${title.padEnd(44)} ${fmt(figure.perSecond)}/s`]
  for (const baseline of baselines) {
    line.push(`${baseline.name}: ${fmt(baseline.perSecond)}/s (${((figure.perSecond / baseline.perSecond) * 100).toFixed(0)}%)`)
  }
  if (target !== undefined) line.push(`target ${target.toLocaleString("en-US")}/s: ${figure.perSecond >= target ? "met" : "MISSED"}`)
  console.log(line.join("  |  "))
}

/**
 * The sessions of the tokens a benchmark mints, each expiring strictly later than the one before:
 * past 64 consumed sessions a dataset refuses every token expiring no later than the oldest one
 * it forgets, and a fast loop mints many in one millisecond. Their ids are as long as those
 * ListRecords mints (20 characters): a dataset keeps 64 of them, and what a store does with that
 * list costs by its length.
 */
export const sessions = () => {
  let n = 0
  return () => ({ id: `bench${String(n).padStart(15, "0")}`, expiresAt: Date.now() + 600_000 + n++ })
}
