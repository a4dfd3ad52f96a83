import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { exited, repository, start, waitFor } from "./process.js"

/** The first code block of the README's section on Cognito Identity. */
const readmeSnippet = () => {
  const readme = readFileSync(join(repository, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("### Cognito Identity: the SDKs' own credential providers"))
  return /```js\n([\s\S]*?)\n```/.exec(section)![1]!
}

/** The pool id of the README's snippet, where `npm start` prints the one it created. */
const readmePool = "us-east-1:0e1a2b3c-0000-4000-8000-000000000000"

describe("the README's fromCognitoIdentityPool snippet", () => {
  it("is what `npm start` prints, and syncs a dataset pasted into a folder outside the repository", async () => {
    const started = start("npm", ["start"], { PORT: "0", SYNCALITE_STORE: "memory" })
    try {
      const [, endpoint] = await waitFor(started, /Cognito Sync on (http:\/\/\S+)/)
      const [, pool] = await waitFor(started, /identity pool: (\S+) \(created for local use/)
      await waitFor(started, /npx syncalite credentials/)
      const output = started.output()
      const printed = output
        .slice(output.indexOf("    import "), output.indexOf("\n\n  Identity credentials"))
        .split("\n")
        .map((line) => line.slice(4))
        .join("\n")
      expect(printed.replaceAll(endpoint!, "http://127.0.0.1:8080").replaceAll(pool!, readmePool)).toBe(readmeSnippet())

      const folder = mkdtempSync(join(tmpdir(), "syncalite-try-"))
      // the SDK as `npm install @aws-sdk/client-cognito-sync` would place it, without the network
      symlinkSync(join(repository, "node_modules"), join(folder, "node_modules"), "dir")
      writeFileSync(join(folder, "try.mjs"), readmeSnippet().replaceAll("http://127.0.0.1:8080", endpoint!).replaceAll(readmePool, pool!))
      const { stdout } = await promisify(execFile)(process.execPath, ["try.mjs"], { cwd: folder, env: process.env })
      expect(stdout).toMatch(/Key: 'theme',\s+Value: 'dark',\s+SyncCount: 1/)
    } finally {
      started.child.kill("SIGTERM")
      await exited(started.child)
    }
  }, 40_000)
})
