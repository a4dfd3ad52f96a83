/**
 * Bulk publish jobs. A job runs in the process that holds its lease in the stream publisher's
 * journal and renews it while it runs; the journal appends each dataset once per job, so a job
 * taken over or restarted goes through every dataset again but appends only those it had not.
 * Where the journal is durable, every process looks for jobs whose holder stopped, once per lease.
 */
import { randomUUID } from "node:crypto"
import { Cause, Clock, Data, Effect, Either, Exit, Option, type Scope } from "effect"
import type { BulkDataset, BulkEntry, BulkJob, BulkJournal, StreamPublisherShape } from "../StreamPublisher.js"
import { type DatasetContent, type DatasetRef, type PoolState, StorageError, type SyncStoreShape } from "./storeModel.js"
import { encodeInline, offloadEncoded } from "../StreamPublisher.js"
import { streamingEnabled } from "./poolConfiguration.js"

/** How many datasets a job reads together, then appends with one call. */
const BATCH = 128
/** How many batches a job works on at once. */
const BATCHES = 8
/** A job logs its progress every this many datasets. */
const LOG_EVERY = 1000

export interface BulkRunner {
  readonly journal: BulkJournal
  /** runs the job in this process, unless it runs here already or another process holds its lease */
  readonly start: (job: BulkJob) => Effect.Effect<void>
}

class LeaseLost extends Data.TaggedError("LeaseLost")<{}> {}

const isCurrent = (state: PoolState, job: BulkJob): boolean =>
  state.bulkPublish.status === "IN_PROGRESS" && state.bulkPublish.startTime === job.startTime

/** What GetBulkPublishDetails reports of a failure: one line, no stack. */
const failureMessage = (cause: Cause.Cause<unknown>): string => {
  if (Cause.isInterruptedOnly(cause)) return "The bulk publish was interrupted"
  const error = Cause.squash(cause)
  return `Publishing to the stream failed: ${error instanceof Error ? error.message : String(error)}`
}

/** A journal's failure, reported as the storage fault it is. */
export const journalError = (cause: unknown): StorageError =>
  cause instanceof StorageError ? cause : new StorageError({ message: "The bulk publish journal failed", cause })

const progress = (job: BulkJob, done: number, total: number) =>
  Effect.logInfo(`bulk publish ${job.identityPoolId}: ${done} of ${total} datasets`)

