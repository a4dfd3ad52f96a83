/**
 * `npm run bench`: every figure beside the baselines it is compared with, measured in the same run.
 */
import { benchCore } from "./core.js"

console.log(`syncalite benchmarks — node ${process.version}, ${new Date().toISOString()}`)
await benchCore()
