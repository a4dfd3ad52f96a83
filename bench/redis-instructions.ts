/**
 * Redis' own work per operation, counted in instructions: the store's commit and read beside the
 * floors of the Redis section, on a Redis server started for the count under valgrind's callgrind
 * (its instrumentation switched on only while an operation's loop runs). Each figure is what
 * Redis executed over a fixed number of operations at 64 in flight, its protocol and event loop
 * included, divided by their number.
 *
 * `INFO commandstats`, which the section's CPU lines read, counts a script's elapsed time: on a
 * machine of few cores the process driving Redis shares them, and a busier process (the store's,
 * beside the bare client of a floor) makes the same script read longer. A count of instructions
 * moves by about 1% between runs, on a quiet machine or a busy one (how many commands Redis reads
 * in one pass of its event loop follows the timing).
 *
 * Needs `valgrind` (with `callgrind_control`) and `redis-server` on the PATH; skipped without them.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { freePort } from "./http.js"
import { fmt } from "./measure.js"
import { redisHarness } from "./redis-harness.js"

/** operations per worker of a counted loop, after as many uncounted to warm Redis' tables */
const PER_WORKER = 40
const WORKERS = 64

/** Redis' instructions per operation of a loop */
interface Counted {
  readonly name: string
  readonly perOperation: number
}

/** What a command printed, or undefined where it does not run here. */
const printed = (command: string, args: ReadonlyArray<string>) => {
  const done = spawnSync(command, args, { encoding: "utf8" })
  return done.status === 0 ? done.stdout : undefined
}

/** Whether a Redis answers PING on `port`. */
const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write("PING\r\n"))
    socket.setTimeout(1000, () => socket.destroy())
    socket.on("data", (data) => {
      socket.destroy()
      resolve(data.toString().startsWith("+PONG"))
    })
    socket.on("error", () => resolve(false))
    socket.on("close", () => resolve(false))
  })

/** Runs `step` `per` times in each of `workers` loops at once. */
const promiseLoops = (per: number, step: (worker: number, i: number) => Promise<unknown>) =>
  Promise.all(Array.from({ length: WORKERS }, async (_, worker) => {
    for (let i = 0; i < per; i++) await step(worker, i)
  }))

/** The same for an Effect step, the loops running as fibers of one program. */
const fiberLoops = (per: number, step: (worker: number, i: number) => Effect.Effect<unknown, unknown>) =>
  Effect.runPromise(Effect.forEach(
    Array.from({ length: WORKERS }, (_, worker) => worker),
    (worker) => Effect.forEach(Array.from({ length: per }, (_, i) => i), (i) => step(worker, i), { discard: true }),
    { concurrency: "unbounded", discard: true }
  ))

