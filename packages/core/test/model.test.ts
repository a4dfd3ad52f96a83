/**
 * A model-based test of the sync protocol: random interleavings of ListRecords, UpdateRecords
 * and DeleteDataset, issued by simulated devices of two identities (each device keeping, per
 * dataset, its last sync count, its session token and the sync count it last saw for each key,
 * as the mobile clients do), against the real service, each answer checked against a small
 * reference model of SPEC part A written independently here.
 */
import { Clock, Effect, Either, Layer, ManagedRuntime, TestClock, TestContext } from "effect"
import * as fc from "fast-check"
import { isDeepStrictEqual } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { Caller, CognitoSync } from "@syncalite/core"

const IDENTITIES = ["us-east-1:0000000a", "us-east-1:0000000b"] as const
/** per identity: two datasets, and one named like a dataset of the other identity merged into "a" */
const datasetNames = (identity: number): ReadonlyArray<string> => ["a", "b", `a.${IDENTITIES[1 - identity]}`]
const KEYS = ["k1", "k2", "ü", "k3"] as const
const VALUES = ["", "x", "héllo", "12345678", "😀"] as const
const LIMITS = { datasetsPerIdentity: 2, recordsPerDataset: 3, bytesPerDataset: 21 }
const LIFETIME = 40_000
const ACCOUNT = "123456789012"
const START = Date.UTC(2024, 0, 1, 12, 0, 0, 250)
/** every run works in a pool of its own, so that runs can share one service */
let runs = 0
const newPool = () => `us-east-1:${(++runs).toString(16).padStart(8, "0")}`
const DEVICES = 4
const SECRET = "model-test-secret-0123456789"
const identityOf = (device: number) => device % 2

// ---------------------------------------------------------------------------------------------
// commands

type CountChoice = "known" | "zero" | "plus1" | "minus1"
interface PatchSpec {
  readonly key: number
  readonly op: "replace" | "remove"
  readonly value: number
  readonly count: CountChoice
}
type TokenChoice = "own" | "forged" | { readonly device: number; readonly dataset: number }
interface Target {
  readonly device: number
  readonly dataset: number
  readonly developer: boolean
}
interface Pull {
  readonly since: "local" | "zero" | number
  readonly maxResults: number | undefined
  readonly passToken: boolean
}
interface Push {
  readonly patches: ReadonlyArray<PatchSpec>
  readonly deviceDates: boolean
}
type Command =
  /** ListRecords alone */
  | Target & Pull & { readonly tag: "list" }
  /** UpdateRecords alone, with whatever token the device holds (or another's, or a forged one) */
  | Target & Push & { readonly tag: "update"; readonly token: TokenChoice }
  /** what the mobile clients' synchronize does: ListRecords, then UpdateRecords with its token */
  | Target & Push & { readonly tag: "sync"; readonly maxResults: number | undefined }
  | Target & { readonly tag: "delete" }
  | { readonly tag: "wait"; readonly seconds: number }

const target = {
  device: fc.integer({ min: 0, max: DEVICES - 1 }),
  dataset: fc.integer({ min: 0, max: 2 }),
  developer: fc.boolean()
}
const maxResults = fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 2 })

const patch: fc.Arbitrary<PatchSpec> = fc.record({
  key: fc.integer({ min: 0, max: KEYS.length - 1 }),
  op: fc.oneof({ weight: 3, arbitrary: fc.constant("replace" as const) }, { weight: 1, arbitrary: fc.constant("remove" as const) }),
  value: fc.integer({ min: 0, max: VALUES.length - 1 }),
  count: fc.oneof(
    { weight: 8, arbitrary: fc.constant("known" as const) },
    { weight: 2, arbitrary: fc.constant("zero" as const) },
    { weight: 1, arbitrary: fc.constant("plus1" as const) },
    { weight: 1, arbitrary: fc.constant("minus1" as const) }
  )
})
const push = {
  patches: fc.uniqueArray(patch, { minLength: 0, maxLength: 3, selector: (p) => p.key }),
  deviceDates: fc.boolean()
}

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ tag: fc.constant("sync" as const), ...target, ...push, maxResults })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      tag: fc.constant("list" as const),
      ...target,
      since: fc.oneof(
        { weight: 6, arbitrary: fc.constant("local" as const) },
        { weight: 2, arbitrary: fc.constant("zero" as const) },
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 8 }) }
      ),
      maxResults,
      passToken: fc.boolean()
    })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      tag: fc.constant("update" as const),
      ...target,
      ...push,
      token: fc.oneof(
        { weight: 6, arbitrary: fc.constant("own" as const) },
        { weight: 1, arbitrary: fc.constant("forged" as const) },
        { weight: 2, arbitrary: fc.record({ device: target.device, dataset: target.dataset }) }
      )
    })
  },
  { weight: 1, arbitrary: fc.record({ tag: fc.constant("delete" as const), ...target }) },
  { weight: 2, arbitrary: fc.record({ tag: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 45 }) }) }
)

