import { defineConfig, type Options } from "tsup"

/** How every package of the workspace is built: ESM and CommonJS with their types, for Node 20. */
export const options: Options = {
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20"
}

export default defineConfig(options)
