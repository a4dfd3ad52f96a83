/**
 * ListRecords: the records of a dataset changed after a sync count, with a sync session token
 * for the write that follows.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Random, Schema } from "effect"
import { InvalidParameterException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { SyncRecord } from "../Shapes.js"
import * as SyncSessionToken from "../SyncSessionToken.js"
import type { SyncSession } from "../SyncSessionToken.js"
import { operation, type Services } from "../internal/operation.js"
import type { DatasetRef, DatasetView, StorageError } from "../internal/storeModel.js"
import { datasetRef, toRecord } from "../internal/output.js"
import { sealPage, unsealPage } from "../internal/pageToken.js"

/** @since 0.1.0 @category schemas */
export const ListRecordsInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId,
  DatasetName: S.DatasetName,
  LastSyncCount: S.optional(S.LastSyncCount),
  NextToken: S.optional(S.PlainString),
  MaxResults: S.optional(S.MaxResults),
  SyncSessionToken: S.optional(S.PlainString)
})
/** @since 0.1.0 @category models */
export type ListRecordsInput = typeof ListRecordsInput.Encoded

/** @since 0.1.0 @category models */
export interface ListRecordsOutput {
  readonly Records: ReadonlyArray<SyncRecord>
  readonly NextToken?: string
  readonly Count: number
  readonly DatasetSyncCount: number
  readonly LastModifiedBy?: string
  readonly MergedDatasetNames?: ReadonlyArray<string>
  readonly DatasetExists: boolean
  readonly DatasetDeletedAfterRequestedSyncCount: boolean
  readonly SyncSessionToken: string
}

const invalidToken = new InvalidParameterException({ message: "SyncSessionToken not valid for these inputs" })

/** What a NextToken carries: where the page ends, and what every page of the listing repeats. */
type Cursor = readonly [after: string, datasetSyncCount: number, sessionId: string, expiresAt: number]

const isCursor = (u: unknown): u is Cursor =>
  Array.isArray(u) && u.length === 4 && typeof u[0] === "string" && typeof u[1] === "number" &&
  typeof u[2] === "string" && typeof u[3] === "number"

/** the millisecond of the last session id, in base 36: many sessions are minted in one */
const lastTime = { millis: -1, text: "" }

/** Six base-36 digits of a number below 2^26 (36^6 > 2^26). */
const digits = (n: number) => n.toString(36).padStart(6, "0")

/**
 * A session id: the time in base 36, then 52 random bits as two parts of 26, each small enough
 * for V8 to write in base 36 at a tenth of what a 52-bit number costs.
 */
const sessionIdOf = (now: number, random: number): string => {
  if (lastTime.millis !== now) {
    lastTime.millis = now
    lastTime.text = now.toString(36)
  }
  const bits = random * 2 ** 26
  const high = Math.floor(bits)
  return lastTime.text + digits(high) + digits(Math.floor((bits - high) * 2 ** 26))
}

const badNextToken = () => new InvalidParameterException({ message: "The NextToken is not valid for this request" })

/** The page's cursor, when a NextToken is given: sealed for this listing, and a cursor. */
const cursorOf = (
  services: Services,
  listing: ReadonlyArray<unknown>,
  token: string
): Effect.Effect<Cursor, InvalidParameterException> => Effect.filterOrFail(unsealPage(services.secret, listing, token), isCursor, badNextToken)

