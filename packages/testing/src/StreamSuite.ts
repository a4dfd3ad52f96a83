/**
 * The Cognito Streams conformance suite: every `StreamPublisher` adapter proves itself by running
 * it with one call. It builds the service over the adapter's store and publisher and checks what
 * reaches the stream: the SPEC B §9 record of every successful write while streaming is ENABLED,
 * none while it is DISABLED and none for a write that is refused or fails; and the bulk publish
 * state machine (NOT_STARTED, IN_PROGRESS, SUCCEEDED or FAILED, DuplicateRequestException,
 * AlreadyStreamedException for 24 hours after a success), one record per dataset a job, and,
 * where jobs outlive a process, a job taken over by another instance after its holder stopped.
 *
 * Each test works on fresh random pools, identities and stream names, so a backend may be shared
 * between tests and runs.
 *
 * @example
 * ```ts
 * import { StreamSuite } from "@syncalite/testing"
 *
 * StreamSuite.run("my publisher", {
 *   make: async () => ({ store, publisher, read: (streamName) => readAll(streamName) }),
 *   capabilities: { crossProcess: true }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Cause, Clock, Context, Effect, Exit, Layer, Logger, Scope } from "effect"
import { describe, expect, it } from "vitest"
import {
  Caller,
  CognitoSync,
  CognitoSyncConfig,
  PushNotifier,
  StreamPublisher,
  SyncStore,
  SyncTrigger
} from "@syncalite/core"
import { acquireInstance } from "./internal/instances.js"

type StreamRecord = StreamPublisher.StreamRecord

/**
 * What an adapter can do beyond the contract every publisher meets.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /**
   * Two instances from two calls of `make` share the store, the streams and the bulk publish
   * journal, as two processes over one backend would: where the journal is durable, the suite
   * stops a job in one and checks that the other takes it over.
   */
  readonly crossProcess?: boolean
}

/**
 * One instance: a store, the publisher under test, and how to read back a stream.
 *
 * @since 0.1.0
 * @category models
 */
export interface Instance {
  readonly store: SyncStore.SyncStoreShape
  readonly publisher: StreamPublisher.StreamPublisherShape
  /** every record appended to the stream so far, oldest first */
  readonly read: (streamName: string) => Effect.Effect<ReadonlyArray<StreamRecord>, unknown>
  readonly close?: () => Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly make: () => Promise<Instance>
  readonly capabilities?: Capabilities
  /** the timeout of each test in milliseconds; 30 000 by default */
  readonly timeout?: number
}

const tokenSecret = "stream-suite-secret-0123456789abcdef"
const developer = Caller.developer("123456789012")
const throwingArn = "arn:aws:lambda:us-east-1:123456789012:function:refuses"
const DAY = 24 * 60 * 60 * 1000

const newId = (): string => `us-east-1:${randomUUID()}`

/** The real clock, `offset.ms` ahead: what the service reads of time moves, its sleeps stay real. */
const shiftedClock = (offset: { ms: number }): Clock.Clock => {
  const real = Clock.make()
  const millis = () => real.unsafeCurrentTimeMillis() + offset.ms
  const nanos = () => real.unsafeCurrentTimeNanos() + BigInt(offset.ms) * 1_000_000n
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    unsafeCurrentTimeNanos: nanos,
    currentTimeMillis: Effect.sync(millis),
    currentTimeNanos: Effect.sync(nanos),
    sleep: real.sleep
  }
}

/** How the suite holds the bulk publish of a test: appends pass, wait, or fail. */
interface Valve {
  mode: "open" | "held" | "failing"
  /** calls of the journal's append let through while held, before the valve closes */
  allowance: number
  /** calls of the journal's append that went through */
  appends: number
  readonly waiters: Set<() => void>
}

const newValve = (): Valve => ({ mode: "open", allowance: 0, appends: 0, waiters: new Set() })

const release = (valve: Valve) => {
  valve.mode = "open"
  for (const wake of valve.waiters) wake()
  valve.waiters.clear()
}

