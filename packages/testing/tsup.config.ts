import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts"],
  external: ["vitest", "effect", "@syncalite/core", "@syncalite/http", "@aws-sdk/client-cognito-sync", "aws-sdk", "amazon-cognito-js", "fast-check"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  // import.meta.url (createRequire) in the CommonJS build
  shims: true
})
