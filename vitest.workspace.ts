import { fileURLToPath } from "node:url"
import type { TestProjectInlineConfiguration } from "vitest/config"

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** Tests run against the sources of the workspace packages, not their builds. */
const alias = {
  "@syncalite/core": source("./packages/core/src/index.ts"),
  "@syncalite/testing": source("./packages/testing/src/index.ts")
}

const project = (name: string, root: string): TestProjectInlineConfiguration => ({
  resolve: { alias },
  test: { name, root: source(root), include: ["test/**/*.test.ts"] }
})

export default [
  project("core", "./packages/core"),
  project("testing", "./packages/testing"),
  project("examples", "./examples/embedded")
]
