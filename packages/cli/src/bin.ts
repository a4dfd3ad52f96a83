#!/usr/bin/env node
/**
 * `syncalite`, the command. A started server stops on SIGTERM and SIGINT (see signals.ts).
 */
import { run } from "./program.js"
import { stopOnSignals } from "./signals.js"

run(process.argv.slice(2), {
  env: process.env,
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  onStarted: stopOnSignals
}).then((code) => {
  if (code !== 0) process.exit(code)
})
