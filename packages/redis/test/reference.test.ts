/**
 * The Redis store against the reference implementation of the port (`SyncStore.fromDriver` over
 * the memory driver, whose commit is core's `decideCommit`): random histories of commits,
 * deletions and reads, every answer compared. The commit rules live twice — in TypeScript and in
 * the Lua script — and this is what keeps them one.
 */
import { randomUUID } from "node:crypto"
import { Effect, Exit, Scope } from "effect"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { Services } from "@syncalite/testing"
import { cleanUp, testPrefix } from "./helpers.js"

type Store = SyncStore.SyncStoreShape

const redis = await Services.check("redis")
const prefix = testPrefix("reference")

const KEYS = ["a", "b", "ü", "😀k", "long-key"] as const
const VALUES = ["", "x", "héllo", "12345678", "😀😀x", "value with\ttab\nand newline"] as const
const DATASETS = ["d", "e", "d.us-east-1:0000000b"] as const
const IDENTITIES = ["us-east-1:0000000a", "us-east-1:0000000b"] as const

/** The head as compared: consumed sessions as a set. */
const normalHead = (head: SyncStore.DatasetHead | undefined) =>
  head === undefined ? undefined : {
    ...head,
    consumedSessions: {
      floor: head.consumedSessions.floor,
      sessions: [...head.consumedSessions.sessions].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    }
  }

/** A view with the floor of its consumed sessions but not their list. */
const floorOnly = (view: SyncStore.DatasetView): SyncStore.DatasetView =>
  view.head === undefined ? view : { ...view, head: { ...view.head, consumedSessions: { floor: view.head.consumedSessions.floor, sessions: [] } } }

const normal = (value: unknown): unknown => {
  if (value === null || typeof value !== "object") return value
  const result = value as { _tag?: string; head?: SyncStore.DatasetHead }
  // a commit answers the head without its consumed sessions (a store may leave them out); reads show them
  if (result._tag === "Committed") {
    const { consumedSessions: _consumed, ...head } = result.head as SyncStore.DatasetHead
    return { ...result, head }
  }
  if ("head" in result && "records" in result && "mergedDatasetNames" in result) return { ...result, head: normalHead(result.head) }
  if ("consumedSessions" in (value as object)) return normalHead(value as SyncStore.DatasetHead)
  if (Array.isArray(value)) return value.map(normal)
  return value
}

interface CommitCommand {
  readonly tag: "commit"
  readonly identity: number
  readonly dataset: number
  readonly writes: ReadonlyArray<{ readonly key: number; readonly value: number | null; readonly date: number | undefined }>
  /** per write: the right sync count, or an offset from it */
  readonly offsets: ReadonlyArray<number>
  readonly extraCondition: { readonly key: number; readonly syncCount: number } | undefined
  /** a new session, or one used before (by index) */
  readonly session: number | undefined
  readonly lifetime: number
  readonly expected: "none" | "right" | "wrong"
  readonly limits: number
  readonly advance: number
}
type Command =
  | CommitCommand
  | { readonly tag: "delete"; readonly identity: number; readonly dataset: number; readonly advance: number }
  | {
    readonly tag: "read"
    readonly identity: number
    readonly dataset: number
    readonly since: number
    readonly after: number | undefined
    readonly limit: number | undefined
    /** the reader needs the floor of the consumed sessions only: their list is not compared */
    readonly withoutSessions: boolean
  }
  | { readonly tag: "usage"; readonly identity: number }

const LIMITS = [
  { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 },
  { datasetsPerIdentity: 2, recordsPerDataset: 3, bytesPerDataset: 21 },
  { datasetsPerIdentity: 1, recordsPerDataset: 4, bytesPerDataset: 40 }
] as const