// ---------------------------------------------------------------------------------------------
// the reference model

interface ModelRecord {
  readonly value: string | null
  readonly syncCount: number
  readonly lastModifiedBy: string
  readonly lastModifiedDate: number
  readonly deviceLastModifiedDate: number | undefined
}

interface ModelDataset {
  exists: boolean
  count: number
  lastDeletionCount: number
  records: Map<string, ModelRecord>
  lastModifiedBy: string
  creationDate: number
  lastModifiedDate: number
}

interface ModelSession {
  readonly identity: number
  readonly dataset: string
  readonly expiresAt: number
  consumed: boolean
}

/** What a call answered, in a comparable form: a normalised output, or the error's name and message. */
type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: string; readonly message?: string }

interface NormalRecord {
  readonly Key: string
  readonly Value: string | null
  readonly SyncCount: number
  readonly LastModifiedBy: string
  readonly LastModifiedDate: number
  readonly DeviceLastModifiedDate: number | null
}

interface ModelPatch {
  readonly key: string
  readonly value: string | null
  readonly syncCount: number
  readonly date: number | undefined
}

const bytes = (text: string) => Buffer.byteLength(text, "utf8")
const sortByKey = <A extends { readonly Key: string }>(records: ReadonlyArray<A>): Array<A> =>
  [...records].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0))
const invalidToken: Outcome = { ok: false, error: "InvalidParameterException", message: "SyncSessionToken not valid for these inputs" }
const limitExceeded: Outcome = { ok: false, error: "LimitExceededException" }

/** How often each situation the model distinguishes came up, to prove the runs reach them. */
class Coverage {
  readonly counts = new Map<string, number>()
  see(situation: string): void {
    this.counts.set(situation, (this.counts.get(situation) ?? 0) + 1)
  }
}

class Model {
  readonly datasets = new Map<string, ModelDataset>()
  /** every token the service handed out, with the session it stands for */
  readonly tokens = new Map<string, ModelSession>()

  constructor(public now: number, readonly coverage: Coverage) {}

  dataset(identity: number, name: string): ModelDataset | undefined {
    return this.datasets.get(`${identity}/${name}`)
  }

  /** the session of a token usable now for this dataset, or why it is not */
  session(token: string, identity: number, name: string): ModelSession | "unknown" | "other dataset" | "expired" | "consumed" {
    const session = this.tokens.get(token)
    if (session === undefined) return "unknown"
    if (session.identity !== identity || session.dataset !== name) return "other dataset"
    if (this.now >= session.expiresAt) return "expired"
    if (session.consumed) return "consumed"
    return session
  }

  normal(key: string, record: ModelRecord): NormalRecord {
    return {
      Key: key,
      Value: record.value,
      SyncCount: record.syncCount,
      LastModifiedBy: record.lastModifiedBy,
      LastModifiedDate: record.lastModifiedDate,
      DeviceLastModifiedDate: record.deviceLastModifiedDate ?? null
    }
  }

