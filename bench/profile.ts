/**
 * `npm run bench -- profile`: a CPU profile of the standalone server (memory store) under the
 * HTTP benchmark's signed load, summarised by share of the server's busy CPU time: SigV4,
 * routing, validation, operation, store, encoding, node:http and other (`profile-shares.ts` says
 * what falls where), then the functions that spend the most themselves. `profile:ListRecords` or
 * `profile:UpdateRecords` profiles one operation; both by default.
 *
 * The server runs in a process of its own, as in the HTTP benchmark; after a warm-up, the
 * inspector samples it every 100 µs while autocannon sends the signed requests. Each profile is
 * also written to `bench/<operation>.cpuprofile`, which Chrome's DevTools open.
 */
import * as fs from "node:fs"
import { drive, freePort, prepare, type Prepared, withServer } from "./http.js"
import { categories, type CpuProfile, shares } from "./profile-shares.js"

const WARMUP_SECONDS = 3
const SECONDS = 5
const TOP_FUNCTIONS = 25
/** writes enough for the warm-up and the sampled seconds of a fast server, none sent twice */
const UPDATES = 250_000

const percent = (part: number, whole: number) => `${((part / Math.max(whole, 1)) * 100).toFixed(1).padStart(5)}%`

const summarise = (operation: string, profile: CpuProfile, requests: number) => {
  const { busyMicros, byCategory, gcMicros, byFunction } = shares(profile)
  const perRequest = (micros: number) => `${(micros / Math.max(requests, 1)).toFixed(1).padStart(6)} µs/request`
  console.log(`${operation}: ${requests.toLocaleString("en-US")} requests, ${(busyMicros / 1e6).toFixed(2)} s of busy CPU sampled (${perRequest(busyMicros).trim()})`)
  console.log("| share | category | per request |\n| ---: | --- | ---: |")
  for (const category of categories) {
    const micros = byCategory.get(category)!
    const note = category === "other" ? ` (garbage collector ${percent(gcMicros, busyMicros).trim()})` : ""
    console.log(`| ${percent(micros, busyMicros)} | ${category}${note} | ${perRequest(micros)} |`)
  }
  console.log(`\ntop ${TOP_FUNCTIONS} functions by self time (with the built-ins they called):`)
  for (const entry of byFunction.slice(0, TOP_FUNCTIONS)) {
    console.log(`  ${percent(entry.micros, busyMicros)}  ${entry.category.padEnd(10)} ${entry.name.slice(0, 40).padEnd(40)} ${entry.where}`)
  }
}

/** Profiles the standalone server under ListRecords and UpdateRecords, or the one named in `only`. */
export const benchProfile = async (only?: ReadonlyArray<string>) => {
  console.log(`\n# CPU profile: standalone server, memory store, signed requests, ${SECONDS} s sampled after ${WARMUP_SECONDS} s of warm-up`)
  const port = await freePort()
  const { list, updates } = await prepare(port, UPDATES)
  for (const operation of ["ListRecords", "UpdateRecords"] as const) {
    if (only !== undefined && !only.includes(operation)) continue
    let cursor = 0
    const next: () => Prepared = operation === "ListRecords" ? () => list : () => updates[cursor++ % updates.length]!
    await withServer("standalone", port, async (server) => {
      await drive(server, next, WARMUP_SECONDS)
      await server.ask("profile-start")
      const result = await drive(server, next, SECONDS)
      const { profile } = (await server.ask("profile-stop")) as { profile: CpuProfile }
      if (result.non2xx + result.errors > 0) console.log(`  (${result.non2xx} non-2xx answers, ${result.errors} errors)`)
      const file = new URL(`./${operation}.cpuprofile`, import.meta.url)
      fs.writeFileSync(file, JSON.stringify(profile))
      summarise(operation, profile, result.requests.total)
      console.log(`  (the profile: ${file.pathname})\n`)
    })
    if (cursor > updates.length) console.log(`  (ran out of prepared writes after ${updates.length}: the rest were refused)`)
  }
}
