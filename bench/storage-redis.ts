/**
 * The Redis store (`@syncalite/redis`) beside the raw backend doing the equivalent work in the
 * same run: one EVALSHA of a compare-and-set script (GET, compare, SET) through the same client.
 *
 * - UpdateRecords: the store's commit of one record (one UpdateRecords' storage work), at 1 and
 *   at 64 in flight (each in-flight writer on a dataset of its own, as 64 users would be);
 *   targets: at least 40% of the baseline.
 * - ListRecords: the store's read of the 10 records of 100 changed since N; target: 50%. Beside
 *   each, for information, the bare Redis calls of the same operation (the commit's seven, the
 *   read's three) through the same client, against the same baseline: the floor of any store
 *   over this layout.
 * - Growth: the same two with datasets of 10 and of 1000 records (at 64 in flight): the cost of a
 *   write or a read follows the records it touches, not the dataset (target: at most 2x).
 * - Against the floor: UpdateRecords and ListRecords at 64 in flight beside the commit's seven
 *   Redis calls made by one bare script (target: 60%), the Redis CPU per call of the store's
 *   scripts beside the seven calls' (`INFO commandstats`; commit target: at most 1.5x), each split
 *   into the commands it called and the rest (Lua and its conversions), and the process's own CPU
 *   per call beside the seven calls' through the bare client; each figure beside the floor's of
 *   its own alternated rounds. For information, the floors under those: the older layout's five
 *   calls, the seven calls with the strings a commit reads and makes in Lua (their Redis CPU and
 *   their throughput), the same with the checks of a commit's usual path in their least form (what
 *   a commit checked in Lua could reach at best), those checks over a layout of packed numbers
 *   rather than text (what one could reach over another layout), a commit checked in the process
 *   against the head and consumed sessions it holds from its last commit, the script writing only
 *   if the head is still the one held (what a commit that finds its head held could reach over
 *   this layout, in one round trip; and the same answered to fibers, beside UpdateRecords in the
 *   same rounds: what it could reach under the Effect runtime), a commit decided in the process
 *   (a read, then a compare-and-set of the head that writes: what a commit checked out of Lua
 *   could reach at best when it holds nothing), and ListRecords beside its own calls (HMGET, ZRANGEBYSCORE, HMGET)
 *   through the bare client, those calls beside the seven calls, and the same calls answered to
 *   fibers through `Effect.async` (what the Effect runtime adds to the client, the store's
 *   operations being Effects), and the read floor: the same with their answer read into a head
 *   and records by the least means (`readAnswer` in redis-harness.ts), what any store over this
 *   layout must do for a ListRecords, beside the seven calls and beside ListRecords.
 * - For information, the whole operations through `createCognitoSync` on this store (token
 *   verification, validation, the pool read, the session count...).
 * - Redis' own instructions per commit and read beside the floors', counted on a Redis started
 *   for it under callgrind (redis-instructions.ts): the part `instructions` of the section, the
 *   figures above its part `throughput`.
 *
 * Redis comes from REDIS_URL (default redis://127.0.0.1:6379); the section is skipped when it
 * does not answer. Keys live under a prefix of their own and are removed afterwards.
 */
import { createCognitoSync, SyncSessionToken } from "@syncalite/core"
import { alternate, alternateEach, type Figure, fmt } from "./measure.js"
import { inFibers, measureFibers, measureInFlight, redisHarness } from "./redis-harness.js"
import { benchRedisInstructions } from "./redis-instructions.js"

const url = process.env.REDIS_URL || "redis://127.0.0.1:6379"
const secret = "bench-secret-0123456789"

const ROUNDS = 5
const SHORT = { seconds: 0.5, warmup: 0.1 }

export const line = (title: string, figure: Figure, baseline: Figure, target?: number) => {
  const ratio = figure.perSecond / baseline.perSecond
  const verdict = target === undefined ? "" : `  |  target >= ${target * 100}%: ${ratio >= target ? "met" : "MISSED"}`
  console.log(
    `${title.padEnd(50)} ${fmt(figure.perSecond, 9)}/s  |  ${baseline.name}: ${fmt(baseline.perSecond, 9)}/s (${(ratio * 100).toFixed(0)}%)${verdict}`
  )
}