  list(identity: number, name: string, since: number, token: string | undefined): Outcome {
    if (token !== undefined) {
      const session = this.session(token, identity, name)
      if (typeof session === "string") {
        this.coverage.see(`ListRecords refused: token ${session}`)
        return invalidToken
      }
      this.coverage.see("ListRecords continuing a session")
    }
    const ds = this.dataset(identity, name)
    const exists = ds?.exists === true
    if (exists && since > ds.count) {
      this.coverage.see("ListRecords refused: no such sync count")
      return { ok: false, error: "InvalidParameterException", message: `No such SyncCount: ${since} exists for this Dataset` }
    }
    const records = exists
      ? sortByKey([...ds.records].filter(([, record]) => record.syncCount > since).map(([key, record]) => this.normal(key, record)))
      : []
    const merged = datasetNames(identity).filter((other) =>
      other.startsWith(`${name}.`) && /^[\w-]+:[0-9a-f-]+$/.test(other.slice(name.length + 1)) &&
      this.dataset(identity, other)?.exists === true
    ).sort()
    const deletedAfter = since > 0 && ds !== undefined && since <= ds.lastDeletionCount
    if (deletedAfter) this.coverage.see(exists ? "ListRecords: deleted and recreated since" : "ListRecords: deleted since")
    if (!deletedAfter && ds !== undefined && ds.lastDeletionCount > 0) this.coverage.see("ListRecords: deleted before")
    if (merged.length > 0) this.coverage.see("ListRecords: merged datasets")
    if (records.some((record) => record.Value === null)) this.coverage.see("ListRecords: tombstones")
    return {
      ok: true,
      value: {
        Records: records,
        DatasetSyncCount: exists ? ds.count : 0,
        DatasetExists: exists,
        DatasetDeletedAfterRequestedSyncCount: deletedAfter,
        LastModifiedBy: exists ? ds.lastModifiedBy : null,
        MergedDatasetNames: merged.length === 0 ? null : merged
      }
    }
  }

  /** registers the token a successful ListRecords answered */
  listed(identity: number, name: string, given: string | undefined, answered: string): void {
    const session = given === undefined ? undefined : this.tokens.get(given)
    this.tokens.set(answered, session ?? { identity, dataset: name, expiresAt: this.now + LIFETIME, consumed: false })
  }

  update(identity: number, name: string, token: string, patches: ReadonlyArray<ModelPatch>, modifiedBy: string): Outcome {
    const session = this.session(token, identity, name)
    if (typeof session === "string") {
      this.coverage.see(`UpdateRecords refused: token ${session}`)
      return invalidToken
    }
    const ds = this.dataset(identity, name)
    const live = ds?.exists === true
    const current = live ? ds.records : new Map<string, ModelRecord>()
    for (const patch of patches) {
      const server = current.get(patch.key)?.syncCount ?? 0
      if (server !== patch.syncCount) {
        this.coverage.see(current.get(patch.key)?.value === null ? "UpdateRecords conflict on a tombstone" : "UpdateRecords conflict")
        return {
          ok: false,
          error: "ResourceConflictException",
          message: `Current SyncCount for: ${patch.key} is: ${server} not: ${patch.syncCount}`
        }
      }
    }
    if (!live) {
      const existing = datasetNames(identity).filter((other) => this.dataset(identity, other)?.exists === true).length
      if (existing + 1 > LIMITS.datasetsPerIdentity) {
        this.coverage.see("UpdateRecords refused: datasets limit")
        return limitExceeded
      }
    }
    const count = (ds?.count ?? 0) + 1
    const next = new Map(current)
    const written: Array<NormalRecord> = []
    for (const patch of patches) {
      const record: ModelRecord = {
        value: patch.value,
        syncCount: count,
        lastModifiedBy: modifiedBy,
        lastModifiedDate: this.now,
        deviceLastModifiedDate: patch.date
      }
      next.set(patch.key, record)
      written.push(this.normal(patch.key, record))
    }
    let liveRecords = 0
    let liveBytes = 0
    let tombstoneBytes = 0
    for (const [key, record] of next) {
      if (record.value === null) tombstoneBytes += bytes(key)
      else {
        liveRecords++
        liveBytes += bytes(key) + bytes(record.value)
      }
    }
    if (next.size > LIMITS.recordsPerDataset) {
      this.coverage.see(liveRecords > LIMITS.recordsPerDataset ? "UpdateRecords refused: records limit" : "UpdateRecords refused: records limit, by tombstones")
      return limitExceeded
    }
    if (liveBytes + tombstoneBytes > LIMITS.bytesPerDataset) {
      this.coverage.see(liveBytes > LIMITS.bytesPerDataset ? "UpdateRecords refused: bytes limit" : "UpdateRecords refused: bytes limit, by tombstone keys")
      return limitExceeded
    }
    this.coverage.see(
      live ? (patches.length === 0 ? "UpdateRecords committed nothing" : "UpdateRecords committed") : ds === undefined ? "UpdateRecords created" : "UpdateRecords recreated"
    )
    this.datasets.set(`${identity}/${name}`, {
      exists: true,
      count,
      lastDeletionCount: ds?.lastDeletionCount ?? 0,
      records: next,
      lastModifiedBy: modifiedBy,
      creationDate: live ? ds.creationDate : this.now,
      lastModifiedDate: this.now
    })
    session.consumed = true
    return { ok: true, value: { Records: sortByKey(written) } }
  }