export const benchRedisInstructions = async () => {
  const heading = `\n# Redis' instructions per operation (callgrind; ${WORKERS * PER_WORKER} operations at ${WORKERS} in flight each)`
  const redisVersion = printed("redis-server", ["--version"])
  if (printed("valgrind", ["--version"]) === undefined || printed("callgrind_control", ["-h"]) === undefined || redisVersion === undefined) {
    console.log(`${heading}\nskipped: valgrind, callgrind_control and redis-server must be on the PATH`)
    return
  }
  const version = /v=(\S+)/.exec(redisVersion)?.[1] ?? "of unknown version"
  console.log(`${heading}, on the redis-server of the PATH (${version}), not the one at REDIS_URL`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "syncalite-callgrind-"))
  const port = await freePort()
  const server = spawn(
    "valgrind",
    [
      "--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${path.join(dir, "out")}`,
      "redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir
    ],
    { stdio: "ignore" }
  )
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()))
  try {
    const deadline = Date.now() + 60_000
    while (!(await answers(port))) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error("redis-server under valgrind did not start")
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const harness = await redisHarness(`redis://127.0.0.1:${port}`)
    if (harness === undefined) throw new Error("the store could not open the Redis under valgrind")
    const control = (...args: Array<string>) => {
      const done = spawnSync("callgrind_control", [...args, String(server.pid)], { stdio: "ignore" })
      if (done.status !== 0) throw new Error(`callgrind_control ${args.join(" ")} failed`)
    }
    let dumps = 0
    /** Redis' instructions per operation of `loops`, after running them once uncounted. */
    const count = async (name: string, loops: (per: number) => Promise<unknown>): Promise<Counted> => {
      await loops(PER_WORKER)
      control("-i", "on")
      await loops(PER_WORKER)
      control("-i", "off")
      control("-d")
      const text = fs.readFileSync(path.join(dir, `out.${++dumps}`), "utf8")
      const total = /^totals: (\d+)$/m.exec(text)
      if (total === null) throw new Error(`no totals in callgrind's dump ${dumps}`)
      return { name, perOperation: Number(total[1]) / (WORKERS * PER_WORKER) }
    }
    /** a figure beside its baselines; the target, where given, a ratio to the first of them at most */
    const line = (title: string, figure: Counted, baselines: ReadonlyArray<Counted>, target?: number) => {
      const ratio = (baseline: Counted) => figure.perOperation / baseline.perOperation
      const parts = [`${title.padEnd(50)} ${fmt(figure.perOperation, 9)}`]
      for (const baseline of baselines) parts.push(`${baseline.name}: ${fmt(baseline.perOperation, 9)} (${ratio(baseline).toFixed(2)}x)`)
      if (target !== undefined) parts.push(`target <= ${target}x: ${ratio(baselines[0]!) <= target ? "met" : "MISSED"}`)
      console.log(parts.join("  |  "))
    }
    try {
      const { casOperation, commitCalls, seed, updates, reads, readCalls } = harness
      const counts = await seed("commit", 1)
      await seed("list", 100)
      // the floors' keys are made before the count starts: only the operations are counted
      const [sevenCalls, stringCalls, checkedCalls, packedCalls, decidedCalls, cachedCalls, casCalls] = [
        await commitCalls(WORKERS),
        await commitCalls(WORKERS, "strings"),
        await commitCalls(WORKERS, "checked"),
        await commitCalls(WORKERS, "packed"),
        await commitCalls(WORKERS, "decided"),
        await commitCalls(WORKERS, "cached"),
        await casOperation(WORKERS)
      ]
      const seven = await count("the seven calls", (per) => promiseLoops(per, sevenCalls))
      const commit = await count("UpdateRecords", (per) => fiberLoops(per, updates("commit", counts)))
      const inTurns = await count("UpdateRecords by two processes in turn", (per) => fiberLoops(per, updates("commit", counts, true)))
      const read = await count("ListRecords", (per) => fiberLoops(per, reads("list")))
      const readCallsAlone = await count("the read's 3 calls", (per) => promiseLoops(per, readCalls("list")))
      const strings = await count("the strings", (per) => promiseLoops(per, stringCalls))
      const checked = await count("the checks", (per) => promiseLoops(per, checkedCalls))
      const packed = await count("the checks over packed numbers", (per) => promiseLoops(per, packedCalls))
      const decided = await count("decided", (per) => promiseLoops(per, decidedCalls))
      const cached = await count("checked in the process on a head it holds", (per) => promiseLoops(per, cachedCalls))
      const cas = await count("one compare-and-set", (per) => promiseLoops(per, casCalls))
      line("UpdateRecords of 1 record, the commit script", commit, [seven], 1.5)
      line("  (info) the same by two processes in turn", inTurns, [seven, commit])
      line("ListRecords, 10 of 100, the read script", read, [seven, readCallsAlone])
      line("  (info) the seven calls with a commit's strings", strings, [seven])
      line("  (info) the same with a commit's checks", checked, [seven, strings])
      line("  (info) the same over packed numbers", packed, [seven, checked])
      line("  (info) a commit decided in the process, 2 calls", decided, [seven])
      line("  (info) checked in the process on a head it holds", cached, [seven, checked])
      line("  (info) one compare-and-set (GET, SET)", cas, [seven])
    } finally {
      await harness.close()
    }
  } finally {
    server.kill("SIGTERM")
    await exited
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
