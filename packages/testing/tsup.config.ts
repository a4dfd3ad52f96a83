import { defineConfig } from "tsup"
import { options } from "../../tsup.base.js"

export default defineConfig({
  ...options,
  // ESM only, as vitest is: the suites declare their tests when imported
  format: ["esm"],
  external: ["vitest", "effect", "@syncalite/core", "@syncalite/http", "@aws-sdk/client-cognito-sync", "aws-sdk", "amazon-cognito-js", "fast-check"]
})
