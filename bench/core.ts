/**
 * In-process figures of the core through the Promise facade on the memory store, each beside
 * two baselines measured in the same run: a plain-Map implementation of the same
 * read-check-write, and the Effect floor (a trivial service call through a ManagedRuntime),
 * measured in rounds alternating with the figure's. Targets against the Effect floor: at least
 * 35% for UpdateRecords of 1 record (token minting excluded), 50% for ListRecords (its token's
 * minting included, and for information taken out as UpdateRecords' is). For information, an
 * UpdateRecords refused for a conflict beside one taken, measured in alternating rounds.
 */
import { Context, Effect, Layer, ManagedRuntime } from "effect"
import { createCognitoSync, SyncSessionToken } from "@syncalite/core"
import { alternate, type Figure, fmt, measure, report, sessions } from "./measure.js"

const ROUNDS = 5
const SHORT = { seconds: 0.5, warmup: 0.1 }

const againstFloor = (figure: Figure, floor: Figure, target: number) => {
  const ratio = figure.perSecond / floor.perSecond
  console.log(`  ${figure.name} vs the Effect floor: ${(ratio * 100).toFixed(0)}%  |  target >= ${target * 100}%: ${ratio >= target ? "met" : "MISSED"}`)
}

/**
 * The Effect floor doing besides what the operation's answer cannot do without (its token's MAC,
 * the Dates of its records), measured in rounds alternating with the plain floor: the share of
 * the floor that is left for everything else.
 */
const necessities = async (
  floor: () => Promise<Figure>,
  withParts: () => Promise<Figure>,
  figure: Figure,
  what: string
) => {
  const [plain, parts] = await alternate(ROUNDS, floor, withParts)
  console.log(
    `  (info) the Effect floor also ${what}: ${fmt(parts.perSecond, 0)}/s, ${
      ((parts.perSecond / plain.perSecond) * 100).toFixed(0)
    }% of the floor; ${figure.name} is ${((figure.perSecond / parts.perSecond) * 100).toFixed(0)}% of it`
  )
}

/** The rate of `figure` with the time of `part`, done once in each of its calls, taken out. */
const without = (figure: Figure, part: Figure): number => 1 / (1 / figure.perSecond - 1 / part.perSecond)

/** A record of the answer as the facade gives it: its dates as Dates. */
const answered = (i: number) => ({ Key: `key${i}`, SyncCount: 2, LastModifiedDate: new Date(1_700_000_000_000 + i), LastModifiedBy: "bench", Value: "changed" })

const pool = "us-east-1:be0c"
const identity = "us-east-1:0001"
const secret = "bench-secret-0123456789"

/** The same read-check-write as UpdateRecords, on plain Maps: the floor of the domain logic. */
const plainMap = () => {
  const datasets = new Map<string, { count: number; records: Map<string, { value: string | null; count: number }> }>()
  return {
    update(name: string, patches: ReadonlyArray<{ key: string; value: string; count: number }>) {
      const dataset = datasets.get(name) ?? { count: 0, records: new Map() }
      for (const patch of patches) {
        if ((dataset.records.get(patch.key)?.count ?? 0) !== patch.count) throw new Error("conflict")
      }
      const count = dataset.count + 1
      const records = new Map(dataset.records)
      for (const patch of patches) records.set(patch.key, { value: patch.value, count })
      datasets.set(name, { count, records })
      return count
    },
    list(name: string, since: number) {
      const dataset = datasets.get(name)
      if (dataset === undefined) return []
      return [...dataset.records].filter(([, record]) => record.count > since).sort(([a], [b]) => (a < b ? -1 : 1))
    }
  }
}

class Floor extends Context.Tag("Floor")<Floor, { readonly call: (n: number) => Effect.Effect<number> }>() {}