/** The instance's journal (or the one the service makes without one) behind the valve. */
const throughValve = (publisher: StreamPublisher.StreamPublisherShape, valve: Valve): StreamPublisher.StreamPublisherShape => {
  const journal = publisher.bulk ?? StreamPublisher.memoryJournal(publisher.publish)
  const pass: Effect.Effect<void, Error> = Effect.suspend(() => {
    if (valve.mode === "failing") return Effect.fail(new Error("the stream refused the record"))
    if (valve.mode === "open" || valve.allowance > 0) {
      if (valve.mode === "held") valve.allowance--
      return Effect.void
    }
    return Effect.zipRight(Effect.async<void>((resume) => void valve.waiters.add(() => resume(Effect.void))), pass)
  })
  return {
    ...publisher,
    bulk: {
      ...journal,
      append: (job, entries) =>
        pass.pipe(
          Effect.zipRight(journal.append(job, entries)),
          Effect.tap(() => void valve.appends++)
        )
    }
  }
}

interface Env {
  /** a new service, in `scope` or the test's, over the test's first instance or (`second`) another */
  readonly service: (options?: {
    readonly second?: boolean
    readonly limits?: Partial<CognitoSyncConfig.Limits>
    readonly scope?: Scope.Scope
  }) => Effect.Effect<CognitoSync.CognitoSyncShape, unknown, Scope.Scope>
  readonly read: Instance["read"]
  /** whether the instances' bulk publish journal outlives a process */
  readonly durable: boolean
  readonly valve: Valve
  readonly logs: Array<string>
  /** how far ahead of real time the services' clock runs */
  readonly clock: { ms: number }
}

const acquire = (make: Options["make"]): Effect.Effect<Instance, unknown, Scope.Scope> => acquireInstance(make)

/** Runs a test body with its environment: instances made lazily, released with the test. */
const runBody = (options: Options, body: (env: Env) => Effect.Effect<void, unknown, Scope.Scope>) => async () => {
  const logs: Array<string> = []
  const clock = { ms: 0 }
  const logger = Logger.make(({ message }) => {
    logs.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
  })
  const program = Effect.gen(function*() {
    const first = yield* acquire(options.make)
    let second: Instance | undefined
    const valve = newValve()
    const env: Env = {
      service: (choice = {}) =>
        Effect.gen(function*() {
          const instance = choice.second === true ? (second ??= yield* acquire(options.make)) : first
          const ports = Layer.mergeAll(
            Layer.succeed(SyncStore.SyncStore, instance.store),
            Layer.succeed(StreamPublisher.StreamPublisher, throughValve(instance.publisher, valve)),
            PushNotifier.layerNoop,
            SyncTrigger.layerFunctions({
              [throwingArn]: () => {
                throw new Error("the trigger refuses every write")
              }
            })
          ).pipe(Layer.provideMerge(CognitoSyncConfig.layer({
            tokenSecret,
            ...(choice.limits === undefined ? {} : { limits: choice.limits })
          })))
          const scope = choice.scope ?? (yield* Effect.scope)
          const context = yield* Layer.buildWithScope(CognitoSync.layer.pipe(Layer.provide(ports)), scope)
          return Context.get(context, CognitoSync.CognitoSync)
        }),
      read: first.read,
      durable: first.publisher.bulk?.durable === true,
      valve,
      logs,
      clock
    }
    yield* body(env)
  })
  const exit = await Effect.runPromiseExit(
    program.pipe(
      Effect.scoped,
      Effect.withClock(shiftedClock(clock)),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    )
  )
  if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
}

/** A pool with streaming configured, its stream named at random. */
const configure = (sync: CognitoSync.CognitoSyncShape, identityPoolId: string, status: "ENABLED" | "DISABLED" = "ENABLED") => {
  const StreamName = `stream-suite-${randomUUID()}`
  return Effect.as(
    sync.setIdentityPoolConfiguration({ IdentityPoolId: identityPoolId, CognitoStreams: { StreamName, StreamingStatus: status } }, developer),
    StreamName
  )
}

