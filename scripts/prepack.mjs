// The `prepack` of every package: `npm pack` and `npm publish` get a built package with the
// LICENSE, never a tarball of package.json alone. It builds the package (after the workspace
// packages it depends on, when they were never built: its types refer to theirs), then copies the
// repository's LICENSE beside it.
import { execFileSync } from "node:child_process"
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const packageDir = process.cwd()
const read = (dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))

/** The directory of every package under packages/, by name. */
const workspace = new Map(
  readdirSync(join(root, "packages"))
    .map((name) => join(root, "packages", name))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => [read(dir).name, dir])
)

const build = (dir) => {
  console.error(`prepack: building ${read(dir).name}`)
  // the build talks on stderr, so that `npm pack --json` prints its JSON alone
  execFileSync("npm", ["run", "build"], { cwd: dir, stdio: ["ignore", 2, 2] })
}

const built = new Set()
const buildDependencies = (dir) => {
  for (const name of Object.keys(read(dir).dependencies ?? {})) {
    const dependency = workspace.get(name)
    if (dependency === undefined || built.has(name)) continue
    built.add(name)
    buildDependencies(dependency)
    if (!existsSync(join(dependency, "dist"))) build(dependency)
  }
}

buildDependencies(packageDir)
build(packageDir)
copyFileSync(join(root, "LICENSE"), join(packageDir, "LICENSE"))
