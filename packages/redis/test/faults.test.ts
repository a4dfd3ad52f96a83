/**
 * Redis going away in the middle of a run, on a redis-server of the test's own: operations fail
 * promptly with InternalErrorException (no hang), no dataset is left half-written, and they work
 * again once Redis is back.
 */
import type { ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createCognitoSync, type SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { canStartRedis, freePort, startRedis, stopRedis } from "./helpers.js"

const serverInstalled = canStartRedis("the Redis fault tests")

const COMMAND_TIMEOUT = 400
/**
 * What "promptly" means: the command timeout, the watchdog's tick, and scheduling on a busy
 * machine — seconds, where a hung call would wait for TCP (minutes) or forever.
 */
const PROMPTLY = 2500
const secret = "a fault test secret 0123456789"

interface Outcome {
  readonly ok: boolean
  readonly error?: string
  readonly ms: number
  readonly at: number
}

/**
 * Writers doing what the mobile clients do, each in a loop: ListRecords, then UpdateRecords of the
 * shared counter and of a key of its own; every call's outcome and duration recorded.
 */
const startWriters = (sync: ReturnType<typeof createCognitoSync>, dataset: { IdentityPoolId: string; IdentityId: string; DatasetName: string }, writers: number) => {
  const outcomes: Array<Outcome> = []
  const acknowledged = new Array<number>(writers).fill(0)
  let running = true
  const timed = async <A>(call: () => Promise<A>): Promise<A | undefined> => {
    const start = performance.now()
    try {
      const result = await call()
      outcomes.push({ ok: true, ms: performance.now() - start, at: Date.now() })
      return result
    } catch (error) {
      outcomes.push({ ok: false, error: (error as Error).name, ms: performance.now() - start, at: Date.now() })
      return undefined
    }
  }
  const loop = async (writer: number) => {
    const own = `writer-${writer}`
    while (running) {
      const list = await timed(() => sync.listRecords({ ...dataset, LastSyncCount: 0 }))
      if (list === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        continue
      }
      const counter = list.Records.find((record) => record.Key === "counter")
      const mine = list.Records.find((record) => record.Key === own)
      const written = await timed(() =>
        sync.updateRecords({
          ...dataset,
          SyncSessionToken: list.SyncSessionToken,
          RecordPatches: [
            { Op: "replace", Key: "counter", Value: String(Number(counter?.Value ?? 0) + 1), SyncCount: counter?.SyncCount ?? 0 },
            { Op: "replace", Key: own, Value: String(Number(mine?.Value ?? 0) + 1), SyncCount: mine?.SyncCount ?? 0 }
          ]
        })
      )
      if (written !== undefined) acknowledged[writer]!++
    }
  }
  const done = Promise.all(Array.from({ length: writers }, (_, writer) => loop(writer)))
  return {
    outcomes,
    acknowledged,
    since: (at: number) => outcomes.filter((outcome) => outcome.at >= at),
    stop: async () => {
      running = false
      await done
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `check` holds, or fails after `ms`. */
const eventually = async (check: () => boolean, ms: number, what: string) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** A dataset's head figures recomputed from its records: what a half-written commit would break. */
const checkWhole = (view: SyncStore.DatasetView) => {
  const head = view.head!
  const live = view.records.filter((record) => record.value !== null)
  const bytes = (text: string) => Buffer.byteLength(text)
  expect(head.numRecords).toBe(live.length)
  expect(head.entries).toBe(view.records.length)
  expect(head.dataStorage).toBe(live.reduce((sum, record) => sum + bytes(record.key) + bytes(record.value!), 0))
  expect(head.entryBytes).toBe(
    view.records.reduce((sum, record) => sum + bytes(record.key) + (record.value === null ? 0 : bytes(record.value)), 0)
  )
  expect(head.syncCount).toBe(Math.max(...view.records.map((record) => record.syncCount)))
  // every commit moved the counter by one, at a sync count of its own: no commit half-applied
  expect(Number(view.records.find((record) => record.key === "counter")?.value)).toBe(head.syncCount)
}

describe.skipIf(!serverInstalled)("Redis stopped in the middle of a run", () => {
  let port: number
  let server: ChildProcess
  beforeAll(async () => {
    port = await freePort()
    server = await startRedis(port)
  })
  afterAll(async () => {
    if (server !== undefined) await stopRedis(server)
  })

  const open = () => {
    const url = `redis://127.0.0.1:${port}`
    const sync = createCognitoSync({
      tokenSecret: secret,
      store: RedisSyncStore.layer({ redis: url, commandTimeout: COMMAND_TIMEOUT, connectTimeout: 2000 })
    })
    const dataset = { IdentityPoolId: `us-east-1:${randomUUID()}`, IdentityId: `us-east-1:${randomUUID()}`, DatasetName: "faults" }
    return { dataset, sync, url }
  }

  const readDirectly = async (url: string, dataset: { IdentityPoolId: string; IdentityId: string; DatasetName: string }) => {
    const scope = await Effect.runPromise(Scope.make())
    try {
      const store = await Effect.runPromise(Scope.extend(RedisSyncStore.make({ redis: url }), scope))
      return await Effect.runPromise(store.readDataset({
        identityPoolId: dataset.IdentityPoolId,
        identityId: dataset.IdentityId,
        datasetName: dataset.DatasetName
      }, { since: 0 }))
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }

  it("killed: calls fail promptly with InternalErrorException, and work again once it is restarted", async () => {
    const { dataset, sync } = open()
    const writers = startWriters(sync, dataset, 4)
    try {
      await eventually(() => writers.outcomes.filter((outcome) => outcome.ok).length >= 20, 10_000, "writes before the kill")
      const killedAt = Date.now()
      await stopRedis(server, "SIGKILL")
      await sleep(1200)
      const down = writers.since(killedAt + 100)
      expect(down.length).toBeGreaterThan(0)
      for (const outcome of down) {
        expect(outcome.ok, "a call succeeded with Redis down").toBe(false)
        expect(outcome.error).toBe("InternalErrorException")
      }
      expect(Math.max(...writers.since(killedAt).map((outcome) => outcome.ms))).toBeLessThan(PROMPTLY)

      server = await startRedis(port)
      const restartedAt = Date.now()
      await eventually(() => writers.since(restartedAt).filter((outcome) => outcome.ok).length >= 20, 10_000, "writes after the restart")
      // the restarted server kept nothing (no persistence): the dataset started over, whole
      await writers.stop()
      const view = await readDirectly(`redis://127.0.0.1:${port}`, dataset)
      checkWhole(view)
      expect(Math.max(...writers.outcomes.map((outcome) => outcome.ms))).toBeLessThan(PROMPTLY)
    } finally {
      await writers.stop()
      await sync.close()
    }
  }, 30_000)

  it("paused (SIGSTOP): calls time out promptly, nothing is half-written, and they work again once it resumes", async () => {
    const { dataset, sync, url } = open()
    const writers = startWriters(sync, dataset, 4)
    try {
      await eventually(() => writers.outcomes.filter((outcome) => outcome.ok).length >= 20, 10_000, "writes before the pause")
      const pausedAt = Date.now()
      server.kill("SIGSTOP")
      await sleep(1500)
      const stalled = writers.since(pausedAt + COMMAND_TIMEOUT + 200)
      expect(stalled.length).toBeGreaterThan(0)
      for (const outcome of stalled) {
        expect(outcome.ok, "a call succeeded with Redis paused").toBe(false)
        expect(outcome.error).toBe("InternalErrorException")
        expect(outcome.ms).toBeLessThan(PROMPTLY)
      }
      server.kill("SIGCONT")
      const resumedAt = Date.now()
      await eventually(() => writers.since(resumedAt).filter((outcome) => outcome.ok).length >= 20, 10_000, "writes after the pause")
      await writers.stop()
      const view = await readDirectly(url, dataset)
      checkWhole(view)
      // acknowledged writes are all there (a write that timed out may have landed too: its outcome was unknown)
      for (const [writer, count] of writers.acknowledged.entries()) {
        expect(Number(view.records.find((record) => record.key === `writer-${writer}`)?.value ?? 0)).toBeGreaterThanOrEqual(count)
      }
      expect(view.head!.syncCount).toBeGreaterThanOrEqual(writers.acknowledged.reduce((sum, count) => sum + count, 0))
    } finally {
      server.kill("SIGCONT")
      await writers.stop()
      await sync.close()
    }
  }, 30_000)
})
