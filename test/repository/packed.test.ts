import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { stripVTControlCharacters } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Services } from "@syncalite/testing"
import { installProject, type Packed, pack } from "./packed.js"
import { childEnv, example, hasCommonJs, packages, root } from "./workspace.js"

// What the README examples import beside the packages, installed at the repository's versions.
const extras = ["@aws-sdk/client-cognito-sync", "better-sqlite3", "effect", "express", "keyv", "koa", "vitest"]

const run = (project: string, args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, args, { cwd: project, env: childEnv(), encoding: "utf8", timeout: 120_000 })

let tarballs: Map<string, Packed>
let project: string
const work = mkdtempSync(join(tmpdir(), "syncalite-tarballs-"))

beforeAll(() => {
  tarballs = pack(root, packages, work)
  project = installProject([...tarballs.values()].map((tarball) => tarball.filename), extras)
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
  if (project !== undefined) rmSync(join(project, ".."), { recursive: true, force: true })
})

describe("npm pack", () => {
  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))("%s: dist/, README.md, LICENSE and package.json, nothing else", (name, pkg) => {
    const files = tarballs.get(name)!.files
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
    const esm = run(project, ["--input-type=module", "-e", `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(name)})).sort()))`])
    expect(esm.stderr).toBe("")
    expect(JSON.parse(esm.stdout)).toEqual(source)
    const cjs = run(project, ["-e", `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(name)})).sort()))`])
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
      ? run(project, [join(project, "node_modules", "vitest", "vitest.mjs"), "run", "--root", project, file])
      : run(project, [file])
    expect(result.status, result.stderr).toBe(0)
    if (underVitest) expect(stripVTControlCharacters(result.stdout)).toMatch(/Tests\s+\d+ passed/)
    else expect(result.stdout.trim()).not.toBe("")
  })
})
