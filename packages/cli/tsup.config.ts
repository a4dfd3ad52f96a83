import { defineConfig } from "tsup"
import { options } from "../../tsup.base.js"

/** The library, as every package builds it, and the `syncalite` command beside it. */
export default defineConfig({ ...options, entry: ["src/index.ts", "src/bin.ts"] })