export const makeBulkRunner = (
  services: { readonly store: SyncStoreShape; readonly stream: StreamPublisherShape; readonly jobs: Scope.Scope },
  journal: BulkJournal
): Effect.Effect<BulkRunner> =>
  Effect.gen(function*() {
    const { store } = services
    const holder = randomUUID()
    const here = new Set<string>()
    const idOf = (job: BulkJob) => `${job.identityPoolId}\n${job.startTime}`

    /** Records the end of the job in the pool, unless the pool moved on to another run. */
    const finish = (job: BulkJob, outcome: Either.Either<void, string>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        store.updatePool(job.identityPoolId, (state) =>
          Either.right<PoolState>(
            !isCurrent(state, job) ? state : {
              ...state,
              bulkPublish: Either.isRight(outcome)
                ? { status: "SUCCEEDED", startTime: job.startTime, completeTime: now }
                : { status: "FAILED", startTime: job.startTime, failureMessage: outcome.left }
            }
          )))

    const bulkDataset = (content: DatasetContent | undefined): BulkDataset | undefined =>
      content && { syncCount: content.head.syncCount, lastModifiedDate: content.head.lastModifiedDate, records: content.records }

    /** Datasets as they stand, undefined for one deleted meanwhile: by the journal where it can, together where the store can. */
    const readDatasets = journal.read ?? (store.readDatasets === undefined
      ? (refs: ReadonlyArray<DatasetRef>) =>
        Effect.forEach(refs, (ref) =>
          Effect.map(store.readDataset(ref, { since: 0 }), (view) =>
            view.head?.exists === true ? bulkDataset({ head: view.head, records: view.records }) : undefined), { concurrency: "unbounded" })
      : (refs: ReadonlyArray<DatasetRef>) => Effect.map(store.readDatasets!(refs), (contents) => contents.map(bulkDataset)))

    /** The records of a batch of datasets, those deleted meanwhile left out: only those over 1 MB wait for an offload. */
    const entriesOf = (refs: ReadonlyArray<DatasetRef>) =>
      Effect.flatMap(readDatasets(refs), (contents) => {
        const entries: Array<BulkEntry> = []
        const offloads: Array<Effect.Effect<void, unknown>> = []
        contents.forEach((content, i) => {
          if (content === undefined) return
          const ref = refs[i]!
          const dataset = `${ref.identityId}/${ref.datasetName}`
          const { fits, json, record } = encodeInline({
            ref,
            operation: "replace",
            syncCount: content.syncCount,
            lastModifiedDate: content.lastModifiedDate,
            records: content.records
          })
          const at = entries.push({ dataset, record, json }) - 1
          if (!fits) {
            offloads.push(Effect.map(offloadEncoded(services.stream, record), (offloaded) => void (entries[at] = { dataset, ...offloaded })))
          }
        })
        return offloads.length === 0 ? Effect.succeed(entries) : Effect.as(Effect.all(offloads, { discard: true }), entries)
      })

    // datasets are read BATCH at a time and appended with one call of the journal, BATCHES at once
    const publishAll = (job: BulkJob) =>
      Effect.gen(function*() {
        const refs = yield* store.poolDatasets(job.identityPoolId)
        const total = refs.length
        const batches = Array.from({ length: Math.ceil(total / BATCH) }, (_, i) => refs.slice(i * BATCH, (i + 1) * BATCH))
        let done = 0
        yield* Effect.forEach(batches, (batch) =>
          Effect.gen(function*() {
            yield* journal.append(job, yield* entriesOf(batch))
            const before = done
            done += batch.length
            if (Math.floor(done / LOG_EVERY) > Math.floor(before / LOG_EVERY) && done < total) yield* progress(job, done, total)
          }), { concurrency: BATCHES, discard: true })
        yield* progress(job, total, total)
      })

    /** Renews the lease a third of its length before it ends; fails when another process took it. */
    const keepLease = (job: BulkJob) =>
      Effect.sleep(journal.leaseMillis / 3).pipe(
        Effect.zipRight(journal.lease(job, holder)),
        Effect.flatMap((held) => held ? Effect.void : Effect.fail(new LeaseLost())),
        Effect.forever
      )

    // only the publishing is interruptible: the end of a job is recorded whatever happens to it,
    // but where the journal outlives the process an interrupted job is left to be taken over
    const run = (job: BulkJob) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          if (!(yield* journal.lease(job, holder))) return
          const state = yield* store.readPool(job.identityPoolId)
          if (!isCurrent(state, job)) {
            const now = yield* Clock.currentTimeMillis
            // a job opened by a BulkPublish that was refused, or that stopped before it recorded its start
            if (now - job.startTime > journal.leaseMillis) yield* journal.close(job)
            return
          }
          const exit = yield* Effect.exit(restore(
            streamingEnabled(state)
              ? Effect.raceFirst(publishAll(job), keepLease(job))
              : Effect.fail(new Error("Cognito Streams is no longer ENABLED for this identity pool"))
          ))
          if (Exit.isFailure(exit)) {
            if (Option.exists(Cause.failureOption(exit.cause), (error) => error instanceof LeaseLost)) {
              return yield* Effect.logWarning(`bulk publish ${job.identityPoolId}: another process took the job over`)
            }
            if (journal.durable && Cause.isInterruptedOnly(exit.cause)) return
          }
          yield* finish(job, Exit.isSuccess(exit) ? Either.right(undefined) : Either.left(failureMessage(exit.cause)))
          yield* journal.close(job)
        })
      ).pipe(
        Effect.catchAllCause((cause) => Effect.logError(`bulk publish ${job.identityPoolId}: the job could not run`, cause))
      )

    const start = (job: BulkJob): Effect.Effect<void> =>
      Effect.suspend(() => {
        const id = idOf(job)
        if (here.has(id)) return Effect.void
        here.add(id)
        return Effect.asVoid(Effect.forkIn(Effect.ensuring(run(job), Effect.sync(() => here.delete(id))), services.jobs))
      })

    if (journal.durable) {
      const resume = journal.jobs.pipe(
        Effect.flatMap((jobs) => Effect.forEach(jobs, start, { discard: true })),
        Effect.catchAllCause((cause) => Effect.logWarning("syncalite: looking for bulk publish jobs to resume failed", cause))
      )
      yield* Effect.forkIn(Effect.forever(Effect.zipRight(resume, Effect.sleep(journal.leaseMillis))), services.jobs)
    }
    return { journal, start }
  })
