import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

/** The repository's root: children run there, so that tsx maps `@syncalite/*` to the sources. */
const root = fileURLToPath(new URL("../../../", import.meta.url))

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

/** Starts `node --import tsx test/fixtures/<script> ...args`. */
export const start = (script: string, args: ReadonlyArray<string>): Child => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url)), ...args],
    { cwd: root, stdio: ["pipe", "pipe", "pipe"] }
  )
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

/** Kills every child still running: for afterEach, so that a failed test leaves no process behind. */
export const killAll = async (): Promise<void> => {
  const left = [...running]
  for (const child of left) child.kill("SIGKILL")
  await Promise.all(left.map((child) => new Promise((resolve) => child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve))))
}