const setStatus = (sync: CognitoSync.CognitoSyncShape, identityPoolId: string, StreamName: string, StreamingStatus: "ENABLED" | "DISABLED") =>
  sync.setIdentityPoolConfiguration({ IdentityPoolId: identityPoolId, CognitoStreams: { StreamName, StreamingStatus } }, developer)

type Patch = {
  readonly Op: "replace" | "remove"
  readonly Key: string
  readonly Value?: string
  readonly SyncCount: number
  readonly DeviceLastModifiedDate?: Date
}

/** ListRecords then UpdateRecords of the patches, by the identity itself unless `caller` is given. */
const write = (
  sync: CognitoSync.CognitoSyncShape,
  ref: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string },
  patches: ReadonlyArray<Patch>,
  caller: Caller.Caller = Caller.identity(ref.IdentityPoolId, ref.IdentityId)
) =>
  Effect.gen(function*() {
    const { SyncSessionToken } = yield* sync.listRecords(ref, caller)
    return yield* sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: patches }, caller)
  })

/** Polls GetBulkPublishDetails until the run is over or `within` ms have passed. */
const settled = (sync: CognitoSync.CognitoSyncShape, IdentityPoolId: string, within: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + within
    for (;;) {
      const details = yield* sync.getBulkPublishDetails({ IdentityPoolId }, developer)
      if (details.BulkPublishStatus !== "IN_PROGRESS" || Date.now() > deadline) return details
      yield* Effect.sleep(20)
    }
  })

/** The stream records of a dataset as written: every record, operation replace. */
const expectedRecord = (
  ref: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string },
  records: ReadonlyArray<{ readonly Key: string; readonly Value?: string | null; readonly SyncCount: number; readonly LastModifiedDate: Date; readonly DeviceLastModifiedDate?: Date }>,
  syncCount: number
): StreamRecord => ({
  identityPoolId: ref.IdentityPoolId,
  identityId: ref.IdentityId,
  datasetName: ref.DatasetName,
  operation: "replace",
  kinesisSyncRecords: records.map((record) => ({
    key: record.Key,
    value: record.Value ?? null,
    syncCount: record.SyncCount,
    lastModifiedDate: record.LastModifiedDate.getTime(),
    deviceLastModifiedDate: record.DeviceLastModifiedDate?.getTime() ?? null,
    op: record.Value === null || record.Value === undefined ? "remove" : "replace"
  })),
  kinesisSyncRecordsURL: null,
  lastModifiedDate: Math.max(...records.map((record) => record.LastModifiedDate.getTime())),
  payloadType: "Inline",
  syncCount
})

const byDataset = (a: StreamRecord, b: StreamRecord) =>
  `${a.identityId}/${a.datasetName}` < `${b.identityId}/${b.datasetName}` ? -1 : 1

