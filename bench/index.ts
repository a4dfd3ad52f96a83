/**
 * `npm run bench`: every figure beside the baselines it is compared with, measured in the same run.
 * `npm run bench -- http sqlite` runs only the named sections (core, sqlite, redis, keyv, http); an
 * `http` section may name its servers: `http:standalone,koa`.
 */
import { benchCore } from "./core.js"
import { benchHttp } from "./http.js"
import { benchStorageKeyv } from "./storage-keyv.js"
import { benchStorage } from "./storage-sqlite.js"
import { benchStorageRedis } from "./storage-redis.js"

const sections: ReadonlyArray<readonly [string, (only?: ReadonlyArray<string>) => Promise<void>]> = [
  ["core", benchCore],
  ["sqlite", benchStorage],
  ["redis", benchStorageRedis],
  ["keyv", benchStorageKeyv],
  ["http", benchHttp]
]
const asked = new Map(process.argv.slice(2).map((arg) => {
  const [name, only] = arg.split(":") as [string, string | undefined]
  return [name, only?.split(",")] as const
}))
for (const name of asked.keys()) {
  if (!sections.some(([known]) => known === name)) throw new Error(`no benchmark section ${name}; there are ${sections.map(([known]) => known).join(", ")}`)
}

console.log(`syncalite benchmarks — node ${process.version}, ${new Date().toISOString()}`)
for (const [name, run] of sections) {
  if (asked.size === 0 || asked.has(name)) await run(asked.get(name))
}
