/**
 * `npm run bench`: every figure beside the baselines it is compared with, measured in the same run.
 */
import { benchCore } from "./core.js"
import { benchHttp } from "./http.js"
import { benchStorage } from "./storage-sqlite.js"
import { benchStorageRedis } from "./storage-redis.js"

console.log(`syncalite benchmarks — node ${process.version}, ${new Date().toISOString()}`)
await benchCore()
await benchStorage()
await benchStorageRedis()
await benchHttp()
