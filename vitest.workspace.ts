import { fileURLToPath } from "node:url"
import type { TestProjectInlineConfiguration } from "vitest/config"

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** Tests run against the sources of the workspace packages, not their builds. */
const alias = {
  "@syncalite/core": source("./packages/core/src/index.ts"),
  "@syncalite/testing": source("./packages/testing/src/index.ts"),
  "@syncalite/keyv": source("./packages/keyv/src/index.ts"),
  "@syncalite/sqlite": source("./packages/sqlite/src/index.ts"),
  "@syncalite/redis": source("./packages/redis/src/index.ts"),
  "@syncalite/http": source("./packages/http/src/index.ts"),
  "@syncalite/express": source("./packages/express/src/index.ts"),
  "@syncalite/koa": source("./packages/koa/src/index.ts"),
  "@syncalite/cli": source("./packages/cli/src/index.ts"),
  "@syncalite/mqtt": source("./packages/mqtt/src/index.ts"),
  "@syncalite/webhooks": source("./packages/webhooks/src/index.ts"),
  "@syncalite/identity": source("./packages/identity/src/index.ts")
}

const project = (name: string, root: string): TestProjectInlineConfiguration => ({
  resolve: { alias },
  test: { name, root: source(root), include: ["test/**/*.test.ts"] }
})

/** Tests of the repository as a whole: its packages as published, and a fresh clone of it. */
const repository = (name: string, include: string, testTimeout: number): TestProjectInlineConfiguration => ({
  resolve: { alias },
  test: { name, root: source("."), include: [include], testTimeout, hookTimeout: testTimeout }
})

export default [
  project("core", "./packages/core"),
  project("testing", "./packages/testing"),
  project("keyv", "./packages/keyv"),
  project("sqlite", "./packages/sqlite"),
  project("redis", "./packages/redis"),
  project("examples", "./examples/embedded"),
  project("http", "./packages/http"),
  project("express", "./packages/express"),
  project("koa", "./packages/koa"),
  project("cli", "./packages/cli"),
  project("mqtt", "./packages/mqtt"),
  project("webhooks", "./packages/webhooks"),
  project("identity", "./packages/identity"),
  project("example-express-sqlite", "./examples/express-sqlite"),
  project("example-koa-redis", "./examples/koa-redis"),
  project("example-browser", "./examples/browser"),
  project("example-stream-consumer", "./examples/stream-consumer"),
  repository("repository", "test/repository/*.test.ts", 600_000),
  repository("fresh-clone", "test/fresh-clone/*.test.ts", 1_800_000)
]
