/**
 * `npm run bench`: every figure beside the baselines it is compared with, measured in the same run.
 * `npm run bench -- http sqlite` runs only the named sections (core, sqlite, redis, keyv, http, streams, mqtt, triggers, push, identity); an
 * `http` section may name its servers: `http:standalone,koa`, the `redis` and `push` sections their parts: `redis:instructions`,
 * `push:fanout`.
 * `profile` (a CPU profile of the standalone server by share) runs only when named.
 *
 * Each section of a run of several runs in a process of its own. Before, between and after the
 * sections, a fixed task is timed to tell how steady the machine was (steadiness.ts); the run
 * ends with that line.
 *
 * The figures are those of the built packages, as an application runs them (`bench/tsconfig.json`
 * maps no `@syncalite/*` import to its sources): a run stops when a package's build is missing or
 * older than its sources.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { askedSections } from "./arguments.js"
import { benchCore } from "./core.js"
import { benchHttp } from "./http.js"
import { benchPushMqtt } from "./push-mqtt.js"
import { benchProfile } from "./profile.js"
import { benchPush, pushParts } from "./push.js"
import { benchIdentity } from "./identity.js"
import { benchStorageKeyv } from "./storage-keyv.js"
import { benchStorage } from "./storage-sqlite.js"
import { benchStorageRedis, redisParts } from "./storage-redis.js"
import { benchTriggers } from "./triggers.js"
import { benchStreamsRedis } from "./streams-redis.js"
import { probe, steadiness, steadinessLine } from "./steadiness.js"

const sections: ReadonlyArray<readonly [string, (only?: ReadonlyArray<string>) => Promise<void>, ReadonlyArray<string>?]> = [
  ["core", benchCore],
  ["sqlite", benchStorage],
  ["redis", benchStorageRedis, redisParts],
  ["keyv", benchStorageKeyv],
  ["http", benchHttp, ["standalone", "koa", "express", "verify"]],
  ["streams", benchStreamsRedis],
  ["mqtt", benchPushMqtt],
  ["triggers", benchTriggers],
  ["push", benchPush, pushParts],
  ["identity", benchIdentity],
  ["profile", benchProfile, ["ListRecords", "UpdateRecords"]]
]
/**
 * Set in the process of one section of a run of several: each section runs in a process of its
 * own, as an application runs one store, so that no section's figures carry the code another
 * section made the engine compile for other shapes, or the heap it left.
 */
const SECTION_CHILD = "SYNCALITE_BENCH_SECTION"
/** the sections a run without names leaves out */
const onDemand = new Set(["profile"])
const usage = `usage: npm run bench [-- <section>[:<server>,…] …]

Prints every figure beside the baselines it is compared with, measured in the same run.
  sections  ${sections.map(([known]) => known).join(", ")} (all but profile when none is named)
  servers   of the http section: ${sections.find(([name]) => name === "http")![2]!.join(", ")} (http:koa,express; verify: SigV4 verification alone)
  parts     of the redis section: ${redisParts.join(", ")} (redis:instructions: Redis' instructions per operation,
            counted under valgrind); of the push section: ${pushParts.join(", ")} (push:fanout)
  profile   a CPU profile of the standalone server by share (profile:ListRecords); only when named
Redis figures need a Redis at REDIS_URL (redis://127.0.0.1:6379), MQTT ones a broker at MQTT_URL
(mqtt://127.0.0.1:1883); without one they are skipped.`

/** The sections asked for, with the parts each names; exits with the usage on a bad argument. */
const parseArguments = (args: ReadonlyArray<string>): Map<string, ReadonlyArray<string> | undefined> => {
  const fail = (message: string): never => {
    console.error(`bench: ${message}\n\n${usage}`)
    process.exit(2)
  }
  const parse = () => parseArgs({ args: [...args], options: { help: { type: "boolean", short: "h" } }, allowPositionals: true })
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse()
  } catch (error) {
    return fail((error as Error).message)
  }
  if (parsed.values.help) {
    console.log(usage)
    process.exit(0)
  }
  const asked = askedSections(parsed.positionals)
  for (const [name, only] of asked) {
    const section = sections.find(([known]) => known === name)
    if (section === undefined) fail(`no benchmark section "${name}"`)
    const unknown = only?.find((part) => !section![2]?.includes(part))
    if (unknown !== undefined) fail(`the ${name} section has no part "${unknown}"`)
  }
  return asked
}

/** The packages whose build is missing or older than a file of their sources. */
const staleBuilds = (): ReadonlyArray<string> => {
  const packages = new URL("../packages/", import.meta.url).pathname
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const at = path.join(dir, entry.name)
      return Math.max(latest, entry.isDirectory() ? newest(at) : fs.statSync(at).mtimeMs)
    }, 0)
  return fs.readdirSync(packages).filter((name) => {
    const built = path.join(packages, name, "dist", "index.js")
    return !fs.existsSync(built) || fs.statSync(built).mtimeMs < newest(path.join(packages, name, "src"))
  })
}

const asked = parseArguments(process.argv.slice(2))
// a section's own process was started by a run that checked the builds already
const stale = process.env[SECTION_CHILD] === undefined ? staleBuilds() : []
if (stale.length > 0) {
  console.error(`bench: the build of ${stale.join(", ")} is missing or older than its sources: run npm run build first`)
  process.exit(2)
}

const chosen = sections.filter(([name]) => (asked.size === 0 && !onDemand.has(name)) || asked.has(name))
if (process.env[SECTION_CHILD] === undefined) {
  console.log(`syncalite benchmarks — node ${process.version}, ${new Date().toISOString()}`)
}
if (process.env[SECTION_CHILD] !== undefined) {
  for (const [name, run] of chosen) await run(asked.get(name))
} else if (chosen.length === 1) {
  const [name, run] = chosen[0]!
  const before = await probe(2)
  await run(asked.get(name))
  console.log(steadinessLine(steadiness([...before, ...(await probe(2))])))
} else {
  let failed = 0
  const samples = await probe(3)
  for (const [name] of chosen) {
    const only = asked.get(name)
    const argument = only === undefined ? name : `${name}:${only.join(",")}`
    const { status, signal } = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), argument], {
      stdio: "inherit",
      env: { ...process.env, [SECTION_CHILD]: "1" }
    })
    if (status !== 0) {
      failed++
      console.error(`bench: the ${name} section ended with ${signal ?? `status ${status}`}`)
    }
    samples.push(...(await probe(2)))
  }
  console.log(steadinessLine(steadiness(samples)))
  if (failed > 0) process.exitCode = 1
}
