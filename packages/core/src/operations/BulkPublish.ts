/**
 * BulkPublish: streams every dataset of a pool to its Cognito Stream, as a background job. One
 * job runs at a time, and a pool may succeed once per 24 hours.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Either, Schema } from "effect"
import { AlreadyStreamedException, DuplicateRequestException, InvalidParameterException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { PoolState } from "../SyncStore.js"
import type { BulkJob } from "../StreamPublisher.js"
import { journalError } from "../internal/bulkPublish.js"
import { operation } from "../internal/operation.js"
import { streamingEnabled, streamName } from "../internal/poolConfiguration.js"

/** @since 0.1.0 @category schemas */
export const BulkPublishInput = Schema.Struct({ IdentityPoolId: S.IdentityPoolId })
/** @since 0.1.0 @category models */
export type BulkPublishInput = typeof BulkPublishInput.Encoded

/** @since 0.1.0 @category models */
export interface BulkPublishOutput {
  readonly IdentityPoolId: string
}

const DAY = 24 * 60 * 60 * 1000

const refusal = (
  state: PoolState,
  now: number
): InvalidParameterException | DuplicateRequestException | AlreadyStreamedException | undefined => {
  if (!streamingEnabled(state)) {
    return new InvalidParameterException({
      message: "Cognito Streams is not configured or not ENABLED for this identity pool; bulk publish needs it"
    })
  }
  if (state.bulkPublish.status === "IN_PROGRESS") {
    return new DuplicateRequestException({ message: "A bulk publish is already in progress" })
  }
  if (
    state.bulkPublish.status === "SUCCEEDED" && state.bulkPublish.completeTime !== undefined &&
    now - state.bulkPublish.completeTime < DAY
  ) {
    return new AlreadyStreamedException({ message: "A bulk publish succeeded for this identity pool in the last 24 hours" })
  }
  return undefined
}

/** @since 0.1.0 @category operations */
export const BulkPublish = operation({
  access: "developer",
  input: BulkPublishInput,
  run: ({ bulk, pools, store }, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const before = yield* store.readPool(input.IdentityPoolId)
      const early = refusal(before, now)
      if (early !== undefined) return yield* Effect.fail(early)
      // on the journal's list before the pool says IN_PROGRESS, so that a job whose process stops
      // in between is still found and taken over
      const opened: BulkJob = { identityPoolId: input.IdentityPoolId, startTime: now, streamName: streamName(before) }
      yield* Effect.mapError(bulk.journal.open(opened), journalError)
      const pool = yield* pools.update(input.IdentityPoolId, (state) => {
        const refused = refusal(state, now)
        return refused === undefined
          ? Either.right<PoolState>({ ...state, bulkPublish: { status: "IN_PROGRESS", startTime: now } })
          : Either.left(refused)
      }).pipe(Effect.tapError(() => Effect.ignore(bulk.journal.close(opened))))
      const job: BulkJob = { ...opened, streamName: streamName(pool) }
      if (job.streamName !== opened.streamName) {
        yield* Effect.ignore(bulk.journal.close(opened))
        yield* Effect.mapError(bulk.journal.open(job), journalError)
      }
      yield* bulk.start(job)
      return { IdentityPoolId: input.IdentityPoolId } satisfies BulkPublishOutput
    })
})
