/**
 * The commits a process decides against the heads it holds (internal/heldHeads.ts): the same
 * answers and the same stored bytes as the commit script deciding every commit, on sequences that
 * go through every path of a session's consumption (expiries, the cap, the list written anew, a
 * session out of order, used or forgotten), conflicts, limits, tombstones and subscribers; and a
 * head changed by another process or damaged is not taken for the one held.
 */
import { randomUUID } from "node:crypto"
import { Effect, Exit, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { SyncSessionToken, SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { Services } from "@syncalite/testing"
import * as scripts from "../src/internal/scripts.js"
import { cleanUp, keysUnder, type RawClient, rawClient, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")
const base = testPrefix("held")

const open = async (redisInput: RedisSyncStore.RedisInput, prefix: string) => {
  const scope = await Effect.runPromise(Scope.make())
  const store = await Effect.runPromise(Scope.extend(RedisSyncStore.make({ redis: redisInput, prefix }), scope))
  return { store, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** A pseudo-random sequence of its own per seed, so that a failure can be replayed. */
const randomOf = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}

/** Every key under a prefix, with its type and content, by its name after the prefix. */
const stored = async (raw: RawClient, prefix: string): Promise<{ [key: string]: unknown }> => {
  const out: { [key: string]: unknown } = {}
  for (const key of (await keysUnder(raw, prefix)).sort()) {
    const type = await raw.type(key)
    const content = type === "hash"
      ? await raw.hGetAll(key)
      : type === "string"
      ? await raw.get(key)
      : type === "zset"
      ? await raw.zRangeWithScores(key, 0, -1)
      : type === "set"
      ? (await raw.sMembers(key)).sort()
      : type
    out[key.slice(prefix.length)] = content
  }
  return out
}

/**
 * A client of its own whose calls of the heldCommit script (a commit decided against a held head)
 * are counted, each with its answer: the store given it leaves it open.
 */
const countingClient = async (url: string) => {
  const client = await rawClient(url)
  const held: Array<unknown> = []
  const sendCommand = client.sendCommand.bind(client)
  const counted = Object.assign(client, {
    sendCommand: (args: ReadonlyArray<string>, ...rest: Array<unknown>) => {
      const reply = (sendCommand as (...all: Array<unknown>) => Promise<unknown>)(args, ...rest)
      if (args[0] === "FCALL" && args[1] === scripts.heldCommit.library) void reply.then((answer) => held.push(answer), () => held.push("failed"))
      return reply
    }
  })
  return { client: counted as unknown as RedisSyncStore.RedisInput, held, close: () => client.destroy() }
}

describe.skipIf(!redis.available)("heads held by a process", () => {
  afterAll(() => cleanUp(redis.url, `${base}*`))

  it("a process holding its heads answers and stores what the script deciding every commit does, over 600 commits", async () => {
    const raw = await rawClient(redis.url)
    const [heldPrefix, scriptPrefix] = [`${base}-a`, `${base}-b`]
    const counting = await countingClient(redis.url)
    const holding = await open(counting.client, heldPrefix)
    try {
      const random = randomOf(13)
      const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
      const identityPoolId = "us-east-1:00000000-0000-0000-0000-000000000001"
      const identityId = "us-east-1:00000000-0000-0000-0000-000000000002"
      const keys = ["k0", "k1", "k2", "k3", "k4"]
      const counts: { [key: string]: number } = {}
      const used: Array<SyncSessionToken.SyncSession> = []
      let now = 1_800_000_000_000
      let latest = now
      let syncCount = 0
      const tags: { [tag: string]: number } = {}
      for (let step = 0; step < 600; step++) {
        // phases of sessions that outlive many commits (the cap reached) and of sessions that expire
        const lasting = Math.floor(step / 150) % 2 === 0
        now += lasting ? pick([1, 2, 10]) : pick([1, 1000, 5000, 60_000])
        const roll = random()
        const session: SyncSessionToken.SyncSession = roll < 0.03 && used.length > 0
          ? pick(used)
          : roll < 0.06 && used.length > 0
          ? used[used.length - 1]!
          : roll < 0.09
          ? { id: `old-${step}`, expiresAt: now + 10 }
          : {
            id: pick([`s-${step}`, `s\t${step}`, `s\\${step}`, randomUUID()]),
            expiresAt: (latest = Math.max(latest, now + (lasting ? 600_000 : pick([200, 3000, 20_000]))))
          }
        const key = pick(keys)
        const value = pick<string | null>(["v", "value ".repeat(20), null, "x".repeat(300), `é${step}`])
        // now and then two records, which the script decides
        const written = random() < 0.1 ? [key, keys[(keys.indexOf(key) + 1) % keys.length]!] : [key]
        const commit: SyncStore.DatasetCommit = {
          ref: { identityPoolId, identityId, datasetName: "d" },
          session,
          conditions: written.map((key) => ({ key, syncCount: random() < 0.05 ? (counts[key] ?? 0) + 1 : counts[key] ?? 0 })),
          writes: written.map((key) => ({ key, value })),
          modifiedBy: pick(["a", "b\tc"]),
          now,
          limits: { datasetsPerIdentity: 20, recordsPerDataset: 4, bytesPerDataset: 900 },
          ...(random() < 0.1 ? { expectedSyncCount: random() < 0.5 ? syncCount : syncCount + 1 } : {}),
          ...(random() < 0.2 ? { subscribers: true } : {})
        }
        const byHolder = await Effect.runPromise(holding.store.commit(commit))
        // a store of its own per commit holds nothing: the script decides
        const once = await open(raw as unknown as RedisSyncStore.RedisInput, scriptPrefix)
        const byScript = await Effect.runPromise(once.store.commit(commit)).finally(once.close)
        expect(byHolder, `step ${step}`).toEqual(byScript)
        tags[byHolder._tag] = (tags[byHolder._tag] ?? 0) + 1
        if (byHolder._tag === "Committed") {
          for (const key of written) counts[key] = byHolder.head.syncCount
          syncCount = byHolder.head.syncCount
          used.push(session)
        }
        expect(await stored(raw, heldPrefix), `step ${step}`).toEqual(await stored(raw, scriptPrefix))
      }
      expect(Object.keys(tags).sort()).toEqual(["Committed", "Conflict", "DatasetChanged", "LimitExceeded", "SessionForgotten", "SessionUsed"])
      // the held path ran, and wrote most of what it was given
      const written = counting.held.filter((answer) => Array.isArray(answer) && answer[0] === "ok")
      expect(written.length).toBeGreaterThan(100)
    } finally {
      await holding.close()
      counting.close()
      raw.destroy()
    }
  }, 120_000)
  it("a head changed by another process, or a list of consumed sessions damaged, is not taken for the one held", async () => {
    const raw = await rawClient(redis.url)
    const prefix = `${base}-c`
    const counting = await countingClient(redis.url)
    const [a, b] = [await open(counting.client, prefix), await open(redis.url, prefix)]
    try {
      const ref = { identityPoolId: "us-east-1:00000000-0000-0000-0000-000000000003", identityId: "us-east-1:00000000-0000-0000-0000-000000000004", datasetName: "d" }
      const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1048576 }
      const commit = (session: SyncSessionToken.SyncSession, syncCount: number): SyncStore.DatasetCommit =>
        ({ ref, session, conditions: [{ key: "k", syncCount }], writes: [{ key: "k", value: `v${syncCount}` }], modifiedBy: "m", now: Date.now(), limits })
      const session = () => ({ id: randomUUID(), expiresAt: Date.now() + 600_000 })
      const run = (store: typeof a, c: SyncStore.DatasetCommit) => Effect.runPromise(store.store.commit(c))
      expect((await run(a, commit(session(), 0)))._tag).toBe("Committed")
      expect((await run(a, commit(session(), 1)))._tag).toBe("Committed")
      const byB = session()
      expect((await run(b, commit(byB, 2)))._tag).toBe("Committed")
      // a's head is the one before b's commit: b's session is used, and a's next commit sees b's
      expect(await run(a, commit(byB, 3))).toEqual({ _tag: "SessionUsed" })
      expect(await run(a, commit(session(), 2))).toMatchObject({ _tag: "Conflict", server: 3 })
      expect(await run(a, commit(session(), 3))).toMatchObject({ _tag: "Committed", head: { syncCount: 4 } })
      // deleted by b: a's next commit makes the dataset anew, its other records gone
      const other = await run(a, { ...commit(session(), 0), conditions: [{ key: "o", syncCount: 0 }], writes: [{ key: "o", value: "x" }] })
      expect(other).toMatchObject({ _tag: "Committed", head: { syncCount: 5, numRecords: 2 } })
      await Effect.runPromise(b.store.deleteDataset(ref, Date.now()))
      const anew = await run(a, commit(session(), 0))
      expect(anew).toMatchObject({ _tag: "Committed", head: { syncCount: 6, numRecords: 1, lastDeletionCount: 5 } })

      const keys = await keysUnder(raw, prefix)
      const consumedKey = keys.find((key) => key.endsWith(":u:d"))!
      const changesKey = keys.find((key) => key.endsWith(":c:d"))!
      /** commits by a in a row from sync count `from` */
      const inRow = async (from: number, commits: number) => {
        for (let syncCount = from; syncCount < from + commits; syncCount++) {
          expect(await run(a, commit(session(), syncCount))).toMatchObject({ _tag: "Committed", head: { syncCount: syncCount + 1 } })
        }
      }
      /** what a's next commit answers, and what its calls of the heldCommit script answered */
      const nextCommit = async (c: SyncStore.DatasetCommit) => {
        const from = counting.held.length
        const answer = await Effect.runPromise(Effect.either(a.store.commit(c)))
        // each call's answer by its kind ("ok", "corrupt" and its key...), null for a head not held
        const held = counting.held.slice(from).map((reply) => Array.isArray(reply) ? reply.slice(0, reply[0] === "corrupt" ? 2 : 1) : reply)
        return { answer, held }
      }
      await inRow(6, 3)
      const ninth = await nextCommit(commit(session(), 9))
      expect(ninth.answer).toMatchObject({ right: { _tag: "Committed", head: { syncCount: 10 } } })
      expect(ninth.held).toEqual([["ok"]])

      // a list longer than the one held (a session listed by other means): given back its bytes,
      // nothing else written by the held commit, and the commit script decides
      const listed = `\nother\t${Date.now() + 600_000}`
      const list = await raw.get(consumedKey)
      await raw.append(consumedKey, listed)
      const later = session()
      const tenth = await nextCommit(commit(later, 10))
      expect(tenth.answer).toMatchObject({ right: { _tag: "Committed", head: { syncCount: 11 } } })
      expect(tenth.held).toEqual([null])
      expect(await raw.get(consumedKey)).toBe(`${list}${listed}\n${later.id}\t${later.expiresAt}`)
      // the list as its head counts it again, for what follows
      await raw.set(consumedKey, `${list}\n${later.id}\t${later.expiresAt}`)

      // a head held, then changed by b: nothing written by the held commit, and the commit script decides
      await inRow(11, 3)
      expect(await run(b, commit(session(), 14))).toMatchObject({ _tag: "Committed", head: { syncCount: 15 } })
      const afterB = await nextCommit(commit(session(), 15))
      expect(afterB.answer).toMatchObject({ right: { _tag: "Committed", head: { syncCount: 16 } } })
      expect(afterB.held).toEqual([null])

      /** a's commit at `syncCount`, decided against its head held, with `key` made a hash: a typed corruption, nothing written */
      const damaged = async (syncCount: number, key: string) => {
        await raw.del(key)
        await raw.hSet(key, "f", "v")
        const before = await stored(raw, prefix)
        const failed = await nextCommit(commit(session(), syncCount))
        expect(failed.answer._tag).toBe("Left")
        expect(JSON.stringify(failed.answer)).toContain(key)
        expect(failed.held).toEqual([["corrupt", key]])
        expect(await stored(raw, prefix)).toEqual(before)
        await raw.del(key)
      }
      // a list not in expiry order is not as the commit script writes it: not held, its commits
      // decided by the commit script
      await inRow(16, 1)
      const entries = (await raw.get(consumedKey))!.split("\n")
      const ordered = entries.at(-2)!
      const unordered = `${ordered.split("\t")[0]}\t${Number(entries.at(-1)!.split("\t")[1]) + 1}`
      entries[entries.length - 2] = unordered
      await raw.set(consumedKey, entries.join("\n"))
      for (const syncCount of [17, 18]) {
        const next = await nextCommit(commit(session(), syncCount))
        expect(next.answer).toMatchObject({ right: { _tag: "Committed", head: { syncCount: syncCount + 1 } } })
        expect(next.held).toEqual([])
      }
      await raw.set(consumedKey, (await raw.get(consumedKey))!.replace(unordered, ordered))

      // the index of changes damaged: the list given back its bytes
      await inRow(19, 3)
      await damaged(22, changesKey)
      // the list of consumed sessions damaged: refused by the append
      await inRow(22, 3)
      await damaged(25, consumedKey)
    } finally {
      await a.close()
      await b.close()
      counting.close()
      raw.destroy()
    }
  })
})
