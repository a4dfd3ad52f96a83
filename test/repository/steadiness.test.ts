import { describe, expect, it } from "vitest"
import { probe, QUIET, steadiness, steadinessLine } from "../../bench/steadiness.js"

describe("bench/steadiness: how steady the machine was around a run", () => {
  it("reads samples against the fastest: median, 90th percentile, the share over 1.5x", () => {
    // nine at 5 ms and one at 10: quiet at the 90th percentile, one sample in ten slow
    const steady = steadiness([5, 5, 5, 5, 10, 5, 5, 5, 5, 5])
    expect(steady).toEqual({ samples: 10, fastest: 5, median: 1, p90: 2, slow: 0.1, quiet: false })
    const quiet = steadiness([5, 5.5, 5, 5.2, 5, 5.1, 5, 5.3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 12])
    expect(quiet.p90).toBeCloseTo(1.1, 5)
    expect(quiet.quiet).toBe(true)
    expect(quiet.slow).toBe(0.05)
  })

  it("counts a machine whose task takes up to a quarter longer at the 90th percentile as quiet, and no slower one", () => {
    const at = (p90: number) => steadiness([4, 4, 4, 4, 4, 4, 4, 4, 4 * p90, 4 * p90]).quiet
    expect(at(QUIET)).toBe(true)
    expect(at(QUIET + 0.01)).toBe(false)
  })

  it("refuses to judge a machine it never sampled", () => {
    expect(() => steadiness([])).toThrow("no sample")
  })

  it("times the task ten times a second, and says what it found", async () => {
    const samples = await probe(0.35)
    expect(samples.length).toBeGreaterThanOrEqual(2)
    expect(samples.length).toBeLessThanOrEqual(4)
    for (const sample of samples) expect(sample).toBeGreaterThan(0)
    const line = steadinessLine(steadiness(samples))
    expect(line).toMatch(/^# the machine around this run: a fixed task of \d+\.\d ms at its fastest, timed \d times while no section ran: median \d+\.\d\dx/)
    expect(line).toMatch(/quiet \(90th percentile at most 1\.25x\): (yes|NO)$/)
  })
})