  metadata(identity: number, name: string, ds: ModelDataset) {
    let numRecords = 0
    let dataStorage = 0
    for (const [key, record] of ds.records) {
      if (record.value === null) continue
      numRecords++
      dataStorage += bytes(key) + bytes(record.value)
    }
    return {
      IdentityId: IDENTITIES[identity],
      DatasetName: name,
      CreationDate: ds.creationDate,
      LastModifiedDate: ds.lastModifiedDate,
      LastModifiedBy: ds.lastModifiedBy,
      DataStorage: dataStorage,
      NumRecords: numRecords
    }
  }

  delete(identity: number, name: string): Outcome {
    const ds = this.dataset(identity, name)
    if (ds === undefined || !ds.exists) {
      this.coverage.see("DeleteDataset: not found")
      return { ok: false, error: "ResourceNotFoundException" }
    }
    this.coverage.see("DeleteDataset: deleted")
    const answer: Outcome = { ok: true, value: { Dataset: this.metadata(identity, name, ds) } }
    ds.exists = false
    ds.lastDeletionCount = ds.count
    ds.records = new Map()
    ds.lastModifiedDate = this.now
    return answer
  }

  /** ListDatasets of an identity, in name order */
  existing(identity: number) {
    return datasetNames(identity).flatMap((name) => {
      const ds = this.dataset(identity, name)
      return ds?.exists === true ? [this.metadata(identity, name, ds)] : []
    }).sort((a, b) => (a.DatasetName < b.DatasetName ? -1 : 1))
  }
}

// ---------------------------------------------------------------------------------------------
// the simulated devices, talking to the real service

interface DeviceDataset {
  lastSyncCount: number
  token: string | undefined
  /** the sync count this device last saw for each key */
  readonly known: Map<string, number>
}

const newDevices = (): Array<Array<DeviceDataset>> =>
  Array.from({ length: DEVICES }, () =>
    Array.from({ length: 3 }, () => ({ lastSyncCount: 0, token: undefined, known: new Map<string, number>() })))

const normalRecord = (record: {
  readonly Key: string
  readonly Value?: string
  readonly SyncCount: number
  readonly LastModifiedBy: string
  readonly LastModifiedDate: Date
  readonly DeviceLastModifiedDate?: Date
}): NormalRecord => ({
  Key: record.Key,
  Value: record.Value ?? null,
  SyncCount: record.SyncCount,
  LastModifiedBy: record.LastModifiedBy,
  LastModifiedDate: record.LastModifiedDate.getTime(),
  DeviceLastModifiedDate: record.DeviceLastModifiedDate?.getTime() ?? null
})

/** The error in comparable form, with its message when the model predicts one. */
const failure = (error: { readonly _tag: string; readonly message: string }, predicted: Outcome): Outcome =>
  !predicted.ok && predicted.message !== undefined
    ? { ok: false, error: error._tag, message: error.message }
    : { ok: false, error: error._tag }

/** Asserts `actual` equals `expected`; the (costly) failure message is only built on a mismatch. */
const same = (actual: unknown, expected: unknown, where: () => string) => {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, where()).toEqual(expected)
}

