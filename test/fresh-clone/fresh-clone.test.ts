/**
 * The committed HEAD as a newcomer and a user get it: cloned into a temporary folder with no
 * ../shared beside it, installed with `npm ci`, every package packed (its prepack builds it: the
 * build), a subset of the tests run there; then the tarballs installed into a new project outside
 * the repository, imported with ESM and CommonJS, and each package README's example run there.
 * Packing in the clone leaves the builds of this checkout alone, which other tests load.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { once } from "node:events"
import { createServer } from "node:net"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { stripVTControlCharacters } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Services } from "@syncalite/testing"
import { childEnv, example, hasCommonJs, packages, root, snippets } from "../repository/workspace.js"
import { installProject, type Packed, pack } from "./packed.js"

// What the README examples import beside the packages, installed at the repository's versions.
const extras = ["@aws-sdk/client-cognito-sync", "amazon-cognito-js", "aws-sdk", "better-sqlite3", "effect", "express", "keyv", "koa", "pino", "tsx", "vitest"]

const parent = mkdtempSync(join(tmpdir(), "syncalite-clone-"))
const clone = join(parent, "syncalite")
const tarballs = join(parent, "tarballs")
let packed: Map<string, Packed>
let project: string

const sh = (command: string, args: ReadonlyArray<string>) =>
  execFileSync(command, args, { cwd: clone, env: childEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 })

/**
 * What a reader exports before running the examples and the root README's snippets: the secrets
 * `npm start` would print. The AWS SDK v3 warns on standard error that its releases after January
 * 2027 need Node 22; the variable it documents for that silences it, so that standard error holds
 * only what the code printed.
 */
const readerEnv = (): NodeJS.ProcessEnv => ({
  ...childEnv(),
  SYNCALITE_SECRET: "fresh clone token secret",
  SYNCALITE_DEV_KEY: "AKIDFRESHCLONE",
  SYNCALITE_DEV_SECRET: "fresh clone developer secret",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"
})

const node = (cwd: string, args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, args, { cwd, env: readerEnv(), encoding: "utf8", timeout: 120_000 })

// Install scripts are skipped: they only build the SQLite bindings, which the tests run in the
// clone do not load, and compiling them takes minutes where no prebuilt binary can be downloaded.
beforeAll(() => {
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim()
  execFileSync("git", ["clone", "--quiet", "--no-checkout", root, clone])
  sh("git", ["checkout", "--quiet", head])
  sh("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"])
  mkdirSync(tarballs)
  packed = pack(clone, packages, tarballs)
  project = installProject([...packed.values()].map((tarball) => tarball.filename), extras)
})

afterAll(() => {
  rmSync(parent, { recursive: true, force: true })
  if (project !== undefined) rmSync(join(project, ".."), { recursive: true, force: true })
})

describe("a clone of HEAD with no ../shared beside it", () => {
  it("builds every package when packing it, and passes the tests of the protocol and the packages", () => {
    expect(existsSync(join(parent, "shared"))).toBe(false)
    for (const pkg of packages) expect(existsSync(join(clone, pkg.dir.slice(root.length), "dist", "index.js")), pkg.manifest.name).toBe(true)

    const report = join(parent, "report.json")
    sh("npx", ["vitest", "run", "--project", "http", "--project", "repository", "--reporter=json", `--outputFile=${report}`, "packages/http/test/", "test/repository/packages.test.ts"])
    const { numFailedTests, numPassedTests, testResults } = JSON.parse(readFileSync(report, "utf8")) as {
      numFailedTests: number
      numPassedTests: number
      testResults: ReadonlyArray<{ name: string }>
    }
    expect(numFailedTests).toBe(0)
    expect(numPassedTests).toBeGreaterThan(50)
    expect(testResults.map((file) => file.name.slice(clone.length))).toContain("/packages/http/test/routes.test.ts")
  })

  it("says, without the API model, that the check of the generated code cannot run, and fails", () => {
    expect(() => sh("npm", ["run", "--silent", "generate", "--", "--check"])).toThrow(/no API model/)
  })
})

describe("npm pack", () => {
  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))("%s: dist/, README.md, LICENSE and package.json, nothing else", (name, pkg) => {
    const files = packed.get(name)!.files
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]))
    if (hasCommonJs(pkg.manifest)) expect(files).toEqual(expect.arrayContaining(["dist/index.cjs", "dist/index.d.cts"]))
    expect(files.filter((file) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(file))).toEqual([])
    const installed = join(project, "node_modules", name)
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toBe(readFileSync(join(root, "LICENSE"), "utf8"))
    expect(readFileSync(join(installed, "README.md"), "utf8")).toBe(pkg.readme)
  })
})