/** The answer, once the page is read and the session known. */
const answer = (
  services: Services,
  ref: DatasetRef,
  listing: ReadonlyArray<unknown>,
  since: number,
  view: DatasetView,
  cursor: Cursor | undefined,
  session: SyncSession
): ListRecordsOutput => {
  const head = view.head
  const exists = head?.exists === true
  const datasetSyncCount = cursor?.[1] ?? (exists ? head.syncCount : 0)
  const records = view.records.map(toRecord)
  const output: { -readonly [K in keyof ListRecordsOutput]: ListRecordsOutput[K] } = {
    Records: records,
    Count: records.length,
    DatasetSyncCount: datasetSyncCount,
    DatasetExists: exists,
    DatasetDeletedAfterRequestedSyncCount: head !== undefined && since > 0 && since <= head.lastDeletionCount,
    SyncSessionToken: SyncSessionToken.mint(services.secret, ref, session)
  }
  if (exists) output.LastModifiedBy = head.lastModifiedBy
  if (view.mergedDatasetNames.length > 0) output.MergedDatasetNames = view.mergedDatasetNames
  if (view.more) {
    output.NextToken = sealPage(services.secret, listing, [
      records[records.length - 1]!.Key,
      datasetSyncCount,
      session.id,
      session.expiresAt
    ] satisfies Cursor)
  }
  return output
}

/**
 * The listing at `now`: plain steps between the store read and, for a new session, the random
 * bits of its id and its count, so that a page costs the runtime no more steps than those.
 */
const list = (
  services: Services,
  input: typeof ListRecordsInput.Type,
  now: number,
  cursor: Cursor | undefined
): Effect.Effect<ListRecordsOutput, InvalidParameterException | StorageError> => {
  const ref = datasetRef(input)
  const since = input.LastSyncCount ?? 0
  const limit = Math.min(input.MaxResults ?? services.config.limits.maxRecordsPerPage, services.config.limits.maxRecordsPerPage)
  const listing = listingOf(ref, since)
  const given = input.SyncSessionToken === undefined
    ? undefined
    : SyncSessionToken.verify(services.secret, input.SyncSessionToken, ref, now)
  if (input.SyncSessionToken !== undefined && given === undefined) return Effect.fail(invalidToken)
  // without a token to check, the store need not read the consumed sessions, only their floor
  const query = { since, limit, withoutSessions: given === undefined }
  return Effect.flatMap(
    services.store.readDataset(ref, cursor === undefined ? query : { ...query, after: cursor[0] }),
    (view) => {
      const head = view.head
      const used = given === undefined || head === undefined ? undefined : SyncSessionToken.consumption(head.consumedSessions, given)
      if (used === "Consumed") return Effect.fail(invalidToken)
      if (cursor === undefined && head?.exists === true && since > head.syncCount) {
        return Effect.fail(new InvalidParameterException({ message: `No such SyncCount: ${since} exists for this Dataset` }))
      }
      // a forgotten session could never write: the device gets a new one
      const session: SyncSession | undefined = (used === "Forgotten" ? undefined : given) ??
        (cursor === undefined ? undefined : { id: cursor[2], expiresAt: cursor[3] })
      if (session !== undefined) return Effect.succeed(answer(services, ref, listing, since, view, cursor, session))
      return Effect.flatMap(Random.next, (random) => {
        const minted: SyncSession = {
          id: sessionIdOf(now, random),
          // past the floor of the dataset's consumed sessions (a millisecond at most later), or
          // a session minted in the millisecond the floor was set at would be born forgotten
          expiresAt: Math.max(now + Duration.toMillis(services.config.tokenLifetime), (head?.consumedSessions.floor ?? 0) + 1)
        }
        return Effect.as(services.sessions.count(ref.identityPoolId), answer(services, ref, listing, since, view, cursor, minted))
      })
    }
  )
}

/** What a NextToken is bound to: the dataset and the sync count listed after. */
const listingOf = (ref: DatasetRef, since: number): ReadonlyArray<unknown> =>
  [ref.identityPoolId, ref.identityId, ref.datasetName, since]

/** @since 0.1.0 @category operations */
export const ListRecords = operation({
  access: "either",
  input: ListRecordsInput,
  run: (services, input) =>
    Effect.clockWith((clock) => {
      const now = clock.unsafeCurrentTimeMillis()
      return input.NextToken === undefined
        ? list(services, input, now, undefined)
        : Effect.flatMap(
          cursorOf(services, listingOf(datasetRef(input), input.LastSyncCount ?? 0), input.NextToken),
          (cursor) => list(services, input, now, cursor)
        )
    })
})