/** script calls (FCALL, EVALSHA) and the microseconds Redis spent in them */
interface ScriptCpu {
  calls: number
  usec: number
  /** of `usec`, the microseconds of the commands the scripts called (HMGET, ZADD, HSET...) */
  commandUsec: number
  /** the microseconds of CPU this process spent meanwhile (the client's, the store's and the harness's) */
  processUsec: number
}

/**
 * A script's Redis CPU per call beside a floor's, each split into the commands it called
 * and the rest (Lua, and Redis turning arguments and answers into Lua values and back).
 */
const cpuLine = (title: string, figure: ScriptCpu, baseline: ScriptCpu, baselineName: string, target?: number) => {
  const perCall = figure.usec / figure.calls
  const basePerCall = baseline.usec / baseline.calls
  const ratio = perCall / basePerCall
  const verdict = target === undefined ? "" : `  |  target <= ${target}x: ${ratio <= target ? "met" : "MISSED"}`
  const split = (cpu: ScriptCpu) => `commands ${(cpu.commandUsec / cpu.calls).toFixed(2)}, the rest ${((cpu.usec - cpu.commandUsec) / cpu.calls).toFixed(2)}`
  console.log(
    `${title.padEnd(50)} ${perCall.toFixed(2).padStart(6)} µs/call (${split(figure)})  |  ${baselineName}: ${basePerCall.toFixed(2)} µs/call (${
      split(baseline)
    }) (${ratio.toFixed(2)}x)${verdict}`
  )
}

/** The process's CPU per operation (one script call each) beside a floor's through the bare client. */
const processLine = (title: string, figure: ScriptCpu, baseline: ScriptCpu, baselineName: string) => {
  const perCall = figure.processUsec / figure.calls
  const basePerCall = baseline.processUsec / baseline.calls
  console.log(
    `${title.padEnd(50)} ${perCall.toFixed(2).padStart(6)} µs/call  |  ${baselineName}: ${basePerCall.toFixed(2)} µs/call (${(perCall / basePerCall).toFixed(2)}x)`
  )
}

/** the commands the store's commit and read scripts and the floors make */
const scriptCommands = new Set([
  "hmget", "hget", "hset", "hdel", "zadd", "zrangebyscore", "hlen", "scard", "smembers", "sadd", "type", "xadd", "set", "get", "getrange", "append"
])

const growth = (title: string, small: Figure, large: Figure) => {
  const cost = small.perSecond / large.perSecond
  console.log(
    `${title.padEnd(50)} ${fmt(large.perSecond, 9)}/s  |  ${small.name}: ${fmt(small.perSecond, 9)}/s  |  cost ${cost.toFixed(2)}x  |  target <= 2x: ${
      cost <= 2 ? "met" : "MISSED"
    }`
  )
}

/** the parts of the Redis section: the figures against the baselines, and Redis' instructions per operation */
export const redisParts = ["throughput", "instructions"] as const

export const benchStorageRedis = async (only: ReadonlyArray<string> = redisParts) => {
  if (only.includes("throughput")) await benchThroughput()
  if (only.includes("instructions")) await benchRedisInstructions()
}

