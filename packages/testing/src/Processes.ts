/**
 * Child processes for cross-process tests (lost updates, crashes, locks): a TypeScript script
 * run with tsx from the workspace root, so that `@syncalite/*` resolve to the sources; its
 * printed lines awaited; every child killed at the end of a test.
 *
 * @since 0.1.0
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

/** The nearest folder above `from` whose package.json declares workspaces (or the last one with a package.json). */
const workspaceRoot = (from: string): string => {
  let found = dirname(from)
  for (let folder = dirname(from); ; folder = dirname(folder)) {
    const manifest = join(folder, "package.json")
    if (existsSync(manifest)) {
      found = folder
      if ("workspaces" in JSON.parse(readFileSync(manifest, "utf8"))) return folder
    }
    if (dirname(folder) === folder) return found
  }
}

/**
 * A running child.
 *
 * @since 0.1.0
 * @category models
 */
export interface Child {
  readonly process: ChildProcessWithoutNullStreams
  /** every line the child printed so far */
  readonly lines: Array<string>
  /** resolves with the first line (from now on, or already printed) that satisfies `test` */
  readonly line: (test: (line: string) => boolean, timeoutMs?: number) => Promise<string>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly stderr: () => string
}

const running = new Set<ChildProcessWithoutNullStreams>()

/**
 * Starts `node --import tsx <script> ...args` in the workspace root.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (script: URL | string, args: ReadonlyArray<string>): Child => {
  const path = script instanceof URL ? fileURLToPath(script) : script
  const child = spawn(process.execPath, ["--import", "tsx", path, ...args], {
    cwd: workspaceRoot(path),
    stdio: ["pipe", "pipe", "pipe"]
  })
  running.add(child)
  const lines: Array<string> = []
  const waiting = new Set<() => void>()
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line)
    for (const wake of waiting) wake()
  })
  let errors = ""
  child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child)
      for (const wake of waiting) wake()
      resolve({ code, signal })
    })
  )
  const line = (test: (line: string) => boolean, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.find(test)
        if (found !== undefined) return done(() => resolve(found))
        if (child.exitCode !== null || child.signalCode !== null) {
          return done(() => reject(new Error(`the child exited (${child.exitCode ?? child.signalCode}): ${errors}`)))
        }
      }
      const timer = setTimeout(() => done(() => reject(new Error(`no such line within ${timeoutMs} ms: ${errors}`))), timeoutMs)
      const done = (settle: () => void) => {
        clearTimeout(timer)
        waiting.delete(check)
        settle()
      }
      waiting.add(check)
      check()
    })
  return { process: child, lines, line, exited, stderr: () => errors }
}

/**
 * Kills every child still running: for afterEach, so that a failed test leaves no process behind.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const killAll = async (): Promise<void> => {
  const left = [...running]
  for (const child of left) child.kill("SIGKILL")
  await Promise.all(left.map((child) => new Promise((resolve) => child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve))))
}
