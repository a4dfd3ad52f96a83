import { Effect, type Schema, type Scope } from "effect"
import { type Access, type Caller, isAllowed, refusal } from "../Caller.js"
import type { CognitoSyncConfigShape } from "../CognitoSyncConfig.js"
import { InternalErrorException, type InvalidParameterException, type NotAuthorizedException } from "../CognitoSyncError.js"
import type { PushNotifierShape } from "../PushNotifier.js"
import type { StreamPublisherShape } from "../StreamPublisher.js"
import type { BulkRunner } from "./bulkPublish.js"
import type { PushLines } from "./pushLines.js"
import type { PoolCache } from "./poolCache.js"
import type { SessionTally } from "./sessionTally.js"
import { StorageError, type SyncStoreShape } from "./storeModel.js"
import type { SyncTriggerShape } from "../SyncTrigger.js"
import { decodeInput } from "./validation.js"

/** What every operation works with, resolved once when the service is built. */
export interface Services {
  readonly store: SyncStoreShape
  /** the sync sessions minted here and not yet in the store */
  readonly sessions: SessionTally
  /** pool configurations for the hot path, at most a second old; changes go through it */
  readonly pools: PoolCache
  readonly config: CognitoSyncConfigShape
  readonly secret: string
  readonly push: PushNotifierShape
  /** what keeps each dataset's push notifications in sync-count order */
  readonly pushLines: PushLines
  readonly stream: StreamPublisherShape
  readonly trigger: SyncTriggerShape
  /** where background jobs (bulk publish) run; closed with the service */
  readonly jobs: Scope.Scope
  readonly bulk: BulkRunner
}

export type Handler<I, O, E> = (
  input: I,
  caller: Caller
) => Effect.Effect<O, E | NotAuthorizedException | InvalidParameterException | InternalErrorException>

const internal = (error: StorageError) =>
  new InternalErrorException({ message: "An internal error occurred while accessing storage", cause: error })

/**
 * An operation: authorization first (so that a refusal reveals nothing), then the model's
 * validation, then the behaviour; storage faults become InternalErrorException.
 */
export const operation = <A, I, O, E>(spec: {
  readonly access: Access
  readonly input: Schema.Schema<A, I>
  /** whether a developer caller's pool restriction applies (not to pool listings) */
  readonly poolScoped?: boolean
  readonly run: (services: Services, input: A, caller: Caller) => Effect.Effect<O, E | StorageError>
}) =>
(services: Services): Handler<I, O, E> => {
  const decode = decodeInput(spec.input)
  // suspended, so that whatever a caller passes, a method never throws: it fails or dies
  return (input, caller) =>
    Effect.suspend((): Effect.Effect<O, E | NotAuthorizedException | InvalidParameterException | InternalErrorException> => {
      const raw = (typeof input === "object" && input !== null ? input : {}) as {
        readonly IdentityPoolId?: unknown
        readonly IdentityId?: unknown
      }
      if (!isAllowed(caller, spec.access, spec.poolScoped === false ? undefined : raw.IdentityPoolId, raw.IdentityId)) {
        return Effect.fail(refusal())
      }
      const decoded = decode(input)
      if (decoded._tag === "Left") return Effect.fail(decoded.left)
      return Effect.mapError(
        spec.run(services, decoded.right, caller),
        (error): E | InternalErrorException => error instanceof StorageError ? internal(error) : error as E
      )
    })
}