const identity = fc.integer({ min: 0, max: IDENTITIES.length - 1 })
const dataset = fc.integer({ min: 0, max: DATASETS.length - 1 })

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      tag: fc.constant("commit" as const),
      identity,
      dataset,
      writes: fc.uniqueArray(
        fc.record({
          key: fc.integer({ min: 0, max: KEYS.length - 1 }),
          value: fc.option(fc.integer({ min: 0, max: VALUES.length - 1 }), { nil: null, freq: 4 }),
          date: fc.option(fc.integer({ min: 0, max: 2_000_000_000_000 }), { nil: undefined, freq: 3 })
        }),
        { maxLength: 3, selector: (write) => write.key }
      ),
      offsets: fc.array(fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }), {
        minLength: 3,
        maxLength: 3
      }),
      extraCondition: fc.option(
        fc.record({ key: fc.integer({ min: 0, max: KEYS.length - 1 }), syncCount: fc.integer({ min: 0, max: 4 }) }),
        { nil: undefined, freq: 6 }
      ),
      session: fc.option(fc.nat(), { nil: undefined, freq: 5 }),
      lifetime: fc.integer({ min: 1, max: 30 }),
      expected: fc.constantFrom("none" as const, "none" as const, "right" as const, "wrong" as const),
      limits: fc.integer({ min: 0, max: LIMITS.length - 1 }),
      advance: fc.integer({ min: 0, max: 5 })
    })
  },
  { weight: 1, arbitrary: fc.record({ tag: fc.constant("delete" as const), identity, dataset, advance: fc.integer({ min: 0, max: 5 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      tag: fc.constant("read" as const),
      identity,
      dataset,
      since: fc.integer({ min: 0, max: 6 }),
      after: fc.option(fc.integer({ min: 0, max: KEYS.length - 1 }), { nil: undefined, freq: 3 }),
      limit: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined, freq: 2 }),
      withoutSessions: fc.boolean()
    })
  },
  { weight: 1, arbitrary: fc.record({ tag: fc.constant("usage" as const), identity }) }
)

