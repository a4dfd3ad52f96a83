/**
 * A Redis Cluster of the test's own: three `redis-server --cluster-enabled yes` primaries on free
 * ports, their files in a temporary folder, joined by `redis-cli --cluster create`, stopped and
 * removed at the end. Without `redis-server` and `redis-cli` on the PATH the tests are skipped
 * with a loud message — except under CI (`CI` set), where that is a failure.
 *
 * @example
 * ```ts
 * import { RedisCluster } from "@syncalite/testing"
 * RedisCluster.describe("on a cluster", (cluster) => {
 *   it("…", async () => {
 *     // cluster().url is redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3
 *   })
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe as describeBlock } from "vitest"

/**
 * @since 0.1.0
 * @category models
 */
export interface Cluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` */
  readonly url: string
  readonly ports: ReadonlyArray<number>
  /** kills one node (SIGKILL), as a crash would */
  readonly kill: (port: number) => Promise<void>
  /** stops every node and removes their folder */
  readonly stop: () => Promise<void>
}

const run = promisify(execFile)

const onPath = (command: string): boolean => spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0

/**
 * Whether `redis-server` and `redis-cli` can be run; when not, a loud warning, or under CI an
 * error.
 *
 * @since 0.1.0
 * @category checks
 */
export const available = (): boolean => {
  const missing = ["redis-server", "redis-cli"].filter((command) => !onPath(command))
  if (missing.length === 0) return true
  const message = `${missing.join(" and ")} not found on the PATH (install Redis 7, e.g. apt-get install redis-server)`
  if (process.env.CI) throw new Error(`${message}: CI needs it for the Redis Cluster tests`)
  console.warn(`\n!!! SKIPPING the Redis Cluster tests: ${message}\n`)
  return false
}

const free = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

/**
 * The first port the system hands out to outgoing connections: a node's port and its bus port are
 * taken below it, where no connection made meanwhile can take them between the check and the start.
 */
const ephemeralFloor = (): number => {
  try {
    const floor = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0])
    return Number.isInteger(floor) && floor > 21000 ? floor : 32768
  } catch {
    return 32768
  }
}

/** A port free with its cluster bus port (the port + 10000), both below the ephemeral range. */
const clusterPort = async (taken: ReadonlyArray<number>): Promise<number> => {
  const span = ephemeralFloor() - 10000 - 11000
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 11000 + Math.floor(Math.random() * span)
    if (!taken.includes(port) && (await free(port)) && (await free(port + 10000))) return port
  }
  throw new Error("No free pair of ports for a Redis Cluster node")
}

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const stopNode = (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.kill("SIGKILL")
  return exited
}

/** Whether the node answers a command: past its listening socket, its bus port is bound too. */
const answers = (port: number): Promise<boolean> =>
  run("redis-cli", ["-p", String(port), "ping"], { timeout: 1000 }).then(
    ({ stdout }) => stdout.trim() === "PONG",
    () => false
  )

const attempt = async (): Promise<Cluster> => {
  const folder = mkdtempSync(join(tmpdir(), "syncalite-cluster-"))
  const nodes: Array<ChildProcess> = []
  const ports: Array<number> = []
  const stop = async () => {
    await Promise.all(nodes.map(stopNode))
    rmSync(folder, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < 3; i++) {
      const port = await clusterPort(ports)
      ports.push(port)
      nodes.push(spawn("redis-server", [
        "--port", String(port),
        "--bind", "127.0.0.1",
        "--cluster-enabled", "yes",
        "--cluster-config-file", `nodes-${port}.conf`,
        "--cluster-node-timeout", "5000",
        // the slots of the primaries up are served while one is down, as a deployment that wants
        // an identity's availability to depend on its own slot only runs it
        "--cluster-require-full-coverage", "no",
        "--dir", folder,
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no"
      ], { stdio: "ignore" }))
    }
    for (const [i, port] of ports.entries()) {
      await waitFor(`redis-server did not answer on port ${port}`, async () => {
        if (nodes[i]!.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${nodes[i]!.exitCode}`)
        return answers(port)
      }, 10_000)
    }
    await run("redis-cli", [
      "--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes"
    ])
    await waitFor("the cluster did not serve every slot", async () => {
      const infos = await Promise.all(ports.map((port) => run("redis-cli", ["-p", String(port), "cluster", "info"])))
      return infos.every(({ stdout }) => stdout.includes("cluster_state:ok"))
    }, 20_000)
    return {
      url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(",")}`,
      ports,
      kill: (port) => stopNode(nodes[ports.indexOf(port)]!),
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Starts a cluster of three primaries and waits until it serves every slot. A start that fails, as
 * when another test's cluster took a port between its check and the node's start, is tried again
 * on other ports, three times in all.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (): Promise<Cluster> => {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt()
    } catch (error) {
      if (tries === 3) throw error
    }
  }
}

/**
 * A describe block on a cluster of its own, started before its tests and stopped after them;
 * skipped (loudly) where `available()` says no. `cluster()` is the running cluster, from the
 * tests on.
 *
 * @since 0.1.0
 * @category testing
 */
export const describe = (name: string, body: (cluster: () => Cluster) => void): void => {
  describeBlock.skipIf(!available())(name, () => {
    let cluster: Cluster | undefined
    beforeAll(async () => {
      cluster = await start()
    }, 60_000)
    afterAll(() => cluster?.stop())
    body(() => {
      if (cluster === undefined) throw new Error("the Redis Cluster is not started yet: use it in a test or a hook")
      return cluster
    })
  })
}
