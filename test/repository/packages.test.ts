import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { codeBlocks, example, hasCommonJs, packages, root, sections } from "./workspace.js"

describe("the repository", () => {
  it("has the Apache-2.0 LICENSE every package declares, in full", () => {
    const license = readFileSync(join(root, "LICENSE"), "utf8")
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/)
    expect(license).toContain("END OF TERMS AND CONDITIONS")
    expect(license).toContain("APPENDIX: How to apply the Apache License to your work.")
  })

  it("has packages to check", () => {
    expect(packages.map((pkg) => pkg.manifest.name)).toContain("@syncalite/core")
  })
})

describe.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))("%s", (name, pkg) => {
  const { manifest } = pkg

  it("publishes its build, its README and the LICENSE, built by prepack", () => {
    expect(manifest.license).toBe("Apache-2.0")
    expect([...(manifest.files ?? [])].sort()).toEqual(["LICENSE", "README.md", "dist"])
    expect(manifest.scripts?.prepack).toBe("node ../../scripts/prepack.mjs")
    expect(manifest.scripts?.build).toBeTypeOf("string")
  })

  // every package hands its users Effect types (layers, services, tagged errors; the cli's storeLayer a layer)
  it("takes effect as a peer dependency, its users' copy", () => {
    expect(manifest.dependencies?.effect, "effect must not be a dependency").toBeUndefined()
    expect(manifest.peerDependencies?.effect).toMatch(/^\^3\./)
    expect(manifest.devDependencies?.effect).toBe(manifest.peerDependencies?.effect)
  })

  it("depends on the workspace packages at their own versions", () => {
    for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
      const local = packages.find((other) => other.manifest.name === dependency)
      if (local !== undefined) expect(range, dependency).toBe(local.manifest.version)
    }
  })

  it("installs no SQLite binding but better-sqlite3: sqlite3 (through @keyv/sqlite) is never a dependency", () => {
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("@keyv/sqlite")
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("sqlite3")
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (peer === "@keyv/sqlite") expect(manifest.peerDependenciesMeta?.[peer]?.optional, `${peer} ${range}`).toBe(true)
    }
  })

  it("has a README: what it is, how to install it, a runnable example, its options", () => {
    expect(pkg.readme, `${pkg.dir}/README.md`).toBeDefined()
    const parts = sections(pkg.readme!)
    expect(parts.intro.startsWith(`# ${name}\n\n`)).toBe(true)
    expect(parts.intro.slice(name.length + 4).trim().length, "what it is, under the title").toBeGreaterThan(80)
    expect(codeBlocks(parts.Install ?? "", "sh").join("\n")).toMatch(new RegExp(`npm install (--save-dev )?${name}( |$)`, "m"))
    expect(example(pkg), "a js block under ## Example").toBeDefined()
    expect(example(pkg)).toContain(`"${name}"`)
    expect(parts.Options?.trim().length, "## Options").toBeGreaterThan(80)
  })

  it("offers ESM and CommonJS, or says it is ESM only", () => {
    const main = manifest.exports?.["."] as { readonly import?: unknown } | undefined
    expect(main?.import, "exports[\".\"].import").toBeDefined()
    if (!hasCommonJs(manifest)) expect(pkg.readme).toContain("ESM only")
  })
})
