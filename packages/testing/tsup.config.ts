import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts"],
  external: ["vitest", "effect", "@syncalite/core"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20"
})
