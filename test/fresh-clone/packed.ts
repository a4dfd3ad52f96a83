/**
 * The packages as npm publishes them: `npm pack` of each (its `prepack` builds it), and a new
 * project outside the repository that installs the tarballs.
 */
import { execFileSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { type Package, root } from "../repository/workspace.js"

/** One tarball: its file and the paths it holds. */
export interface Packed {
  readonly filename: string
  readonly files: ReadonlyArray<string>
}

/** Packs every package into `destination` with `npm pack` run in `repository`, by package name. */
export const pack = (repository: string, packages: ReadonlyArray<Package>, destination: string): Map<string, Packed> => {
  const workspaces = packages.flatMap((pkg) => ["--workspace", relative(root, pkg.dir)])
  const output = execFileSync("npm", ["pack", "--json", "--pack-destination", destination, ...workspaces], {
    cwd: repository,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024
  })
  const tarballs = JSON.parse(output) as ReadonlyArray<{ name: string; filename: string; files: ReadonlyArray<{ path: string }> }>
  return new Map(tarballs.map((tarball) => [
    tarball.name,
    { filename: join(destination, tarball.filename), files: tarball.files.map((file) => file.path) }
  ]))
}

/** The version of a dependency installed in the repository, so that the project gets the one tested. */
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version

/**
 * A new ES module project in a temporary folder outside the repository, with the tarballs and
 * `extras` (installed at the repository's versions) installed by `npm install`.
 *
 * Install scripts are not run: the one that matters, better-sqlite3's, would download a prebuilt
 * binary or compile one for minutes; the project gets the binary the repository's install built
 * for this Node, of the same better-sqlite3 version.
 */
export const installProject = (tarballs: ReadonlyArray<string>, extras: ReadonlyArray<string>): string => {
  const project = join(mkdtempSync(join(tmpdir(), "syncalite-packed-")), "app")
  mkdirSync(project)
  const dependencies = Object.fromEntries([
    ...extras.map((name) => [name, installedVersion(name)]),
    ...tarballs.map((tarball) => [JSON.parse(execFileSync("tar", ["-xOzf", tarball, "package/package.json"], { encoding: "utf8" })).name, `file:${tarball}`])
  ])
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module", dependencies }, null, 2))
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: project, stdio: ["ignore", "pipe", "pipe"] })
  const binding = join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node")
  if (existsSync(join(project, "node_modules", "better-sqlite3")) && !existsSync(join(project, binding))) {
    mkdirSync(join(project, binding, ".."), { recursive: true })
    copyFileSync(join(root, binding), join(project, binding))
  }
  return project
}
