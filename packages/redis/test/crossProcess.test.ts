/**
 * Across processes: no lost update (several processes, each running many concurrent
 * read-modify-write loops against one dataset through its own connection, and every write that
 * was acknowledged is there, exactly once), and a pool's configuration changed through one
 * process applies to another's writes within a second.
 */
import { type ChildProcess, fork } from "node:child_process"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Scope } from "effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { createCognitoSync } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { Processes, Services } from "@syncalite/testing"
import { cleanUp, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")
const prefix = testPrefix("processes")
const root = fileURLToPath(new URL("../../..", import.meta.url))
const worker = fileURLToPath(new URL("./fixtures/counter.ts", import.meta.url))

const PROCESSES = 4
const LOOPS = 8
const DURATION_MS = 3000

interface LoopResult {
  readonly key: string
  readonly acknowledged: number
  readonly conflicts: number
}

describe.skipIf(!redis.available)("across processes", () => {
  const children: Array<ChildProcess> = []
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL")
    await cleanUp(redis.url, prefix)
  })

  it(`${PROCESSES} processes × ${LOOPS} read-modify-write loops on one dataset lose no update`, async () => {
    const dataset = { pool: `us-east-1:${randomUUID()}`, identity: `us-east-1:${randomUUID()}`, name: "counter" }
    let ready = 0
    const runs = Array.from({ length: PROCESSES }, (_, n) =>
      new Promise<ReadonlyArray<LoopResult>>((resolve, reject) => {
        const child = fork(worker, [], {
          cwd: root,
          execArgv: ["--import", "tsx"],
          env: {
            ...process.env,
            TSX_TSCONFIG_PATH: `${root}/tsconfig.json`,
            REDIS_URL: redis.url,
            PREFIX: prefix,
            SECRET: "a cross-process secret 0123456789",
            POOL: dataset.pool,
            IDENTITY: dataset.identity,
            DATASET: dataset.name,
            LOOPS: String(LOOPS),
            NAME: `process-${n}`
          },
          stdio: ["ignore", "inherit", "inherit", "ipc"]
        })
        children.push(child)
        const timer = setTimeout(() => {
          child.kill("SIGKILL")
          reject(new Error(`process ${n} did not finish in time`))
        }, 40_000)
        child.on("message", (message: { ready?: boolean; loops?: ReadonlyArray<LoopResult>; error?: string }) => {
          if (message.ready === true) {
            // all processes up and connected: they start together
            if (++ready === PROCESSES) {
              const until = Date.now() + DURATION_MS
              for (const other of children) other.send({ until })
            }
          } else if (message.error !== undefined) reject(new Error(`process ${n}: ${message.error}`))
          else resolve(message.loops!)
        })
        child.once("exit", (code) => {
          clearTimeout(timer)
          reject(new Error(`process ${n} exited with ${code} before reporting`))
        })
      })
    )
    const loops = (await Promise.all(runs)).flat()
    expect(loops).toHaveLength(PROCESSES * LOOPS)
    const acknowledged = loops.reduce((sum, loop) => sum + loop.acknowledged, 0)
    const conflicts = loops.reduce((sum, loop) => sum + loop.conflicts, 0)
    // the loops really raced: many writes, and many of them lost to another process
    expect(acknowledged).toBeGreaterThan(PROCESSES * LOOPS)
    expect(conflicts).toBeGreaterThan(0)

    const scope = await Effect.runPromise(Scope.make())
    try {
      const store = await Effect.runPromise(Scope.extend(RedisSyncStore.make({ redis: redis.url, prefix }), scope))
      const view = await Effect.runPromise(
        store.readDataset({ identityPoolId: dataset.pool, identityId: dataset.identity, datasetName: dataset.name }, { since: 0 })
      )
      const value = (key: string) => view.records.find((record) => record.key === key)?.value
      expect(Number(value("counter"))).toBe(acknowledged)
      expect(view.head?.syncCount).toBe(acknowledged)
      for (const loop of loops) expect(Number(value(loop.key) ?? 0), loop.key).toBe(loop.acknowledged)
      console.log(`cross-process: ${acknowledged} acknowledged UpdateRecords, ${conflicts} conflicts retried`)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }, 60_000)

  afterEach(Processes.killAll)

  it("a sync trigger set or removed through one process applies to another's writes within a second", async () => {
    const [pool, identity] = [`us-east-1:${randomUUID()}`, `us-east-1:${randomUUID()}`]
    const secret = "a cross-process secret 0123456789"
    const sync = createCognitoSync({ tokenSecret: secret, store: RedisSyncStore.layer({ redis: redis.url, prefix }) })
    const child = Processes.start(new URL("./fixtures/poolWriter.ts", import.meta.url), [redis.url, prefix, secret, pool, identity])
    await child.line((line) => line === "ready")
    expect(await Processes.acrossTriggerChanges(sync, child, pool)).toEqual(["before", "SET", "removed"])
    await sync.close()
  }, 60_000)
})