/**
 * Registers the suite's tests for one adapter.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = (name: string, options: Options): void => {
  const timeout = options.timeout ?? 30_000
  const test = (title: string, body: (env: Env) => Effect.Effect<void, unknown, Scope.Scope>) =>
    it(title, runBody(options, body), timeout)

  describe(`StreamSuite: ${name}`, () => {
    describe("stream records (SPEC B §9)", () => {
      test("a successful UpdateRecords while ENABLED appends one record, its dates in epoch milliseconds", (env) =>
        Effect.gen(function*() {
          const sync = yield* env.service()
          const pool = newId()
          const ref = { IdentityPoolId: pool, IdentityId: newId(), DatasetName: "settings" }
          const stream = yield* configure(sync, pool)
          const device = new Date(1424801800123)
          const first = yield* write(sync, ref, [
            { Op: "replace", Key: "k1", Value: "v1", SyncCount: 0, DeviceLastModifiedDate: device },
            { Op: "replace", Key: "k2", Value: "v2", SyncCount: 0 }
          ])
          expect(yield* env.read(stream)).toEqual([expectedRecord(ref, first.Records, 1)])
          const second = yield* write(sync, ref, [{ Op: "remove", Key: "k1", SyncCount: 1 }], developer)
          const all = yield* env.read(stream)
          expect(all).toHaveLength(2)
          expect(all[1]).toEqual(expectedRecord(ref, second.Records, 2))
          expect(all[1]!.kinesisSyncRecords![0]!.op).toBe("remove")
          expect(Number.isInteger(all[1]!.lastModifiedDate)).toBe(true)
        }))

      test("nothing is appended while DISABLED or unconfigured, nor for a conflicting, refused or failed write", (env) =>
        Effect.gen(function*() {
          const sync = yield* env.service({ limits: { recordsPerDataset: 2 } })
          const pool = newId()
          const ref = { IdentityPoolId: pool, IdentityId: newId(), DatasetName: "d" }
          yield* write(sync, ref, [{ Op: "replace", Key: "k", Value: "unconfigured", SyncCount: 0 }])
          const stream = yield* configure(sync, pool, "DISABLED")
          yield* write(sync, ref, [{ Op: "replace", Key: "k", Value: "disabled", SyncCount: 1 }])
          expect(yield* env.read(stream)).toEqual([])

          yield* setStatus(sync, pool, stream, "ENABLED")
          const conflict = yield* Effect.flip(write(sync, ref, [{ Op: "replace", Key: "k", Value: "stale", SyncCount: 1 }]))
          expect(conflict._tag).toBe("ResourceConflictException")
          const limit = yield* Effect.flip(write(sync, ref, [
            { Op: "replace", Key: "a", Value: "1", SyncCount: 0 },
            { Op: "replace", Key: "b", Value: "2", SyncCount: 0 }
          ]))
          expect(limit._tag).toBe("LimitExceededException")
          yield* sync.setCognitoEvents({ IdentityPoolId: pool, Events: { SyncTrigger: throwingArn } }, developer)
          const failed = yield* Effect.flip(write(sync, ref, [{ Op: "replace", Key: "k", Value: "refused", SyncCount: 2 }]))
          expect(failed._tag).toBe("InvalidLambdaFunctionOutputException")
          expect(yield* env.read(stream)).toEqual([])

          // the trigger runs for identity callers only: a developer's write goes through
          const written = yield* write(sync, ref, [{ Op: "replace", Key: "k", Value: "enabled", SyncCount: 2 }], developer)
          expect(yield* env.read(stream)).toEqual([expectedRecord(ref, written.Records, 3)])
          yield* setStatus(sync, pool, stream, "DISABLED")
          yield* write(sync, ref, [{ Op: "replace", Key: "k", Value: "disabled again", SyncCount: 3 }], developer)
          expect(yield* env.read(stream)).toHaveLength(1)
        }))

      test("a DeleteDataset appends operation remove with no records", (env) =>
        Effect.gen(function*() {
          const sync = yield* env.service()
          const pool = newId()
          const ref = { IdentityPoolId: pool, IdentityId: newId(), DatasetName: "d" }
          const stream = yield* configure(sync, pool)
          yield* write(sync, ref, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }])
          const deleted = yield* sync.deleteDataset(ref, developer)
          const all = yield* env.read(stream)
          expect(all).toHaveLength(2)
          expect(all[1]).toEqual({
            identityPoolId: pool,
            identityId: ref.IdentityId,
            datasetName: "d",
            operation: "remove",
            kinesisSyncRecords: null,
            kinesisSyncRecordsURL: null,
            lastModifiedDate: expect.any(Number),
            payloadType: "Inline",
            syncCount: 1
          })
          expect(all[1]!.lastModifiedDate).toBeGreaterThanOrEqual(deleted.Dataset!.LastModifiedDate!.getTime())
        }))

      test("writers racing on many datasets append one record per successful write", (env) =>
        Effect.gen(function*() {
          const first = yield* env.service()
          const others = options.capabilities?.crossProcess === true ? yield* env.service({ second: true }) : first
          const pool = newId()
          const stream = yield* configure(first, pool)
          const refs = Array.from({ length: 8 }, (_, i) => ({ IdentityPoolId: pool, IdentityId: newId(), DatasetName: `d${i}` }))
          // two writers per dataset, each from a count of 0: one of them conflicts, unless it comes second
          const outcomes = yield* Effect.forEach(
            refs.flatMap((ref, i) => [[first, ref, `a${i}`], [others, ref, `b${i}`]] as const),
            ([sync, ref, value]) => Effect.either(write(sync, ref, [{ Op: "replace", Key: "k", Value: value, SyncCount: 0 }])),
            { concurrency: "unbounded" }
          )
          const succeeded = outcomes.filter((outcome) => outcome._tag === "Right")
          // the second writer of a dataset finds its key at count 1 and conflicts
          expect(succeeded).toHaveLength(refs.length)
          const all = yield* env.read(stream)
          expect(all).toHaveLength(succeeded.length)
          expect(new Set(all.map((record) => record.kinesisSyncRecords![0]!.value))).toEqual(
            new Set(succeeded.map((outcome) => outcome._tag === "Right" ? outcome.right.Records[0]!.Value : undefined))
          )
        }))
    })

    describe("bulk publish", () => {
      /** A pool with `count` datasets over several identities (ten at most each), and one deleted dataset. */
      const populated = (sync: CognitoSync.CognitoSyncShape, count: number) =>
        Effect.gen(function*() {
          const pool = newId()
          const identities = Array.from({ length: Math.max(2, Math.ceil(count / 10)) }, newId)
          const written: Array<StreamRecord> = []
          for (let i = 0; i < count; i++) {
            const ref = { IdentityPoolId: pool, IdentityId: identities[i % identities.length]!, DatasetName: `d${i}` }
            const out = yield* write(sync, ref, [
              { Op: "replace", Key: "a", Value: `a${i}`, SyncCount: 0 },
              { Op: "replace", Key: "b", Value: `b${i}`, SyncCount: 0 }
            ], developer)
            written.push(expectedRecord(ref, out.Records, 1))
          }
          const gone = { IdentityPoolId: pool, IdentityId: identities[0]!, DatasetName: "gone" }
          yield* write(sync, gone, [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }], developer)
          yield* sync.deleteDataset(gone, developer)
          return { pool, written: written.sort(byDataset) }
        })

      test("NOT_STARTED, refused while streaming is not ENABLED, then IN_PROGRESS, DuplicateRequestException, SUCCEEDED with one record per dataset", (env) =>
        Effect.gen(function*() {
          const sync = yield* env.service()
          const { pool, written } = yield* populated(sync, 5)
          expect(yield* sync.getBulkPublishDetails({ IdentityPoolId: pool }, developer)).toEqual({
            IdentityPoolId: pool,
            BulkPublishStatus: "NOT_STARTED"
          })
          expect((yield* Effect.flip(sync.bulkPublish({ IdentityPoolId: pool }, developer)))._tag).toBe("InvalidParameterException")
          const stream = yield* configure(sync, pool, "DISABLED")
          expect((yield* Effect.flip(sync.bulkPublish({ IdentityPoolId: pool }, developer)))._tag).toBe("InvalidParameterException")
          yield* setStatus(sync, pool, stream, "ENABLED")

          env.valve.mode = "held"
          const before = Date.now() + env.clock.ms
          expect(yield* sync.bulkPublish({ IdentityPoolId: pool }, developer)).toEqual({ IdentityPoolId: pool })
          const running = yield* sync.getBulkPublishDetails({ IdentityPoolId: pool }, developer)
          expect(running.BulkPublishStatus).toBe("IN_PROGRESS")
          expect(running.BulkPublishStartTime!.getTime()).toBeGreaterThanOrEqual(before)
          expect(running.BulkPublishCompleteTime).toBeUndefined()
          expect((yield* Effect.flip(sync.bulkPublish({ IdentityPoolId: pool }, developer)))._tag).toBe("DuplicateRequestException")

          release(env.valve)
          const done = yield* settled(sync, pool, timeout / 2)
          expect(done.BulkPublishStatus).toBe("SUCCEEDED")
          expect(done.BulkPublishStartTime).toEqual(running.BulkPublishStartTime)
          expect(done.BulkPublishCompleteTime!.getTime()).toBeGreaterThanOrEqual(running.BulkPublishStartTime!.getTime())
          expect([...(yield* env.read(stream))].sort(byDataset)).toEqual(written)
          expect(env.logs).toContain(`bulk publish ${pool}: 5 of 5 datasets`)
        }))

      test("AlreadyStreamedException for 24 hours after a success, then a new run appends every dataset again", (env) =>
        Effect.gen(function*() {
          const sync = yield* env.service()
          const { pool, written } = yield* populated(sync, 3)
          const stream = yield* configure(sync, pool)
          yield* sync.bulkPublish({ IdentityPoolId: pool }, developer)
          expect((yield* settled(sync, pool, timeout / 3)).BulkPublishStatus).toBe("SUCCEEDED")
          const refused = yield* Effect.flip(sync.bulkPublish({ IdentityPoolId: pool }, developer))
          expect(refused._tag).toBe("AlreadyStreamedException")
          env.clock.ms += DAY - 60_000
          expect((yield* Effect.flip(sync.bulkPublish({ IdentityPoolId: pool }, developer)))._tag).toBe("AlreadyStreamedException")
          env.clock.ms += 61_000
          expect(yield* sync.bulkPublish({ IdentityPoolId: pool }, developer)).toEqual({ IdentityPoolId: pool })
          expect((yield* settled(sync, pool, timeout / 3)).BulkPublishStatus).toBe("SUCCEEDED")
          expect([...(yield* env.read(stream))].sort(byDataset)).toEqual([...written, ...written].sort(byDataset))
        }))

      test("a run whose records the stream refuses is FAILED with a FailureMessage, and may run again at once", (env) =>
        Effect.gen(function*() {
          const sync = yield* env.service()
          const { pool, written } = yield* populated(sync, 2)
          const stream = yield* configure(sync, pool)
          env.valve.mode = "failing"
          yield* sync.bulkPublish({ IdentityPoolId: pool }, developer)
          const failed = yield* settled(sync, pool, timeout / 3)
          expect(failed.BulkPublishStatus).toBe("FAILED")
          expect(failed.FailureMessage).toMatch(/refused the record/)
          expect(failed.BulkPublishCompleteTime).toBeUndefined()
          expect(yield* env.read(stream)).toEqual([])
          env.valve.mode = "open"
          yield* sync.bulkPublish({ IdentityPoolId: pool }, developer)
          expect((yield* settled(sync, pool, timeout / 3)).BulkPublishStatus).toBe("SUCCEEDED")
          expect([...(yield* env.read(stream))].sort(byDataset)).toEqual(written)
        }))

      if (options.capabilities?.crossProcess === true) {
        test("a job whose process stops is taken over by another, which appends only the datasets not yet appended", (env) =>
          Effect.gen(function*() {
            const scope = yield* Scope.make()
            const stopping = yield* env.service({ scope })
            // more datasets than a job appends with one call, so that it stops between two calls
            const { pool, written } = yield* populated(stopping, 300)
            const stream = yield* configure(stopping, pool)
            env.valve.mode = "held"
            env.valve.allowance = 1
            yield* stopping.bulkPublish({ IdentityPoolId: pool }, developer)
            for (let i = 0; i < 500 && env.valve.appends < 1; i++) yield* Effect.sleep(10)
            expect(env.valve.appends).toBe(1)
            const appendedBefore = (yield* env.read(stream)).length
            expect(appendedBefore).toBeGreaterThan(0)
            expect(appendedBefore).toBeLessThan(written.length)
            yield* Scope.close(scope, Exit.void)
            const other = yield* env.service({ second: true })
            const details = yield* other.getBulkPublishDetails({ IdentityPoolId: pool }, developer)
            if (!env.durable) {
              // a journal that does not outlive its process records the stopped job as FAILED
              expect(details.BulkPublishStatus).toBe("FAILED")
              expect(details.FailureMessage).toMatch(/interrupted/)
              return
            }
            expect(details.BulkPublishStatus).toBe("IN_PROGRESS")
            release(env.valve)
            const done = yield* settled(other, pool, timeout * 2 / 3)
            expect(done.BulkPublishStatus).toBe("SUCCEEDED")
            expect([...(yield* env.read(stream))].sort(byDataset)).toEqual(written)
          }))
      }
    })
  })
}
