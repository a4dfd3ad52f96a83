/**
 * A `syncalite` process as a supervisor sees it: started, its banner awaited, its descendants
 * listed, and whether a port still answers.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { connect } from "node:net"
import { fileURLToPath } from "node:url"

export const repository = fileURLToPath(new URL("../../..", import.meta.url))
export const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

export interface Started {
  readonly child: ChildProcess
  /** stdout and stderr so far */
  readonly output: () => string
}

/** Spawns `command` at the repository root with `env` over this process's environment. */
export const start = (command: string, args: ReadonlyArray<string>, env: { readonly [name: string]: string }): Started => {
  // outside production, whatever the environment of the tests, unless `env` says otherwise
  const child = spawn(command, args, { cwd: repository, env: { ...process.env, NODE_ENV: "development", ...env } })
  let output = ""
  child.stdout!.on("data", (chunk: Buffer) => void (output += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => void (output += chunk.toString()))
  return { child, output: () => output }
}

/** Runs `node --import tsx packages/cli/src/bin.ts <args>`, the command from its sources. */
export const syncalite = (args: ReadonlyArray<string>, env: { readonly [name: string]: string } = {}): Started =>
  start(process.execPath, ["--import", "tsx", bin, ...args], env)

/** Waits for `pattern` in the output; fails with the output when the process exits or time runs out. */
export const waitFor = async (started: Started, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = pattern.exec(started.output())
    if (found !== null) return found
    if (Date.now() > deadline || started.child.exitCode !== null) throw new Error(`no ${pattern} in:\n${started.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Waits for the process to exit; answers its code and signal. */
export const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))

/** The process ids below `pid`, children first. */
export const descendants = (pid: number): Array<number> => {
  const table = execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" })
  const rows = table.trim().split("\n").map((line) => line.trim().split(/\s+/).map(Number) as [number, number])
  const below = (parent: number): Array<number> =>
    rows.filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)])
  return below(pid)
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Whether something accepts connections on the port of `endpoint`. */
export const answers = (endpoint: string): Promise<boolean> =>
  new Promise((resolve) => {
    const url = new URL(endpoint)
    const socket = connect(Number(url.port), url.hostname)
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })
