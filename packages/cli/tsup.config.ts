import { defineConfig } from "tsup"
import { options } from "../../tsup.base.js"

/**
 * The library, as every package builds it, and the `syncalite` command beside it: an ES module
 * only, as `bin` names it (a CommonJS copy of it would be shipped and never run).
 */
export default defineConfig([
  { ...options, entry: ["src/index.ts"] },
  { ...options, entry: ["src/bin.ts"], format: ["esm"], dts: false, clean: false }
])
