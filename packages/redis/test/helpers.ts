/**
 * What the Redis tests share: a prefix of their own per run (the suites never clear a store, and
 * this keeps a developer's Redis tidy), a raw client, and redis-servers of their own for the fault
 * tests, and one-record commits.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { createServer } from "node:net"
import { createClient } from "@keyv/redis"
import type { SyncStore } from "@syncalite/core"
import { Services } from "@syncalite/testing"

export const testPrefix = (name: string): string => `syncalite-test-${name}-${randomUUID().slice(0, 8)}`

export type RawClient = ReturnType<typeof createClient>

export const rawClient = async (url: string): Promise<RawClient> => {
  const client = createClient({ url })
  client.on("error", () => undefined)
  await client.connect()
  return client as RawClient
}

/** Every key under a prefix (a glob pattern may end it). */
export const keysUnder = (client: RawClient, prefix: string): Promise<Array<string>> =>
  Services.redisKeys(client, prefix)

/** Removes every key under a prefix (a glob pattern may end it). */
export const cleanUp = async (url: string, prefix: string): Promise<void> => {
  const client = await rawClient(url)
  try {
    await Services.removeRedisKeys(client, prefix)
  } finally {
    client.destroy()
  }
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/** A redis-server of the test's own, without persistence, on `port`. */
export const startRedis = async (port: number): Promise<ChildProcess> => {
  const child = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no", "--daemonize", "no"], {
    stdio: "ignore"
  })
  const deadline = Date.now() + 10_000
  while (!(await Services.reachable(`redis://127.0.0.1:${port}`, 200))) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return child
}

export const stopRedis = async (child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill(signal)
  await exited
}

/**
 * Whether `redis-server` can be started here, for the tests that start their own (`what` names
 * them); without it they are skipped loudly, and under CI they fail.
 */
export const canStartRedis = (what: string): boolean => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    const message = `redis-server is not installed: ${what} start one of their own`
    if (process.env.CI) throw new Error(`${message}; CI needs it`)
    console.warn(`\n!!! SKIPPING ${what}: ${message}\n`)
    return false
  }
}

export const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }

/** A commit of one record of a fresh session, on the sync count the caller expects it at. */
export const commitOf = (ref: SyncStore.DatasetRef, key: string, syncCount: number, value: string | null = "v") => ({
  ref,
  session: { id: randomUUID(), expiresAt: Date.now() + 60_000 },
  conditions: [{ key, syncCount }],
  writes: [{ key, value }],
  modifiedBy: "test",
  now: Date.now(),
  limits
})
