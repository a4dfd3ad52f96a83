import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { RedisCluster } from "../src/index.js"

const run = promisify(execFile)

const ephemeralFloor = (): number => {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0])
  } catch {
    return 32768
  }
}

describe.skipIf(!RedisCluster.available())("RedisCluster", () => {
  it("clusters started at once each serve every slot, their nodes and bus ports below the ephemeral range, and stop frees them", async () => {
    const clusters = await Promise.all([RedisCluster.start(), RedisCluster.start(), RedisCluster.start()])
    try {
      const ports = clusters.flatMap((cluster) => cluster.ports)
      expect(new Set(ports).size).toBe(9)
      for (const port of ports) expect(port + 10000).toBeLessThan(ephemeralFloor())
      for (const cluster of clusters) {
        const { stdout } = await run("redis-cli", ["-p", String(cluster.ports[0]), "cluster", "info"])
        expect(stdout).toContain("cluster_state:ok")
        expect(stdout).toContain("cluster_known_nodes:3")
      }
    } finally {
      await Promise.all(clusters.map((cluster) => cluster.stop()))
    }
    const answers = await Promise.all(
      clusters.map((cluster) => run("redis-cli", ["-p", String(cluster.ports[0]), "ping"]).then(() => true, () => false))
    )
    expect(answers).toEqual([false, false, false])
  }, 60_000)
})