const benchThroughput = async () => {
  console.log(`\n# @syncalite/redis on ${url.replace(/\/\/[^@/]*@/, "//")}, beside one EVALSHA compare-and-set through the same client`)
  const harness = await redisHarness(url)
  if (harness === undefined) {
    console.log(`skipped: Redis does not answer at ${url} (set REDIS_URL)`)
    return
  }
  const { store, client, pool, identities, session, casOperation, commitCalls, seed, updates, reads, readCalls } = harness
  const casBaseline = async (workers: number) =>
    measureInFlight("EVALSHA compare-and-set", workers, await casOperation(workers), SHORT)

  /**
   * The figures of script calls in `INFO commandstats` so far, FCALL (the store's scripts where
   * Redis has functions) and EVALSHA (the baselines, and the store's scripts where it has not)
   * summed: Redis counts what a script's own calls cost in them.
   */
  const scriptsSoFar = async (): Promise<ScriptCpu> => {
    const stats = String(await client.sendCommand(["INFO", "commandstats"]))
    const total: ScriptCpu = { calls: 0, usec: 0, commandUsec: 0, processUsec: 0 }
    for (const found of stats.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)) {
      const [, command, calls, usec] = found as unknown as [string, string, string, string]
      if (command === "evalsha" || command === "fcall") {
        total.calls += Number(calls)
        total.usec += Number(usec)
      } else if (scriptCommands.has(command)) {
        total.commandUsec += Number(usec)
      }
    }
    return total
  }
  /** a phase that also adds the script calls and CPU it cost Redis to `cpu` */
  const withCpu = (cpu: ScriptCpu, phase: () => Promise<Figure>) => async () => {
    const before = await scriptsSoFar()
    const processBefore = process.cpuUsage()
    const figure = await phase()
    const processSpent = process.cpuUsage(processBefore)
    const after = await scriptsSoFar()
    cpu.calls += after.calls - before.calls
    cpu.usec += after.usec - before.usec
    cpu.commandUsec += after.commandUsec - before.commandUsec
    cpu.processUsec += processSpent.user + processSpent.system
    return figure
  }

  try {
    for (const inFlight of [1, 64]) {
      const counts = await seed(`update-${inFlight}`, 1)
      const [baseline, figure] = await alternate(
        ROUNDS,
        () => casBaseline(inFlight),
        () => measureFibers("UpdateRecords", inFlight, updates(`update-${inFlight}`, counts), SHORT)
      )
      line(`UpdateRecords of 1 record, ${inFlight} in flight`, figure, baseline, 0.4)
      const [againstCalls, calls] = await alternate(
        ROUNDS,
        () => casBaseline(inFlight),
        async () => measureInFlight("the calls", inFlight, await commitCalls(inFlight), SHORT)
      )
      line(`  (info) the commit's 7 Redis calls alone, ${inFlight}`, calls, againstCalls)
    }
    await seed("list", 100)
    for (const inFlight of [1, 64]) {
      const [baseline, figure] = await alternate(
        ROUNDS,
        () => casBaseline(inFlight),
        () => measureFibers("ListRecords", inFlight, reads("list"), SHORT)
      )
      line(`ListRecords, 10 changed of 100, ${inFlight} in flight`, figure, baseline, 0.5)
      const [againstCalls, calls] = await alternate(
        ROUNDS,
        () => casBaseline(inFlight),
        () => measureInFlight("the calls", inFlight, readCalls("list"), SHORT)
      )
      line(`  (info) the read's 3 Redis calls alone, ${inFlight}`, calls, againstCalls)
    }

    // against the floor: the commit's seven Redis calls, each figure beside those of its own rounds
    const cpu = (): ScriptCpu => ({ calls: 0, usec: 0, commandUsec: 0, processUsec: 0 })
    const sevenCalls = (into: ScriptCpu) => withCpu(into, async () => measureInFlight("the seven calls", 64, await commitCalls(64), SHORT))
    const floorCounts = await seed("floor", 1)
    const [commitFloor, commitCpu] = [cpu(), cpu()]
    const [updateFloor, update] = await alternate(
      ROUNDS,
      sevenCalls(commitFloor),
      withCpu(commitCpu, () => measureFibers("UpdateRecords", 64, updates("floor", floorCounts), SHORT))
    )
    line("UpdateRecords of 1 record, 64, vs the seven calls", update, updateFloor, 0.6)
    const [readFloor, readCpu] = [cpu(), cpu()]
    const [listFloor, list] = await alternate(
      ROUNDS,
      sevenCalls(readFloor),
      withCpu(readCpu, () => measureFibers("ListRecords", 64, reads("list"), SHORT))
    )
    line("ListRecords, 10 of 100, 64, vs the seven calls", list, listFloor, 0.6)
    cpuLine("Redis CPU of the commit script", commitCpu, commitFloor, "the seven calls", 1.5)
    cpuLine("  (info) Redis CPU of the read script", readCpu, readFloor, "the seven calls")
    processLine("  (info) process CPU per commit", commitCpu, commitFloor, "the seven calls")
    processLine("  (info) process CPU per read", readCpu, readFloor, "the seven calls")

    // for information, other floors beside the seven calls or the store
    const [olderFloor, olderCpu] = [cpu(), cpu()]
    await alternate(ROUNDS, sevenCalls(olderFloor), withCpu(olderCpu, async () => measureInFlight("the older five calls", 64, await commitCalls(64, "older"), SHORT)))
    cpuLine("  (info) the older layout's five calls", olderCpu, olderFloor, "the seven calls")
    /** a floor of a commit made in Lua: its Redis CPU and its throughput beside the seven calls of its own rounds */
    const luaFloor = async (floor: "strings" | "checked" | "packed" | "cached", title: string) => {
      const [sevenFloor, floorCpu] = [cpu(), cpu()]
      const [sevenBeside, figure] = await alternate(
        ROUNDS,
        sevenCalls(sevenFloor),
        withCpu(floorCpu, async () => measureInFlight(title, 64, await commitCalls(64, floor), SHORT))
      )
      cpuLine(`  (info) ${title}`, floorCpu, sevenFloor, "the seven calls")
      line(`  (info) ${title}, 64`, figure, sevenBeside)
    }
    await luaFloor("strings", "the seven calls with a commit's strings")
    await luaFloor("checked", "the same with a commit's checks")
    await luaFloor("packed", "the same over packed numbers")
    await luaFloor("cached", "checked in the process on a head it holds")
    // that floor's calls answered to fibers, as the store's commits are: what a commit that finds
    // its head held could reach under the Effect runtime
    const heldCounts = await seed("held", 1)
    const [heldCpu, heldInFibersCpu, updateCpu, sevenBesideHeldCpu] = [cpu(), cpu(), cpu(), cpu()]
    const [heldFigure, heldInFibers, updateAgain, sevenBesideHeld] = await alternateEach(ROUNDS, [
      withCpu(heldCpu, async () => measureInFlight("the held floor", 64, await commitCalls(64, "cached"), SHORT)),
      withCpu(heldInFibersCpu, async () => measureFibers("the held floor in fibers", 64, inFibers(await commitCalls(64, "cached")), SHORT)),
      withCpu(updateCpu, () => measureFibers("UpdateRecords", 64, updates("held", heldCounts), SHORT)),
      sevenCalls(sevenBesideHeldCpu)
    ])
    line("  (info) the held floor vs the seven calls", heldFigure!, sevenBesideHeld!)
    line("  (info) the held floor in fibers vs the seven calls", heldInFibers!, sevenBesideHeld!)
    line("  (info) UpdateRecords vs the held floor in fibers", updateAgain!, heldInFibers!)
    processLine("  (info) process CPU per commit of the held floor", heldCpu, sevenBesideHeldCpu, "the seven calls")
    processLine("  (info) the same in fibers", heldInFibersCpu, heldCpu, "its bare calls")
    processLine("  (info) process CPU per commit", updateCpu, heldInFibersCpu, "the held floor in fibers")
    const [decidedFloor, decidedCpu] = [cpu(), cpu()]
    const [sevenBesideDecided, decided] = await alternate(
      ROUNDS,
      sevenCalls(decidedFloor),
      withCpu(decidedCpu, async () => measureInFlight("the decided commit", 64, await commitCalls(64, "decided"), SHORT))
    )
    // two script calls an operation
    const decidedPerOperation = { ...decidedCpu, calls: decidedCpu.calls / 2 }
    cpuLine("  (info) a commit decided in the process, 2 calls", decidedPerOperation, decidedFloor, "the seven calls")
    processLine("  (info) process CPU per commit decided in it", decidedPerOperation, decidedFloor, "the seven calls")
    line("  (info) a commit decided in the process, 64", decided, sevenBesideDecided)
    const [readCallsCpu, inFibersCpu, readIntoCpu, listCpu, sevenCpu] = [cpu(), cpu(), cpu(), cpu(), cpu()]
    const [readCallsFigure, readInFibers, readInto, listAgain, sevenAgain] = await alternateEach(ROUNDS, [
      withCpu(readCallsCpu, () => measureInFlight("the read's calls", 64, readCalls("list"), SHORT)),
      withCpu(inFibersCpu, () => measureFibers("the read's calls in fibers", 64, inFibers(readCalls("list")), SHORT)),
      withCpu(readIntoCpu, () => measureFibers("the same read into values", 64, inFibers(readCalls("list", true)), SHORT)),
      withCpu(listCpu, () => measureFibers("ListRecords", 64, reads("list"), SHORT)),
      sevenCalls(sevenCpu)
    ])
    line("  (info) ListRecords, 10 of 100, 64, vs its calls", listAgain!, readCallsFigure!)
    cpuLine("  (info) Redis CPU of the read script", listCpu, readCallsCpu, "the read's calls")
    processLine("  (info) process CPU per read", listCpu, readCallsCpu, "the read's calls")
    line("  (info) the read's calls alone vs the seven calls", readCallsFigure!, sevenAgain!)
    line("  (info) the read's calls in fibers vs their calls", readInFibers!, readCallsFigure!)
    processLine("  (info) process CPU per read's calls in fibers", inFibersCpu, readCallsCpu, "the read's calls")
    line("  (info) ListRecords vs its calls in fibers", listAgain!, readInFibers!)
    processLine("  (info) process CPU per read", listCpu, inFibersCpu, "its calls in fibers")
    line("  (info) the read floor vs the seven calls", readInto!, sevenAgain!)
    line("  (info) ListRecords vs the read floor", listAgain!, readInto!)
    processLine("  (info) process CPU per read of the floor", readIntoCpu, inFibersCpu, "its calls in fibers")
    processLine("  (info) process CPU per read", listCpu, readIntoCpu, "the read floor")

    // reads first: the writes below change more records after sync count 1
    const small = await seed("small", 10)
    const large = await seed("large", 1000)
    const [smallReads, largeReads] = await alternate(
      ROUNDS,
      () => measureFibers("of 10 records", 64, reads("small"), SHORT),
      () => measureFibers("of 1000 records", 64, reads("large"), SHORT)
    )
    growth("ListRecords of 10 changed of 1000 records, 64", smallReads, largeReads)
    const [smallWrites, largeWrites] = await alternate(
      ROUNDS,
      () => measureFibers("into 10 records", 64, updates("small", small), SHORT),
      () => measureFibers("into 1000 records", 64, updates("large", large), SHORT)
    )
    growth("UpdateRecords of 1 record into 1000 records, 64", smallWrites, largeWrites)

    // for information: the whole operations, through the Promise facade on this store
    const sync = createCognitoSync({ tokenSecret: secret, store })
    for (const inFlight of [1, 64]) {
      const baseline = await measureInFlight("EVALSHA compare-and-set", inFlight, await casOperation(inFlight), { seconds: 1 })
      const counts = new Array<number>(inFlight).fill(0)
      const refs = identities.map((IdentityId) => ({ IdentityPoolId: pool, IdentityId, DatasetName: `api-${inFlight}` }))
      // a fresh token per write, minted as ListRecords would (the figure includes the minting)
      const token = (worker: number) =>
        SyncSessionToken.mint(secret, { identityPoolId: pool, identityId: identities[worker]!, datasetName: `api-${inFlight}` }, session())
      const update = await measureInFlight("API UpdateRecords", inFlight, async (worker, i) => {
        const result = await sync.updateRecords({
          ...refs[worker]!,
          SyncSessionToken: token(worker),
          RecordPatches: [{ Op: "replace", Key: "key", Value: `value ${i}`, SyncCount: counts[worker]! }]
        })
        counts[worker] = result.Records[0]!.SyncCount
      }, { seconds: 1 })
      line(`  (info) API updateRecords, ${inFlight} in flight`, update, baseline)
      const list = await measureInFlight("API ListRecords", inFlight, (worker) =>
        sync.listRecords({ ...refs[worker]!, LastSyncCount: 0 }), { seconds: 1 })
      line(`  (info) API listRecords, ${inFlight} in flight`, list, baseline)
    }
    await sync.close()
  } finally {
    await harness.close()
  }
}