const runProgram = (commands: ReadonlyArray<Command>, coverage: Coverage) =>
  Effect.gen(function*() {
    const pool = newPool()
    const sync = yield* CognitoSync.CognitoSync
    const model = new Model(yield* Clock.currentTimeMillis, coverage)
    const devices = newDevices()

    /** ListRecords through every page, checked against the model; the device applies what it pulled. */
    const pull = (cmd: Target, pullSpec: Pull, where: () => string) =>
      Effect.gen(function*() {
        const identity = identityOf(cmd.device)
        const name = datasetNames(identity)[cmd.dataset]!
        const local = devices[cmd.device]![cmd.dataset]!
        const caller = cmd.developer ? Caller.developer(ACCOUNT) : Caller.identity(pool, IDENTITIES[identity])
        const since = pullSpec.since === "local" ? local.lastSyncCount : pullSpec.since === "zero" ? 0 : pullSpec.since
        const token = pullSpec.passToken ? local.token : undefined
        const predicted = model.list(identity, name, since, token)
        const input = {
          IdentityPoolId: pool,
          IdentityId: IDENTITIES[identity],
          DatasetName: name,
          LastSyncCount: since,
          ...(pullSpec.maxResults === undefined ? {} : { MaxResults: pullSpec.maxResults }),
          ...(token === undefined ? {} : { SyncSessionToken: token })
        }
        const first = yield* Effect.either(sync.listRecords(input, caller))
        if (Either.isLeft(first)) {
          same(failure(first.left, predicted), predicted, where)
          if (first.left.message.startsWith("No such SyncCount")) local.lastSyncCount = 0
          else local.token = undefined
          return false
        }
        const pages = [first.right]
        while (pages[pages.length - 1]!.NextToken !== undefined) {
          if (pages.length >= 20) expect.unreachable(`${where()}: endless paging`)
          const { SyncSessionToken: _given, ...rest } = input
          pages.push(yield* sync.listRecords({ ...rest, NextToken: pages[pages.length - 1]!.NextToken! }, caller))
        }
        if (pages.length > 1) coverage.see("ListRecords: several pages")
        const head = first.right
        for (const page of pages) {
          same(page.Count, page.Records.length, () => `${where()}: Count is the page's size`)
          if (pullSpec.maxResults !== undefined && page.Records.length > pullSpec.maxResults) {
            expect(page.Records.length, `${where()}: page within MaxResults`).toBeLessThanOrEqual(pullSpec.maxResults)
          }
          same(
            [page.SyncSessionToken, page.DatasetSyncCount, page.DatasetExists, page.DatasetDeletedAfterRequestedSyncCount, page.LastModifiedBy, page.MergedDatasetNames],
            [head.SyncSessionToken, head.DatasetSyncCount, head.DatasetExists, head.DatasetDeletedAfterRequestedSyncCount, head.LastModifiedBy, head.MergedDatasetNames],
            () => `${where()}: every page repeats the listing's figures`
          )
        }
        if (head.SyncSessionToken.length === 0) expect.unreachable(`${where()}: empty SyncSessionToken`)
        const records = pages.flatMap((page) => page.Records.map(normalRecord))
        same(records.map((record) => record.Key), sortByKey(records).map((record) => record.Key), () => `${where()}: records in key order`)
        same({
          ok: true,
          value: {
            Records: records,
            DatasetSyncCount: head.DatasetSyncCount,
            DatasetExists: head.DatasetExists,
            DatasetDeletedAfterRequestedSyncCount: head.DatasetDeletedAfterRequestedSyncCount,
            LastModifiedBy: head.LastModifiedBy ?? null,
            MergedDatasetNames: head.MergedDatasetNames ?? null
          }
        }, predicted, where)
        model.listed(identity, name, token, head.SyncSessionToken)
        // as Android does: a dataset deleted since the last sync is purged locally
        if ((since !== 0 && !head.DatasetExists) || head.DatasetDeletedAfterRequestedSyncCount) local.known.clear()
        for (const record of records) local.known.set(record.Key, record.SyncCount)
        local.lastSyncCount = head.DatasetSyncCount
        local.token = head.SyncSessionToken
        return true
      })

    /** UpdateRecords with the patches the device makes of its specs, checked against the model. */
    const pushTo = (cmd: Target, pushSpec: Push, token: string, where: () => string) =>
      Effect.gen(function*() {
        const identity = identityOf(cmd.device)
        const name = datasetNames(identity)[cmd.dataset]!
        const local = devices[cmd.device]![cmd.dataset]!
        const caller = cmd.developer ? Caller.developer(ACCOUNT) : Caller.identity(pool, IDENTITIES[identity])
        const patches: Array<ModelPatch> = pushSpec.patches.map((spec, i) => {
          const key = KEYS[spec.key]!
          const known = local.known.get(key) ?? 0
          const syncCount = spec.count === "known"
            ? known
            : spec.count === "zero"
            ? 0
            : spec.count === "plus1"
            ? known + 1
            : Math.max(0, known - 1)
          const date = pushSpec.deviceDates ? START - 1000 * (i + 1) : undefined
          return { key, value: spec.op === "remove" ? null : VALUES[spec.value]!, syncCount, date }
        })
        const predicted = model.update(identity, name, token, patches, cmd.developer ? ACCOUNT : IDENTITIES[identity])
        const answer = yield* Effect.either(sync.updateRecords({
          IdentityPoolId: pool,
          IdentityId: IDENTITIES[identity],
          DatasetName: name,
          SyncSessionToken: token,
          RecordPatches: patches.map((patch) => ({
            Op: patch.value === null ? "remove" as const : "replace" as const,
            Key: patch.key,
            ...(patch.value === null ? {} : { Value: patch.value }),
            SyncCount: patch.syncCount,
            ...(patch.date === undefined ? {} : { DeviceLastModifiedDate: new Date(patch.date) })
          }))
        }, caller))
        if (Either.isLeft(answer)) {
          same(failure(answer.left, predicted), predicted, where)
          if (answer.left._tag === "InvalidParameterException") local.token = undefined
          return
        }
        same({ ok: true, value: { Records: sortByKey(answer.right.Records.map(normalRecord)) } }, predicted, where)
        // as the clients do: fast-forward the last sync count only when nobody wrote in between
        let newCount = 0
        for (const record of answer.right.Records) {
          local.known.set(record.Key, record.SyncCount)
          newCount = Math.max(newCount, record.SyncCount)
        }
        if (newCount === local.lastSyncCount + 1) local.lastSyncCount = newCount
      })

    for (const [step, cmd] of commands.entries()) {
      const where = () => `step ${step}: ${JSON.stringify(cmd)}`
      switch (cmd.tag) {
        case "wait": {
          yield* TestClock.adjust(cmd.seconds * 1000)
          model.now += cmd.seconds * 1000
          break
        }
        case "list": {
          yield* pull(cmd, cmd, where)
          break
        }
        case "sync": {
          const pulled = yield* pull(cmd, { since: "local", maxResults: cmd.maxResults, passToken: false }, () => `${where()} (pull)`)
          if (pulled) yield* pushTo(cmd, cmd, devices[cmd.device]![cmd.dataset]!.token!, () => `${where()} (push)`)
          break
        }
        case "update": {
          const local = devices[cmd.device]![cmd.dataset]!
          const token = cmd.token === "own"
            ? local.token ?? "no-token-yet"
            : cmd.token === "forged"
            ? `${local.token ?? "eyJmb3JnZWQiOnRydWV9"}x.Zm9yZ2Vk`
            : devices[cmd.token.device]![cmd.token.dataset]!.token ?? "no-token-yet"
          yield* pushTo(cmd, cmd, token, where)
          break
        }
        case "delete": {
          const identity = identityOf(cmd.device)
          const name = datasetNames(identity)[cmd.dataset]!
          const caller = cmd.developer ? Caller.developer(ACCOUNT) : Caller.identity(pool, IDENTITIES[identity])
          const predicted = model.delete(identity, name)
          const answer = yield* Effect.either(
            sync.deleteDataset({ IdentityPoolId: pool, IdentityId: IDENTITIES[identity], DatasetName: name }, caller)
          )
          if (Either.isLeft(answer)) {
            same(failure(answer.left, predicted), predicted, where)
            break
          }
          const deleted = answer.right.Dataset
          same({
            ok: true,
            value: {
              Dataset: {
                ...deleted,
                CreationDate: deleted.CreationDate.getTime(),
                LastModifiedDate: deleted.LastModifiedDate.getTime()
              }
            }
          }, predicted, where)
          const local = devices[cmd.device]![cmd.dataset]!
          local.known.clear()
          local.lastSyncCount = 0
          break
        }
      }
    }

    // at the end, the metadata of every identity agrees with the model too
    for (const identity of [0, 1]) {
      const listed = yield* sync.listDatasets({ IdentityPoolId: pool, IdentityId: IDENTITIES[identity] }, Caller.developer(ACCOUNT))
      same(
        listed.Datasets.map((ds) => ({ ...ds, CreationDate: ds.CreationDate.getTime(), LastModifiedDate: ds.LastModifiedDate.getTime() })),
        model.existing(identity),
        () => `ListDatasets of identity ${identity} after ${commands.length} steps`
      )
    }
  })

