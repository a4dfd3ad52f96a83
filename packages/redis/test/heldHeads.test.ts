/**
 * The commits a process decides against the heads it holds (internal/heldHeads.ts): the same
 * answers and the same stored bytes as the commit script deciding every commit, on sequences that
 * go through every path of a session's consumption (expiries, the cap, the list written anew, a
 * session out of order, used or forgotten), conflicts, limits, tombstones and subscribers; a
 * record the process wrote under its head held is written unread, within the limits; and a head
 * changed by another process or damaged is not taken for the one held.
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
 * are counted, each with its answer, and those of a record the process knew (the record not read,
 * ARGV[8] empty): the store given it leaves it open.
 */
const countingClient = async (url: string) => {
  const client = await rawClient(url)
  const held: Array<unknown> = []
  let known = 0
  const sendCommand = client.sendCommand.bind(client)
  const counted = Object.assign(client, {
    sendCommand: (args: ReadonlyArray<string>, ...rest: Array<unknown>) => {
      const reply = (sendCommand as (...all: Array<unknown>) => Promise<unknown>)(args, ...rest)
      if (args[0] === "FCALL" && args[1] === scripts.heldCommit.library) {
        if (args[3 + Number(args[2]) + 7] === "") known++
        void reply.then((answer) => held.push(answer), () => held.push("failed"))
      }
      return reply
    }
  })
  return { client: counted as unknown as RedisSyncStore.RedisInput, held, known: () => known, close: () => client.destroy() }
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
      // the held path ran, and wrote most of what it was given, most of it records the process knew
      const written = counting.held.filter((answer) => Array.isArray(answer) && answer[0] === "ok")
      expect(written.length).toBeGreaterThan(100)
      expect(counting.known()).toBeGreaterThan(written.length / 2)
    } finally {
      await holding.close()
      counting.close()
      raw.destroy()
    }
  }, 120_000)
  it("a record the process wrote under its head held is written unread, and past a limit the commit script refuses it", async () => {
    const raw = await rawClient(redis.url)
    const prefix = `${base}-l`
    const counting = await countingClient(redis.url)
    const a = await open(counting.client, prefix)
    try {
      const ref = { identityPoolId: "us-east-1:00000000-0000-0000-0000-000000000005", identityId: "us-east-1:00000000-0000-0000-0000-000000000006", datasetName: "l" }
      const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1048576 }
      const commit = (syncCount: number, value: string | null = `v${syncCount}`, limited = limits): SyncStore.DatasetCommit => ({
        ref,
        session: { id: randomUUID(), expiresAt: Date.now() + 600_000 },
        conditions: [{ key: "k", syncCount }],
        writes: [{ key: "k", value }],
        modifiedBy: "m",
        now: Date.now(),
        limits: limited
      })
      /** a's commit, the calls of the heldCommit script it made (their answers' kinds), and how many of them were of a known record */
      const next = async (c: SyncStore.DatasetCommit) => {
        const [from, known] = [counting.held.length, counting.known()]
        const answer = await Effect.runPromise(a.store.commit(c))
        return { answer, held: counting.held.slice(from).map((reply) => Array.isArray(reply) ? reply[0] : reply), known: counting.known() - known }
      }
      // the list answered with the third commit in a row: the head held, and the record it wrote known
      for (const syncCount of [0, 1, 2]) expect((await next(commit(syncCount))).held).toEqual([])
      expect(await next(commit(3))).toMatchObject({ answer: { _tag: "Committed", head: { syncCount: 4, dataStorage: 3 } }, held: ["ok"], known: 1 })
      const before = await stored(raw, prefix)
      // "k" (1 byte) and 50 bytes of value pass a limit of 40 bytes; a limit of no record is passed by the one there
      expect(await next(commit(4, "x".repeat(50), { ...limits, bytesPerDataset: 40 }))).toEqual({
        answer: { _tag: "LimitExceeded", limit: "bytes", value: 51 },
        held: [],
        known: 0
      })
      expect(await next(commit(4, "y", { ...limits, recordsPerDataset: 0 }))).toEqual({
        answer: { _tag: "LimitExceeded", limit: "records", value: 1 },
        held: [],
        known: 0
      })
      expect(await stored(raw, prefix)).toEqual(before)
      // a tombstone, then a value again: each written unread, the figures as the script makes them
      expect(await next(commit(4, null))).toMatchObject({
        answer: { _tag: "Committed", head: { syncCount: 5, numRecords: 0, dataStorage: 0, entries: 1, entryBytes: 1 } },
        held: ["ok"],
        known: 1
      })
      expect(await next(commit(5, "é"))).toMatchObject({
        answer: { _tag: "Committed", head: { syncCount: 6, numRecords: 1, dataStorage: 3, entries: 1, entryBytes: 3 } },
        held: ["ok"],
        known: 1
      })
      // 64 other records written and known: "k", the first known, is let go, read once, and known again
      for (let i = 0; i < 64; i++) {
        const other = { ...commit(0), conditions: [{ key: `o${i}`, syncCount: 0 }], writes: [{ key: `o${i}`, value: "o" }] }
        expect(await next(other)).toMatchObject({ answer: { _tag: "Committed", head: { syncCount: 7 + i } }, held: ["ok"], known: 0 })
      }
      expect(await next(commit(6))).toMatchObject({ answer: { _tag: "Committed", head: { syncCount: 71 } }, held: ["ok"], known: 0 })
      expect(await next(commit(71))).toMatchObject({ answer: { _tag: "Committed", head: { syncCount: 72 } }, held: ["ok"], known: 1 })
    } finally {
      await a.close()
      counting.close()
      raw.destroy()
    }
  })

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
      const recordsKey = keys.find((key) => key.endsWith(":r:d"))!
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

      // a record a wrote, then written by b: a's commit of it is decided by the commit script at once
      await inRow(11, 3)
      expect(await run(b, commit(session(), 14))).toMatchObject({ _tag: "Committed", head: { syncCount: 15 } })
      const afterB = await nextCommit(commit(session(), 15))
      expect(afterB.answer).toMatchObject({ right: { _tag: "Committed", head: { syncCount: 16 } } })
      expect(afterB.held).toEqual([])
      // a head held, then changed by b's commit of another record: nothing written by the held
      // commit of the record a knows, and the commit script decides
      await inRow(16, 3)
      const byBOther = await run(b, { ...commit(session(), 0), conditions: [{ key: "o", syncCount: 0 }], writes: [{ key: "o", value: "y" }] })
      expect(byBOther).toMatchObject({ _tag: "Committed", head: { syncCount: 20 } })
      const afterOther = await nextCommit(commit(session(), 19))
      expect(afterOther.answer).toMatchObject({ right: { _tag: "Committed", head: { syncCount: 21, numRecords: 2 } } })
      expect(afterOther.held).toEqual([null])

      /** a's commit at `syncCount`, decided against its head held, with `key` made a hash (a string where `key` is the records'): a typed corruption, nothing written */
      const damaged = async (syncCount: number, key: string) => {
        await raw.del(key)
        if (key === recordsKey) await raw.set(key, "x")
        else await raw.hSet(key, "f", "v")
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
      await inRow(21, 1)
      const entries = (await raw.get(consumedKey))!.split("\n")
      const ordered = entries.at(-2)!
      const unordered = `${ordered.split("\t")[0]}\t${Number(entries.at(-1)!.split("\t")[1]) + 1}`
      entries[entries.length - 2] = unordered
      await raw.set(consumedKey, entries.join("\n"))
      for (const syncCount of [22, 23]) {
        const next = await nextCommit(commit(session(), syncCount))
        expect(next.answer).toMatchObject({ right: { _tag: "Committed", head: { syncCount: syncCount + 1 } } })
        expect(next.held).toEqual([])
      }
      await raw.set(consumedKey, (await raw.get(consumedKey))!.replace(unordered, ordered))

      // the index of changes damaged: the list given back its bytes
      await inRow(24, 3)
      await damaged(27, changesKey)
      // the records damaged under a record a knows (not read): refused by the record's write, the
      // list given back its bytes and the change its sync count
      await inRow(27, 3)
      const records = await raw.hGetAll(recordsKey)
      const known = counting.known()
      await damaged(30, recordsKey)
      expect(counting.known()).toBe(known + 1)
      await raw.hSet(recordsKey, records)
      // the list of consumed sessions damaged: refused by the append
      await inRow(30, 3)
      await damaged(33, consumedKey)
    } finally {
      await a.close()
      await b.close()
      counting.close()
      raw.destroy()
    }
  })
})
