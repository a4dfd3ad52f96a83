/**
 * What the storage benchmarks share: UpdateRecords and ListRecords through the Promise facade on
 * a store, measured side by side with baselines in interleaved rounds, and the lines they print.
 *
 * Tokens are minted outside the timed figure, as in core.ts: the time minting takes is measured
 * apart and taken out. Beside the ratio of rates, the ratio of CPU time per operation (in
 * brackets) is what a busy machine distorts least.
 */
import { createCognitoSync, SyncSessionToken } from "@syncalite/core"
import { type Figure, fmt, measure, sessions } from "./measure.js"

const secret = "bench-secret-0123456789"
/** the identity pool every storage figure writes to */
export const pool = "us-east-1:5e1ec7ed"

export type Operation = (caller: number, i: number) => Promise<unknown> | unknown

/** Runs `operation` with `inFlight` callers, each awaiting its own calls one after another, until `until`. */
export const runFor = async (operation: Operation, inFlight: number, until: number): Promise<number> => {
  let n = 0
  await Promise.all(Array.from({ length: inFlight }, async (_, caller) => {
    while (performance.now() < until) {
      for (let k = 0; k < 20; k++) await operation(caller, n++)
    }
  }))
  return n
}

/** A figure, and the operations per second of this process's CPU time: the view a busy machine distorts least. */
export interface Measured extends Figure {
  readonly perCpuSecond: number
}

const cpuMs = () => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * Measures operations side by side: after a warm-up, `rounds` rounds each running every operation
 * for `slice` seconds in turn, so that a change of the machine's load during the run weighs on
 * all of them alike (the machine is shared: single runs drift 10-30%). Rates are totals over
 * the rounds.
 */
const sideBySide = async (
  operations: ReadonlyArray<{ readonly name: string; readonly operation: Operation }>,
  inFlight: number,
  { rounds = 5, slice = 0.3 }: { rounds?: number; slice?: number } = {}
): Promise<Array<Measured>> => {
  for (const { operation } of operations) await runFor(operation, inFlight, performance.now() + 150)
  const counts = operations.map(() => 0)
  const times = operations.map(() => 0)
  const cpu = operations.map(() => 0)
  for (let round = 0; round < rounds; round++) {
    for (const [i, { operation }] of operations.entries()) {
      const [start, startCpu] = [performance.now(), cpuMs()]
      counts[i]! += await runFor(operation, inFlight, start + slice * 1000)
      times[i]! += performance.now() - start
      cpu[i]! += cpuMs() - startCpu
    }
  }
  return operations.map(({ name }, i) => ({
    name,
    perSecond: counts[i]! / (times[i]! / 1000),
    perCpuSecond: counts[i]! / (cpu[i]! / 1000)
  }))
}