/** One service under a TestClock for all the runs; each run has a pool of its own. */
const service = ManagedRuntime.make(
  CognitoSync.layerMemory({ config: { tokenSecret: SECRET, tokenLifetime: LIFETIME, limits: LIMITS } }).pipe(
    Layer.provideMerge(TestContext.TestContext)
  )
)
afterAll(() => service.dispose())

/** Runs the property, then checks that the runs went through every situation the model knows. */
const property = async (
  commands: fc.Arbitrary<ReadonlyArray<Command>>,
  numRuns: number,
  expected: ReadonlyArray<readonly [situation: string, atLeast: number]>
) => {
  const coverage = new Coverage()
  await service.runPromise(TestClock.setTime(START))
  await fc.assert(fc.asyncProperty(commands, (program) => service.runPromise(runProgram(program, coverage))), { numRuns })
  const reached = Object.fromEntries(expected.map(([situation]) => [situation, coverage.counts.get(situation) ?? 0]))
  expect(
    expected.filter(([situation, atLeast]) => reached[situation]! < atLeast).map(([situation]) => situation),
    `situations reached too rarely: ${JSON.stringify(Object.fromEntries(coverage.counts))}`
  ).toEqual([])
}

describe("the sync protocol against a reference model", () => {
  it("random interleavings of ListRecords, UpdateRecords and DeleteDataset by several devices", async () => {
    // thresholds about a third of the least seen in trial runs, so that random seeds never trip them
    await property(fc.array(command, { minLength: 1, maxLength: 12 }), 2000, [
      ["UpdateRecords created", 1000],
      ["UpdateRecords committed", 150],
      ["UpdateRecords committed nothing", 80],
      ["UpdateRecords recreated", 4],
      ["UpdateRecords conflict", 200],
      ["UpdateRecords conflict on a tombstone", 10],
      ["UpdateRecords refused: token consumed", 50],
      ["UpdateRecords refused: token expired", 4],
      ["UpdateRecords refused: token unknown", 500],
      ["UpdateRecords refused: token other dataset", 20],
      ["UpdateRecords refused: datasets limit", 60],
      ["UpdateRecords refused: records limit", 4],
      ["UpdateRecords refused: records limit, by tombstones", 15],
      ["UpdateRecords refused: bytes limit", 30],
      ["UpdateRecords refused: bytes limit, by tombstone keys", 1],
      ["ListRecords continuing a session", 25],
      ["ListRecords refused: token consumed", 35],
      ["ListRecords refused: token expired", 2],
      ["ListRecords refused: no such sync count", 18],
      ["ListRecords: several pages", 25],
      ["ListRecords: tombstones", 50],
      ["ListRecords: merged datasets", 140],
      ["ListRecords: deleted before", 8],
      ["DeleteDataset: deleted", 50],
      ["DeleteDataset: not found", 200]
    ])
  }, 60_000)

  it("long histories of two devices of one identity on one dataset", async () => {
    const focused = command.map((cmd): Command =>
      cmd.tag === "wait"
        ? cmd
        : cmd.tag === "update" && typeof cmd.token === "object"
        ? { ...cmd, dataset: 0, device: cmd.device % 2 === 0 ? 0 : 2, token: { device: cmd.token.device % 2 === 0 ? 0 : 2, dataset: 0 } }
        : { ...cmd, dataset: 0, device: cmd.device % 2 === 0 ? 0 : 2 }
    )
    await property(fc.array(focused, { minLength: 10, maxLength: 32 }), 200, [
      ["UpdateRecords committed", 150],
      ["UpdateRecords conflict", 150],
      ["UpdateRecords conflict on a tombstone", 25],
      ["UpdateRecords recreated", 60],
      ["UpdateRecords refused: token consumed", 90],
      ["UpdateRecords refused: token expired", 10],
      ["UpdateRecords refused: records limit", 20],
      ["UpdateRecords refused: records limit, by tombstones", 40],
      ["UpdateRecords refused: bytes limit", 8],
      ["ListRecords refused: token consumed", 50],
      ["ListRecords refused: token expired", 3],
      ["ListRecords: deleted since", 25],
      ["ListRecords: deleted and recreated since", 12]
    ])
  }, 60_000)
})