describe("the tarballs installed in a new project outside the repository", () => {
  it("bring one SQLite binding, better-sqlite3's: no sqlite3", () => {
    const modules = execFileSync("npm", ["ls", "--all", "--parseable"], { cwd: project, encoding: "utf8" })
    expect(modules).toMatch(/node_modules\/better-sqlite3$/m)
    expect(modules).not.toMatch(/node_modules\/sqlite3$/m)
    expect(modules).not.toMatch(/node_modules\/@keyv\/sqlite$/m)
  })

  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))("%s: import gives what the sources export; require too, or it is ESM only", async (name, pkg) => {
    const source = Object.keys(await import(name)).sort()
    const esm = node(project, ["--input-type=module", "-e", `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(name)})).sort()))`])
    expect(esm.stderr).toBe("")
    expect(JSON.parse(esm.stdout)).toEqual(source)
    const cjs = node(project, ["-e", `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(name)})).sort()))`])
    if (hasCommonJs(pkg.manifest)) {
      expect(cjs.stderr).toBe("")
      expect(JSON.parse(cjs.stdout)).toEqual(source)
    } else {
      expect(cjs.status).not.toBe(0)
      expect(cjs.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED")
    }
  })
})

describe("each package README's example, pasted into the project", () => {
  it.for(packages.map((pkg) => [pkg.manifest.name, pkg] as const))("%s", async ([name, pkg], context) => {
    const code = example(pkg)!
    if (code.includes("REDIS_URL") && !(await Services.check("redis")).available) return context.skip()
    const underVitest = code.includes("@syncalite/testing")
    const file = join(project, `${name.replace(/\W+/g, "-")}.example.${underVitest ? "test." : ""}mjs`)
    writeFileSync(file, code)
    const result = underVitest
      ? node(project, [join(project, "node_modules", "vitest", "vitest.mjs"), "run", "--root", project, file])
      : node(project, [file])
    expect(result.status, result.stderr).toBe(0)
    if (underVitest) expect(stripVTControlCharacters(result.stdout)).toMatch(/Tests\s+\d+ passed/)
    else expect(result.stdout.trim()).not.toBe("")
  })
})

describe("the root README's snippets, pasted into the project", () => {
  const all = snippets(readFileSync(join(root, "README.md"), "utf8"))
  const snippet = (heading: string) => all.find((found) => found.heading === heading)!
  const write = (heading: string) => {
    const { code, language } = snippet(heading)
    const file = join(project, `readme-${heading.replace(/\W+/g, "-")}.${language === "ts" ? "mts" : "mjs"}`)
    writeFileSync(file, code)
    return language === "ts" ? ["--import", "tsx", file] : [file]
  }
  const alone = ["Embedding with Promises", "Log lines", "Embedding with Effect", "Credentials"]
  const servers = ["Express", "Koa", "Without a framework"]
  const clients = ["The AWS SDK for JavaScript v3", "The sync manager (`amazon-cognito-js`)"]
  // Storage and Cognito Streams need Redis (and PostgreSQL) at fixed addresses and keep their
  // connections open; Redis Cluster names the nodes of the reader's own cluster (10.0.0.1:7000,
  // …); the adapter snippet completes a test file around a store of the reader's own; the
  // credential providers (v3, then v2) need the pool `npm start` creates (the cli's v3Snippet
  // test runs the first against it)
  const providers = "Cognito Identity: the SDKs' own credential providers"
  const notRun = ["Storage", "Cognito Streams on Redis Streams", "Redis Cluster", "Writing a storage adapter", providers, providers]

  it("are all run here, but those that need what a reader brings", () => {
    expect(all.map((found) => found.heading).sort()).toEqual([...alone, ...servers, ...clients, ...notRun].sort())
  })

  it.each(alone)("%s", (heading) => {
    const result = node(project, write(heading))
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout.trim()).not.toBe("")
  })

  /** Whether 127.0.0.1:8080, where the snippets serve, is free. */
  const portFree = () =>
    new Promise<boolean>((resolve) => {
      const probe = createServer().once("error", () => resolve(false))
      probe.listen(8080, "127.0.0.1", () => probe.close(() => resolve(true)))
    })

  it.for(servers)("%s serves on 8080, and the clients sync through it", async (heading, context) => {
    if (!(await portFree())) {
      if (process.env.CI) throw new Error("127.0.0.1:8080 is taken: the README's servers listen there")
      console.warn(`\n!!! SKIPPING the README's ${heading} server: 127.0.0.1:8080 is taken\n`)
      return context.skip()
    }
    const server = spawn(process.execPath, write(heading), { cwd: project, env: readerEnv(), stdio: ["ignore", "pipe", "inherit"] })
    try {
      const [line] = (await Promise.race([once(server.stdout, "data"), once(server, "exit")])) as [Buffer]
      // where `npm start` serves, which the client snippets (the first printed by it) talk to
      expect(String(line).trim()).toBe("Cognito Sync on http://127.0.0.1:8080")
      const v3 = node(project, write(clients[0]!))
      expect(v3.status, v3.stderr).toBe(0)
      expect(v3.stdout).toMatch(/Key: 'theme',\s+Value: 'dark',\s+SyncCount: 1/)
      const manager = node(project, write(clients[1]!))
      expect(manager.status, manager.stderr).toBe(0)
      expect(manager.stdout).toContain("synchronized")
      const unsigned = await fetch("http://127.0.0.1:8080/identitypools/us-east-1:0e1a2b3c/identities/us-east-1:0000aaaa/datasets")
      expect(unsigned.status).toBe(403)
      expect(unsigned.headers.get("x-amzn-errortype")).toMatch(/^NotAuthorizedException/)
    } finally {
      server.kill()
      if (server.exitCode === null) await once(server, "exit")
    }
  })
})