/** `a` as a share of `b`, in whole percent. */
export const percent = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`

/**
 * Prints a figure beside its baselines, with the ratio of the rates and, in brackets, the ratio
 * of the CPU time per operation; a target is a least ratio of rates to the first baseline.
 */
export const report = (title: string, figure: Measured, baselines: ReadonlyArray<Measured>, target?: number) => {
  const line = [`${title.padEnd(46)} ${fmt(figure.perSecond, 9)}/s`]
  for (const baseline of baselines) {
    line.push(
      `${baseline.name}: ${fmt(baseline.perSecond, 9)}/s ${percent(figure.perSecond, baseline.perSecond)} ` +
        `(cpu ${percent(figure.perCpuSecond, baseline.perCpuSecond)})`
    )
  }
  if (target !== undefined) {
    line.push(`target >= ${(target * 100).toFixed(0)}%: ${figure.perSecond / baselines[0]!.perSecond >= target ? "met" : "MISSED"}`)
  }
  console.log(line.join("  |  "))
}

/** Prints how much slower the large case is than the small one; a target is the largest ratio. */
export const reportGrowth = (title: string, small: Measured, large: Measured, target: number) => {
  const ratio = small.perSecond / large.perSecond
  console.log(
    `${title.padEnd(46)} ${small.name}: ${fmt(small.perSecond, 9)}/s  |  ${large.name}: ${fmt(large.perSecond, 9)}/s  |  ` +
      `cost x${ratio.toFixed(2)} (cpu x${(small.perCpuSecond / large.perCpuSecond).toFixed(2)})  |  ` +
      `target <= x${target}: ${ratio <= target ? "met" : "MISSED"}`
  )
}

/** Keys k000…k<n-1>, so that key order and insertion order agree. */
export const keyOf = (k: number) => `k${String(k).padStart(4, "0")}`

type Store = NonNullable<NonNullable<Parameters<typeof createCognitoSync>[0]>["store"]>

/** The facade over a store, with a token minted per write outside the figure. */
const facade = (store: Store) => {
  const sync = createCognitoSync({ tokenSecret: secret, store })
  const session = sessions()
  const ref = (identity: number, DatasetName = "bench") => ({
    IdentityPoolId: pool,
    IdentityId: `us-east-1:${identity.toString(16).padStart(8, "0")}`,
    DatasetName
  })
  const token = (target: ReturnType<typeof ref>) =>
    SyncSessionToken.mint(secret, { identityPoolId: target.IdentityPoolId, identityId: target.IdentityId, datasetName: target.DatasetName }, session())
  /** writes `count` records k0000… with `value`, at the sync counts in `counts`, in one UpdateRecords */
  const fill = async (target: ReturnType<typeof ref>, keys: ReadonlyArray<string>, value: string, counts: Map<string, number>) => {
    const result = await sync.updateRecords({
      ...target,
      SyncSessionToken: token(target),
      RecordPatches: keys.map((Key) => ({ Op: "replace" as const, Key, Value: value, SyncCount: counts.get(Key) ?? 0 }))
    })
    for (const record of result.Records) counts.set(record.Key, record.SyncCount)
    return result.Records[0]!.SyncCount
  }
  return { sync, ref, token, fill }
}

interface Prepared {
  readonly name: string
  readonly operation: Operation
  /** the seconds per operation spent outside what is measured (minting tokens), taken out of the figure */
  readonly outside: number
  readonly close: () => Promise<void>
}

/** Takes the time spent outside the measured work out of a figure. */
const net = (figure: Measured, outside: number): Measured => ({
  name: figure.name,
  perSecond: 1 / (1 / figure.perSecond - outside),
  perCpuSecond: 1 / (1 / figure.perCpuSecond - outside)
})

/** UpdateRecords of one record into a dataset per caller, each changing its record every time. */
export const prepareUpdate = async (name: string, store: Store, inFlight: number, datasetSize = 1): Promise<Prepared> => {
  const { fill, ref, sync, token } = facade(store)
  const counts = Array.from({ length: inFlight }, () => new Map<string, number>())
  for (let caller = 0; caller < inFlight; caller++) {
    await fill(ref(caller), Array.from({ length: datasetSize }, (_, k) => keyOf(k)), "initial", counts[caller]!)
  }
  const mintOnly = await measure("token minting alone", () => token(ref(0)), { seconds: 0.3, warmup: 0.1 })
  return {
    name,
    outside: 1 / mintOnly.perSecond,
    operation: async (caller, i) => {
      const target = ref(caller)
      const result = await sync.updateRecords({
        ...target,
        SyncSessionToken: token(target),
        RecordPatches: [{ Op: "replace", Key: keyOf(0), Value: `value ${i}`, SyncCount: counts[caller]!.get(keyOf(0))! }]
      })
      counts[caller]!.set(keyOf(0), result.Records[0]!.SyncCount)
    },
    close: () => sync.close()
  }
}

/** ListRecords of the 10 records changed since N in a dataset of `size` records, 10 of them changed. */
export const prepareList = async (name: string, store: Store, size = 100): Promise<Prepared> => {
  const { fill, ref, sync } = facade(store)
  const datasets = 8
  const since: Array<number> = []
  for (let dataset = 0; dataset < datasets; dataset++) {
    const counts = new Map<string, number>()
    since.push(await fill(ref(dataset), Array.from({ length: size }, (_, k) => keyOf(k)), "initial", counts))
    const step = Math.max(1, Math.floor(size / 10))
    await fill(ref(dataset), Array.from({ length: 10 }, (_, k) => keyOf(k * step)), "changed", counts)
  }
  return {
    name,
    outside: 0,
    operation: async (caller) => {
      const page = await sync.listRecords({ ...ref(caller % datasets), LastSyncCount: since[caller % datasets]! })
      if (page.Count !== 10) throw new Error(`expected 10 records, got ${page.Count}`)
    },
    close: () => sync.close()
  }
}

/** Measures prepared figures beside baselines, side by side. */
export const compare = async (
  inFlight: number,
  prepared: ReadonlyArray<Prepared>,
  baselines: ReadonlyArray<{ readonly name: string; readonly operation: Operation }>
) => {
  const figures = await sideBySide([...baselines, ...prepared], inFlight)
  for (const p of prepared) await p.close()
  return {
    baselines: figures.slice(0, baselines.length),
    figures: figures.slice(baselines.length).map((figure, i) => net(figure, prepared[i]!.outside))
  }
}

