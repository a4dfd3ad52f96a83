/**
 * `syncalite migrate`: a SQLite store of 10,000 datasets copied into Redis — the first run killed
 * with SIGKILL midway, the second going on from its checkpoint — and back into a new SQLite
 * file; the three stores compared dataset by dataset.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { SqliteSyncStore } from "@syncalite/sqlite"
import { Services } from "@syncalite/testing"
import { run } from "../src/program.js"
import { datasetOf, fill, rest } from "./content.js"
import { exited, syncalite, waitFor } from "./process.js"
import { removeKeys, testPrefix } from "./redisKeys.js"

const redis = await Services.check("redis")

/** Runs `syncalite <argv>` in process, with what it printed. */
const inProcess = async (argv: ReadonlyArray<string>) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await run(argv, { env: {}, out: (text) => out.push(text), err: (text) => err.push(text) })
  return { code, out: out.join("\n"), err: err.join("\n") }
}

describe.skipIf(!redis.available)("syncalite migrate", () => {
  const prefix = testPrefix()
  afterAll(() => removeKeys(redis.url, prefix))

  it("copies 10,000 datasets from SQLite into Redis, going on after a kill -9, and back, every dataset the same", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-migrate-"))
    const [source, back] = [join(folder, "source.db"), join(folder, "back.db")]
    const checkpoint = join(folder, "to-redis.checkpoint")
    const content = await Effect.runPromise(Effect.scoped(Effect.flatMap(SqliteSyncStore.make(source), (store) => fill(store, 1000, 10))))
    expect(content.datasets).toHaveLength(10_000)

    const toRedis = ["migrate", "--from", `sqlite:${source}`, "--to", redis.url, "--to-redis-prefix", prefix, "--checkpoint", checkpoint, "--page", "5"]
    const first = syncalite([...toRedis, "--progress", "lines"])
    await waitFor(first, /syncalite migrate: \d+ pools, [1-9]\d* identities/, 60_000)
    first.child.kill("SIGKILL")
    expect(await exited(first.child)).toMatchObject({ signal: "SIGKILL" })
    const stopped = JSON.parse(readFileSync(checkpoint, "utf8")) as { position: string | null; copied: { identities: number } }
    expect(stopped.position, "killed before the last page").not.toBeNull()
    expect(stopped.copied.identities).toBeLessThan(1000)

    const second = await inProcess([...toRedis, "--progress", "none"])
    expect(second.err).toContain(`going on from ${checkpoint}`)
    const everything = "2 pools, 1000 identities, 10000 datasets, 27000 records, 9000 tombstones, 334 devices, 334 subscriptions"
    expect(second).toMatchObject({ code: 0, out: `syncalite migrate: copied and verified ${everything}` })
    expect(existsSync(checkpoint)).toBe(false)

    const third = await inProcess([
      "migrate", "--from", redis.url, "--from-redis-prefix", prefix, "--to", `sqlite:${back}`,
      "--checkpoint", join(folder, "back.checkpoint"), "--progress", "none"
    ])
    expect(third).toMatchObject({ code: 0, out: `syncalite migrate: copied and verified ${everything}` })

    const compare = Effect.gen(function*() {
      const stores: ReadonlyArray<SyncStore.SyncStoreShape> = [
        yield* SqliteSyncStore.make(source),
        yield* RedisSyncStore.make({ redis: redis.url, prefix }),
        yield* SqliteSyncStore.make(back)
      ]
      let compared = 0
      yield* Effect.forEach(content.datasets, (ref) =>
        Effect.gen(function*() {
          const [original, inRedis, copied] = yield* Effect.forEach(stores, (store) => datasetOf(store, ref))
          expect(original!.head, `${ref.identityId}/${ref.datasetName} has a head`).toBeDefined()
          expect(inRedis, `${ref.identityId}/${ref.datasetName} in Redis`).toEqual(original)
          expect(copied, `${ref.identityId}/${ref.datasetName} back in SQLite`).toEqual(original)
          compared++
        }), { concurrency: 32, discard: true })
      const [original, inRedis, copied] = yield* Effect.forEach(stores, (store) => rest(store, content))
      expect(inRedis).toEqual(original)
      expect(copied).toEqual(original)
      return compared
    })
    expect(await Effect.runPromise(Effect.scoped(compare))).toBe(10_000)
  }, 300_000)

  it("refuses a target that holds data, and a checkpoint file that is not one, in one line", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-migrate-"))
    const [one, two] = [join(folder, "one.db"), join(folder, "two.db")]
    await Effect.runPromise(Effect.scoped(Effect.flatMap(SqliteSyncStore.make(two), (store) => fill(store, 1, 1))))
    const refused = await inProcess(["migrate", "--from", `sqlite:${one}`, "--to", `sqlite:${two}`, "--checkpoint", join(folder, "cp")])
    expect(refused).toMatchObject({ code: 1, out: "" })
    expect(refused.err).toBe(`syncalite: the target sqlite:${two} already holds data; migrate copies into an empty store (or give the --checkpoint of the migration to go on with)`)
    const wrong = await inProcess(["migrate", "--from", `sqlite:${one}`, "--to", "memory", "--checkpoint", one])
    expect(wrong.code).toBe(1)
    expect(wrong.err).toBe(`syncalite: ${one} is not a checkpoint of syncalite migrate; remove it, or give another --checkpoint`)
  })
})
