import { defineConfig } from "tsup"
import { options } from "../../tsup.base.js"

export default defineConfig({
  ...options,
  external: ["vitest", "effect", "@syncalite/core", "@syncalite/http", "@aws-sdk/client-cognito-sync", "aws-sdk", "amazon-cognito-js", "fast-check"],
  // import.meta.url (createRequire) in the CommonJS build
  shims: true
})
