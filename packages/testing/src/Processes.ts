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
import { Caller, type CognitoSyncClient, type SyncTrigger } from "@syncalite/core"

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

/**
 * The two calls a read-modify-write loop makes.
 *
 * @since 0.1.0
 * @category models
 */
export type SyncCalls = Pick<CognitoSyncClient, "listRecords" | "updateRecords">

/**
 * One read-modify-write step, as a client does it: ListRecords, then an UpdateRecords that adds
 * one to the shared record `counter` and sets the loop's own record `key` to `value`, with the
 * sync counts just read. Answers whether it was written (false: a conflict, to try again).
 *
 * @since 0.1.0
 * @category lost-update tests
 */
export const increment = async (
  sync: SyncCalls,
  dataset: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string },
  key: string,
  value: string
): Promise<boolean> => {
  const listed = await sync.listRecords({ ...dataset, LastSyncCount: 0 })
  const counter = listed.Records.find((record) => record.Key === "counter")
  const own = listed.Records.find((record) => record.Key === key)
  try {
    await sync.updateRecords({
      ...dataset,
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: [
        { Op: "replace", Key: "counter", Value: String(Number(counter?.Value ?? "0") + 1), SyncCount: counter?.SyncCount ?? 0 },
        { Op: "replace", Key: key, Value: value, SyncCount: own?.SyncCount ?? 0 }
      ]
    })
    return true
  } catch (error) {
    if ((error as Error).name !== "ResourceConflictException") throw error
    return false
  }
}

/**
 * The body of a child process of a lost-update test: `loops` concurrent loops of `increment`,
 * each until it has `per` successful writes. It prints "ready", waits for a line on stdin (the
 * start), prints its tally as one JSON line and exits; it exits with 3 if its parent goes away.
 *
 * @since 0.1.0
 * @category lost-update tests
 */
export const counterChild = async (
  sync: SyncCalls & { readonly close: () => Promise<void> },
  dataset: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string },
  options: { readonly index: number; readonly loops: number; readonly per: number }
): Promise<never> => {
  const lines = createInterface({ input: process.stdin })
  lines.on("close", () => process.exit(3))
  process.stdout.write("ready\n")
  await new Promise<void>((resolve) => lines.once("line", () => resolve()))
  let conflicts = 0
  const loop = async (n: number) => {
    const key = `p${options.index}-l${n}`
    let done = 0
    while (done < options.per) {
      if (await increment(sync, dataset, key, String(done + 1))) done++
      else conflicts++
    }
    return done
  }
  const done = await Promise.all(Array.from({ length: options.loops }, (_, n) => loop(n)))
  const tally = { index: options.index, updates: done.reduce((a, b) => a + b, 0), perLoop: done, conflicts }
  process.stdout.write(`${JSON.stringify(tally)}\n`)
  await sync.close()
  return process.exit(0)
}

/**
 * The ARN of `upperCaseTrigger` in the pool-configuration tests.
 *
 * @since 0.1.0
 * @category pool-configuration tests
 */
export const upperCaseTriggerArn = "arn:aws:lambda:us-east-1:123456789012:function:upperCase"

/**
 * A sync trigger that upper-cases every value it is shown, so that a stored value tells whether
 * a write ran through it.
 *
 * @since 0.1.0
 * @category pool-configuration tests
 */
export const upperCaseTrigger: SyncTrigger.SyncTriggerFunction = (event) => ({
  ...event,
  datasetRecords: Object.fromEntries(
    Object.entries(event.datasetRecords).map(([key, record]) => [key, {
      ...record,
      newValue: record.newValue === null ? null : record.newValue.toUpperCase()
    }])
  )
})

/**
 * The body of a child process of a pool-configuration test: for every line `write <value>` on
 * stdin, ListRecords then UpdateRecords of the record "k" of `dataset`, as its identity, printing
 * `wrote <value> <the value stored>` (a trigger may have changed it). It prints "ready" first and
 * exits when stdin closes.
 *
 * @since 0.1.0
 * @category pool-configuration tests
 */
export const writerChild = async (
  sync: SyncCalls & { readonly close: () => Promise<void> },
  dataset: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string }
): Promise<void> => {
  const caller = Caller.identity(dataset.IdentityPoolId, dataset.IdentityId)
  const lines = createInterface({ input: process.stdin })
  process.stdout.write("ready\n")
  for await (const line of lines) {
    const value = line.slice("write ".length)
    const listed = await sync.listRecords(dataset, caller)
    const written = await sync.updateRecords({
      ...dataset,
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "k", Value: value, SyncCount: listed.Records[0]?.SyncCount ?? 0 }]
    }, caller)
    process.stdout.write(`wrote ${value} ${written.Records[0]?.Value}\n`)
  }
  await sync.close()
}

/**
 * Has a `writerChild` write `value`; answers the value it stored.
 *
 * @since 0.1.0
 * @category pool-configuration tests
 */
export const writeThrough = async (child: Child, value: string): Promise<string> => {
  child.process.stdin.write(`write ${value}\n`)
  const line = await child.line((line) => line.startsWith(`wrote ${value} `))
  return line.slice(`wrote ${value} `.length)
}

/**
 * What a `writerChild` stores around changes of its pool's sync trigger made through `sync`, a
 * service of another process: a write before, then the trigger set, a write one second after
 * its answer, then the trigger removed and a write one second after that. As every process sees
 * a change of a pool's configuration within a second, the answer is `["before", "SET", "removed"]`.
 *
 * @since 0.1.0
 * @category pool-configuration tests
 */
export const acrossTriggerChanges = async (
  sync: Pick<CognitoSyncClient, "setCognitoEvents">,
  child: Child,
  IdentityPoolId: string
): Promise<ReadonlyArray<string>> => {
  const second = () => new Promise((resolve) => setTimeout(resolve, 1000))
  const before = await writeThrough(child, "before")
  await sync.setCognitoEvents({ IdentityPoolId, Events: { SyncTrigger: upperCaseTriggerArn } })
  await second()
  const set = await writeThrough(child, "set")
  await sync.setCognitoEvents({ IdentityPoolId, Events: { SyncTrigger: "" } })
  await second()
  return [before, set, await writeThrough(child, "removed")]
}