export const benchCore = async () => {
  console.log("\n# core, in process, Promise facade on the memory store (1 in flight)")
  const floorRuntime = ManagedRuntime.make(Layer.succeed(Floor, { call: (n) => Effect.succeed(n + 1) }))
  // the floor as BENCH.md measures it: a generator with a service lookup and three yields per call
  const floorWith = (name: string, parts: (i: number) => unknown) => () =>
    measure(name, (i) =>
      floorRuntime.runPromise(Effect.gen(function*() {
        const service = yield* Floor
        const a = yield* service.call(i)
        parts(i)
        return yield* service.call(a)
      })), SHORT)
  const floor = floorWith("Effect floor", () => undefined)

  for (const size of [1, 10]) {
    const sync = createCognitoSync({ tokenSecret: secret })
    const ref = { IdentityPoolId: pool, IdentityId: identity, DatasetName: `update${size}` }
    const keys = Array.from({ length: size }, (_, k) => `key${k}`)
    let count = 0
    // every write needs a token of its own; tokens are stateless, so they are minted outside the
    // timed loop (ListRecords, which mints them in use, is measured on its own below)
    const session = sessions()
    const token = () =>
      SyncSessionToken.mint(secret, { identityPoolId: pool, identityId: identity, datasetName: ref.DatasetName }, session())
    const update = async (i: number) => {
      const result = await sync.updateRecords({
        ...ref,
        SyncSessionToken: token(),
        RecordPatches: keys.map((Key) => ({ Op: "replace" as const, Key, Value: `value ${i}`, SyncCount: count }))
      })
      count = result.Records[0]!.SyncCount
    }
    const [floorFigure, figure] = await alternate(ROUNDS, floor, () => measure(`UpdateRecords of ${size}`, update, SHORT))
    const mintOnly = await measure("token minting alone", () => token())
    const map = plainMap()
    let mapCount = 0
    const baseline = await measure("plain Map", (i) => {
      mapCount = map.update("d", keys.map((key) => ({ key, value: `value ${i}`, count: mapCount })))
    })
    // the time spent minting tokens inside the loop is taken out of the figure
    const updates = { name: figure.name, perSecond: without(figure, mintOnly) }
    report(`UpdateRecords of ${size} record${size > 1 ? "s" : ""}`, updates, [baseline, floorFigure], size === 1 ? 30_000 : undefined)
    if (size === 1) {
      againstFloor(updates, floorFigure, 0.35)
      const given = token()
      const minted = { identityPoolId: pool, identityId: identity, datasetName: `update${size}` }
      const check = () => SyncSessionToken.verify(secret, given, minted, Date.now())
      await necessities(floor, floorWith("verifying", (i) => [check(), answered(i)]), updates, "verifies a token and answers a record")
      // a device that wrote from a stale count: refused, its error made and handed to the caller
      const refuse = async (i: number) => {
        try {
          await sync.updateRecords({ ...ref, SyncSessionToken: token(), RecordPatches: [{ Op: "replace", Key: "key0", Value: `stale ${i}`, SyncCount: count + 1 }] })
        } catch (error) {
          if ((error as { _tag?: string })._tag === "ResourceConflictException") return
          throw error
        }
        throw new Error("a write from a stale count was taken")
      }
      const [written, refused] = await alternate(ROUNDS, () => measure("written", update, SHORT), () => measure("refused", refuse, SHORT))
      const [writes, refusals] = [without(written, mintOnly), without(refused, mintOnly)]
      console.log(
        `  (info) UpdateRecords refused for a conflict: ${fmt(refusals, 0)}/s, ${
          ((refusals / writes) * 100).toFixed(0)
        }% of the rate of the same write taken (${fmt(writes, 0)}/s), token minting taken out of both`
      )
    }
    await sync.close()
  }

  {
    const sync = createCognitoSync({ tokenSecret: secret })
    const ref = { IdentityPoolId: pool, IdentityId: identity, DatasetName: "list" }
    const map = plainMap()
    let token = (await sync.listRecords(ref)).SyncSessionToken
    let count = 0
    await sync.updateRecords({
      ...ref,
      SyncSessionToken: token,
      RecordPatches: Array.from({ length: 100 }, (_, k) => ({ Op: "replace" as const, Key: `key${k}`, Value: `value ${k}`, SyncCount: 0 }))
    })
    map.update("d", Array.from({ length: 100 }, (_, k) => ({ key: `key${k}`, value: `value ${k}`, count: 0 })))
    count = 1
    token = (await sync.listRecords(ref)).SyncSessionToken
    await sync.updateRecords({
      ...ref,
      SyncSessionToken: token,
      RecordPatches: Array.from({ length: 10 }, (_, k) => ({ Op: "replace" as const, Key: `key${k * 10}`, Value: "changed", SyncCount: count }))
    })
    map.update("d", Array.from({ length: 10 }, (_, k) => ({ key: `key${k * 10}`, value: "changed", count: 1 })))
    const [floorFigure, figure] = await alternate(ROUNDS, floor, () =>
      measure("ListRecords", async () => {
        const page = await sync.listRecords({ ...ref, LastSyncCount: 1 })
        if (page.Count !== 10) throw new Error(`expected 10 records, got ${page.Count}`)
      }, SHORT))
    const baseline = await measure("plain Map", () => map.list("d", 1))
    report("ListRecords since N (10 changed of 100)", figure, [baseline, floorFigure], 30_000)
    againstFloor(figure, floorFigure, 0.5)
    const listed = { identityPoolId: pool, identityId: identity, datasetName: "list" }
    const session = sessions()
    // as UpdateRecords above is measured: the time its token's minting takes, taken out
    const minted = session()
    const mintOnly = await measure("token minting alone", () => SyncSessionToken.mint(secret, listed, minted))
    console.log(
      `  (info) ListRecords, its token's minting taken out: ${((without(figure, mintOnly) / floorFigure.perSecond) * 100).toFixed(0)}% of the Effect floor`
    )
    await necessities(
      floor,
      floorWith("minting", (i) => [SyncSessionToken.mint(secret, listed, session()), Array.from({ length: 10 }, (_, k) => answered(i + k))]),
      figure,
      "mints a token and answers 10 records"
    )
    await sync.close()
  }
  await floorRuntime.dispose()
}
