/**
 * BulkPublish: streams every dataset of a pool to its Cognito Stream, as a background job. One
 * job runs at a time, and a pool may succeed once per 24 hours.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Effect, Either, Exit, Schema } from "effect"
import { AlreadyStreamedException, DuplicateRequestException, InvalidParameterException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { PoolState } from "../SyncStore.js"
import { operation, type Services } from "../internal/operation.js"
import { streamingEnabled, streamRecords } from "../internal/streams.js"

/** @since 0.1.0 @category schemas */
export const BulkPublishInput = Schema.Struct({ IdentityPoolId: S.IdentityPoolId })
/** @since 0.1.0 @category models */
export type BulkPublishInput = typeof BulkPublishInput.Encoded

/** @since 0.1.0 @category models */
export interface BulkPublishOutput {
  readonly IdentityPoolId: string
}

const DAY = 24 * 60 * 60 * 1000

/** What GetBulkPublishDetails reports of a failure: one line, no stack. */
const failureMessage = (cause: Cause.Cause<unknown>): string => {
  if (Cause.isInterruptedOnly(cause)) return "The bulk publish was interrupted"
  const error = Cause.squash(cause)
  return `Publishing to the stream failed: ${error instanceof Error ? error.message : String(error)}`
}

const finish = (services: Services, identityPoolId: string, outcome: Either.Either<void, string>) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    services.pools.update(identityPoolId, (state) =>
      Either.right<PoolState>({
        ...state,
        bulkPublish: Either.isRight(outcome)
          ? { status: "SUCCEEDED", startTime: state.bulkPublish.startTime ?? now, completeTime: now }
          : { status: "FAILED", startTime: state.bulkPublish.startTime ?? now, failureMessage: outcome.left }
      })))

const publishAll = (services: Services, identityPoolId: string, pool: PoolState) =>
  Effect.gen(function*() {
    const refs = yield* services.store.poolDatasets(identityPoolId)
    for (const ref of refs) {
      const view = yield* services.store.readDataset(ref, { since: 0 })
      if (view.head?.exists !== true) continue
      yield* streamRecords(services, pool, {
        ref,
        operation: "replace",
        syncCount: view.head.syncCount,
        lastModifiedDate: view.head.lastModifiedDate,
        records: view.records
      })
    }
  })

// only the publishing is interruptible: an interrupted job (the service closing) still records
// its end, or the pool would stay IN_PROGRESS for good in a store that outlives the process
const job = (services: Services, identityPoolId: string, pool: PoolState) =>
  Effect.uninterruptibleMask((restore) =>
    restore(publishAll(services, identityPoolId, pool)).pipe(
      Effect.exit,
      Effect.flatMap((exit) =>
        finish(
          services,
          identityPoolId,
          Exit.isSuccess(exit)
            ? Either.right(undefined)
            : Either.left(failureMessage(exit.cause))
        )
      ),
      Effect.catchAllCause((cause) => Effect.logError("syncalite: recording the end of a bulk publish failed", cause))
    )
  )

/** @since 0.1.0 @category operations */
export const BulkPublish = operation({
  access: "developer",
  input: BulkPublishInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const pool = yield* services.pools.update(input.IdentityPoolId, (state): Either.Either<
        PoolState,
        InvalidParameterException | DuplicateRequestException | AlreadyStreamedException
      > => {
        if (!streamingEnabled(state)) {
          return Either.left(
            new InvalidParameterException({
              message: "Cognito Streams is not configured or not ENABLED for this identity pool; bulk publish needs it"
            })
          )
        }
        if (state.bulkPublish.status === "IN_PROGRESS") {
          return Either.left(new DuplicateRequestException({ message: "A bulk publish is already in progress" }))
        }
        if (
          state.bulkPublish.status === "SUCCEEDED" && state.bulkPublish.completeTime !== undefined &&
          now - state.bulkPublish.completeTime < DAY
        ) {
          return Either.left(
            new AlreadyStreamedException({ message: "A bulk publish succeeded for this identity pool in the last 24 hours" })
          )
        }
        return Either.right({ ...state, bulkPublish: { status: "IN_PROGRESS" as const, startTime: now } })
      })
      yield* Effect.forkIn(job(services, input.IdentityPoolId, pool), services.jobs)
      return { IdentityPoolId: input.IdentityPoolId } satisfies BulkPublishOutput
    })
})
