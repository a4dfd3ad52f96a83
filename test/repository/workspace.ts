/**
 * The published packages of the repository, as a user meets them: their manifests, their READMEs
 * and the example each README runs. Everything here is read from `packages/*`, so a package added
 * there is checked without being named.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository's root. */
export const root = fileURLToPath(new URL("../..", import.meta.url))

/** What the checks read of a package.json. */
export interface Manifest {
  readonly name: string
  readonly version: string
  readonly license?: string
  readonly private?: boolean
  readonly bin?: string | { readonly [name: string]: string }
  readonly files?: ReadonlyArray<string>
  readonly scripts?: { readonly [name: string]: string }
  readonly exports?: { readonly [path: string]: unknown }
  readonly dependencies?: { readonly [name: string]: string }
  readonly peerDependencies?: { readonly [name: string]: string }
  readonly peerDependenciesMeta?: { readonly [name: string]: { readonly optional?: boolean } }
  readonly devDependencies?: { readonly [name: string]: string }
}

/** A package of `packages/*`. */
export interface Package {
  readonly dir: string
  readonly manifest: Manifest
  readonly readme: string | undefined
}

/** Every package under packages/, in name order. */
export const packages: ReadonlyArray<Package> = readdirSync(join(root, "packages"))
  .map((name) => join(root, "packages", name))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest,
    readme: existsSync(join(dir, "README.md")) ? readFileSync(join(dir, "README.md"), "utf8") : undefined
  }))
  .sort((a, b) => (a.manifest.name < b.manifest.name ? -1 : 1))

/** Whether `require()` of the package's main entry is offered (a CommonJS build). */
export const hasCommonJs = (manifest: Manifest): boolean => {
  const main = manifest.exports?.["."]
  return typeof main === "object" && main !== null && "require" in main
}

/** The `## ` sections of a README by heading, and the text before the first (the title and what it is). */
export const sections = (readme: string): { readonly intro: string; readonly [heading: string]: string } => {
  const [intro, ...rest] = readme.split(/^## /m)
  return Object.fromEntries([
    ["intro", intro!],
    ...rest.map((section) => {
      const newline = section.indexOf("\n")
      return [section.slice(0, newline).trim(), section.slice(newline + 1)]
    })
  ]) as { readonly intro: string; readonly [heading: string]: string }
}

/** The fenced code blocks of a text in a language. */
export const codeBlocks = (text: string, language: string): ReadonlyArray<string> =>
  [...text.matchAll(new RegExp("^```" + language + "\\n([\\s\\S]*?)^```", "gm"))].map((match) => match[1]!)

/** The runnable example of a package's README: the `js` block of its Example section. */
export const example = (pkg: Package): string | undefined => codeBlocks(sections(pkg.readme ?? "").Example ?? "", "js")[0]

/** The environment for a child process, without what the running vitest set for itself and its workers. */
export const childEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST|__VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$)/.test(name)))

/** A code block of a README, under the `##` or `###` heading closest above it. */
export interface Snippet {
  readonly heading: string
  readonly language: string
  readonly code: string
}

/** The `js` and `ts` blocks of a README. */
export const snippets = (readme: string): ReadonlyArray<Snippet> => {
  let heading = ""
  const found: Array<Snippet> = []
  for (const part of readme.split(/^(#{2,3} .*)$/m)) {
    if (/^#{2,3} /.test(part)) heading = part.replace(/^#+ /, "").trim()
    else for (const match of part.matchAll(/^```(js|ts)\n([\s\S]*?)^```/gm)) found.push({ heading, language: match[1]!, code: match[2]! })
  }
  return found
}
