/**
 * No module of a package's sources imports itself back, directly or through others: the types a
 * package's parts share live in a module below them, and the public module sits on top. Type-only
 * imports count, as do imports between packages (resolved to their sources through tsconfig.json).
 */
import { readdirSync } from "node:fs"
import { join, relative } from "node:path"
import madge from "madge"
import { describe, expect, it } from "vitest"
import { packages, root } from "./workspace.js"

const sources = packages.map((pkg) => join(pkg.dir, "src"))

const tsFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => relative(root, join(dir, file)).split("\\").join("/"))

describe("the packages' sources", () => {
  it("import each other without a cycle", async () => {
    const graph = await madge(sources, {
      baseDir: root,
      fileExtensions: ["ts"],
      tsConfig: join(root, "tsconfig.json")
    })
    const modules = graph.obj()
    // every source file was read and its imports resolved, so an empty answer means no cycle
    expect(Object.keys(modules).sort()).toEqual(sources.flatMap(tsFiles).sort())
    expect(graph.warnings().skipped).toEqual([])
    expect(modules["packages/redis/src/internal/store.ts"]).toContain("packages/core/src/index.ts")
    expect(graph.circular()).toEqual([])
  })
})
