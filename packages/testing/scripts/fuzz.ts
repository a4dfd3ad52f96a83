/**
 * `npm run fuzz -- --requests 100000 [--binding standalone,express,koa] [--store memory,sqlite,redis] [--seed n] [--fault-rate 0.01]`:
 * the fuzz of `src/fuzzing.ts` on every binding over every store, one after another, with the
 * counts, the time and the heap before and after of each. Exits 1 on any failure. Redis is
 * read from REDIS_URL (127.0.0.1:6379 by default).
 */
import { Services } from "../src/index.js"
import * as Fuzzing from "../src/fuzzing.js"
import { bindings, stores } from "./targets.js"

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? undefined : process.argv[at + 1]
}
const requests = Number(argument("requests") ?? 10_000)
const chosen = (name: string, all: ReadonlyArray<string>) => argument(name)?.split(",") ?? all
const seed = argument("seed") === undefined ? undefined : Number(argument("seed"))
const faultRate = Number(argument("fault-rate") ?? 0.01)
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`

if (typeof (globalThis as { gc?: unknown }).gc !== "function") console.log("(run with node --expose-gc for heap figures after a full collection)")
let failed = false
for (const storeName of chosen("store", Object.keys(stores))) {
  if (storeName === "redis" && !(await Services.check("redis")).available) {
    console.log(`redis: not reachable at ${Services.url("redis")}, not fuzzed`)
    failed = true
    continue
  }
  for (const bindingName of chosen("binding", Object.keys(bindings))) {
    const store = stores[storeName]!(Services.url("redis"))
    console.log(`\nfuzz ${bindingName} over ${storeName}: ${requests} requests`)
    try {
      const report = await Fuzzing.run({
        start: bindings[bindingName]!,
        ...(store.layer === undefined ? {} : { store: store.layer }),
        requests,
        faultRate,
        ...(seed === undefined ? {} : { seed }),
        log: (line) => console.log(`  ${line}`)
      })
      console.log(`  seed ${report.seed}: ${report.requests} requests in ${(report.milliseconds / 1000).toFixed(1)} s, ${report.faults} injected store faults`)
      console.log(`  answers by status ${JSON.stringify(report.statuses)}`)
      console.log(`  mutations ${JSON.stringify(report.mutations)}`)
      console.log(`  heap ${mib(report.heapBefore)} after warming up, ${mib(report.heapAfter)} at the end`)
      if (report.failureCount > 0) {
        failed = true
        console.log(`  FAILED ${report.failureCount} times:\n    ${report.failures.join("\n    ")}`)
      }
    } finally {
      await store.cleanUp()
    }
  }
}
process.exit(failed ? 1 : 0)