describe.skipIf(!redis.available)("RedisSyncStore against the reference store", () => {
  let scope: Scope.CloseableScope
  let subject: Store
  beforeAll(async () => {
    scope = await Effect.runPromise(Scope.make())
    subject = await Effect.runPromise(Scope.extend(RedisSyncStore.make({ redis: redis.url, prefix }), scope))
  })
  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await cleanUp(redis.url, prefix)
  })

  /** Runs the commands on both stores, comparing every answer; returns how many were compared. */
  const replay = (commands: ReadonlyArray<Command>) =>
    Effect.gen(function*() {
      const reference = SyncStore.fromDriver(SyncStore.memoryDriver())
      const pool = `us-east-1:${randomUUID()}`
      const ref = (i: number, d: number): SyncStore.DatasetRef => ({
        identityPoolId: pool,
        identityId: IDENTITIES[i]!,
        datasetName: DATASETS[d]!
      })
      let now = Date.UTC(2024, 0, 1)
      const sessions: Array<SyncStore.DatasetCommit["session"]> = []
      const both = <A>(run: (store: Store) => Effect.Effect<A, unknown>, what: unknown) =>
        Effect.gen(function*() {
          const expected = yield* run(reference)
          const actual = yield* run(subject)
          expect(normal(actual), JSON.stringify(what)).toEqual(normal(expected))
          return expected
        })
      for (const cmd of commands) {
        switch (cmd.tag) {
          case "commit": {
            now += cmd.advance * 1000
            const target = ref(cmd.identity, cmd.dataset)
            const view = yield* reference.readDataset(target, { since: 0 })
            const countOf = (key: string) =>
              view.head?.exists === true ? view.records.find((record) => record.key === key)?.syncCount ?? 0 : 0
            const session = cmd.session === undefined || sessions.length === 0
              ? { id: randomUUID(), expiresAt: now + cmd.lifetime * 1000 }
              : sessions[cmd.session % sessions.length]!
            if (!sessions.includes(session)) sessions.push(session)
            const conditions = cmd.writes.map((write, i) => ({
              key: KEYS[write.key]!,
              syncCount: Math.max(0, countOf(KEYS[write.key]!) + cmd.offsets[i]!)
            }))
            if (cmd.extraCondition !== undefined) {
              conditions.push({ key: KEYS[cmd.extraCondition.key]!, syncCount: cmd.extraCondition.syncCount })
            }
            const current = view.head?.syncCount ?? 0
            const commit: SyncStore.DatasetCommit = {
              ref: target,
              session,
              conditions,
              ...(cmd.expected === "none" ? {} : { expectedSyncCount: cmd.expected === "right" ? current : current + 1 }),
              writes: cmd.writes.map((write) => ({
                key: KEYS[write.key]!,
                value: write.value === null ? null : VALUES[write.value]!,
                ...(write.date === undefined ? {} : { deviceLastModifiedDate: write.date })
              })),
              modifiedBy: cmd.identity === 0 ? IDENTITIES[0] : "developer\twith a tab",
              now,
              limits: LIMITS[cmd.limits]!
            }
            yield* both((store) => store.commit(commit), cmd)
            break
          }
          case "delete":
            now += cmd.advance * 1000
            yield* both((store) => store.deleteDataset(ref(cmd.identity, cmd.dataset), now), cmd)
            break
          case "read": {
            const query: SyncStore.RecordQuery = {
              since: cmd.since,
              ...(cmd.after === undefined ? {} : { after: KEYS[cmd.after]! }),
              ...(cmd.limit === undefined ? {} : { limit: cmd.limit })
            }
            yield* both((store) =>
              cmd.withoutSessions
                ? Effect.map(store.readDataset(ref(cmd.identity, cmd.dataset), { ...query, withoutSessions: true }), floorOnly)
                : store.readDataset(ref(cmd.identity, cmd.dataset), query), cmd)
            break
          }
          case "usage":
            yield* both((store) => store.identityUsage(pool, IDENTITIES[cmd.identity]!), cmd)
            yield* both((store) => store.listDatasets(pool, IDENTITIES[cmd.identity]!), cmd)
            break
        }
      }
      // the final state, everywhere
      for (let i = 0; i < IDENTITIES.length; i++) {
        for (let d = 0; d < DATASETS.length; d++) yield* both((store) => store.readDataset(ref(i, d), { since: 0 }), "final")
        yield* both((store) => store.listDatasets(pool, IDENTITIES[i]!), "final")
        yield* both((store) => store.identityUsage(pool, IDENTITIES[i]!), "final")
      }
      yield* both((store) => store.poolUsage(pool), "final")
      yield* both((store) => Effect.map(store.poolDatasets(pool), (refs) =>
        [...refs].sort((x, y) => `${x.identityId}/${x.datasetName}` < `${y.identityId}/${y.datasetName}` ? -1 : 1)), "final")
    })

  it("random histories of commits, deletions and reads give the same answers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => Effect.runPromise(replay(commands))),
      { numRuns: 150 }
    )
  }, 60_000)

  it("consumed sessions as the reference keeps them: pruning, expiries out of order, the cap of 64", async () => {
    await Effect.runPromise(Effect.gen(function*() {
      const reference = SyncStore.fromDriver(SyncStore.memoryDriver())
      const target: SyncStore.DatasetRef = {
        identityPoolId: `us-east-1:${randomUUID()}`,
        identityId: IDENTITIES[0],
        datasetName: "sessions"
      }
      let seed = 42
      const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
      let now = Date.UTC(2024, 0, 1)
      const used: Array<SyncStore.DatasetCommit["session"]> = []
      for (let n = 0; n < 400; n++) {
        now += random(3) * 1000
        // lifetimes from 1 to 200 seconds, so expiries arrive out of order and some expire
        const fresh = { id: `s${n}\\${random(2) === 0 ? "\t" : ""}`, expiresAt: now + (1 + random(200)) * 1000 }
        const session = random(10) === 0 && used.length > 0 ? used[random(used.length)]! : fresh
        used.push(session)
        const key = `k${random(3)}`
        const view = yield* reference.readDataset(target, { since: 0 })
        const commit: SyncStore.DatasetCommit = {
          ref: target,
          session,
          conditions: [{ key, syncCount: view.records.find((record) => record.key === key)?.syncCount ?? 0 }],
          writes: [{ key, value: String(n) }],
          modifiedBy: "writer",
          now,
          limits: LIMITS[0]
        }
        const expected = yield* reference.commit(commit)
        const actual = yield* subject.commit(commit)
        expect(normal(actual), `commit ${n}`).toEqual(normal(expected))
        if (random(25) === 0) {
          now += 1000
          expect(normal(yield* subject.deleteDataset(target, now))).toEqual(normal(yield* reference.deleteDataset(target, now)))
        }
      }
      const head = (yield* subject.readDataset(target, { since: 0 })).head!
      expect(head.consumedSessions.sessions.length).toBeGreaterThan(10)
      expect(normalHead(head)).toEqual(normalHead((yield* reference.readDataset(target, { since: 0 })).head))
    }))
  }, 60_000)
})
