/**
 * Sync session tokens: minted by ListRecords, bound to one dataset of one identity, signed with
 * the configured secret and expiring, so that any process sharing the secret verifies them
 * without a storage read. Whether a token was already consumed by a write is recorded with the
 * dataset, inside the atomic commit.
 *
 * @since 0.1.0
 */
import type { ConsumedSessions, DatasetRef, SyncSession } from "./internal/storeModel.js"
import { seal, unseal } from "./internal/signing.js"

export type { ConsumedSessions, SyncSession } from "./internal/storeModel.js"

type Payload = readonly [kind: "s", pool: string, identity: string, dataset: string, id: string, expiresAt: number]

/**
 * Mints the token of a session.
 *
 * @since 0.1.0
 * @category constructors
 */
export const mint = (secret: string, ref: DatasetRef, session: SyncSession): string =>
  seal(secret, ["s", ref.identityPoolId, ref.identityId, ref.datasetName, session.id, session.expiresAt] satisfies Payload)

/**
 * The session of a token, when it was minted with this secret for this dataset and has not expired.
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = (secret: string, token: string, ref: DatasetRef, now: number): SyncSession | undefined => {
  const payload = unseal(secret, token)
  if (!Array.isArray(payload) || payload.length !== 6 || payload[0] !== "s") return undefined
  const [, pool, identity, dataset, id, expiresAt] = payload as unknown as Payload
  if (pool !== ref.identityPoolId || identity !== ref.identityId || dataset !== ref.datasetName) return undefined
  if (typeof id !== "string" || typeof expiresAt !== "number" || expiresAt <= now) return undefined
  return { id, expiresAt }
}

/**
 * @since 0.1.0
 * @category constants
 */
export const noneConsumed: ConsumedSessions = { floor: 0, sessions: [] }

const CONSUMED_CAP = 64

/**
 * Whether `session` is in the list. A token carries its session's id and expiry together, so an
 * entry of another expiry is another session: its id string is never read. The entries of a
 * dataset written long ago lie far apart in memory, and reading each id as well doubled what a
 * check fetched.
 */
const listed = (sessions: ReadonlyArray<SyncSession>, session: SyncSession): boolean => {
  for (let i = 0; i < sessions.length; i++) {
    const other = sessions[i]!
    if (other.expiresAt === session.expiresAt && other.id === session.id) return true
  }
  return false
}

/**
 * Whether a write already consumed this session.
 *
 * @since 0.1.0
 * @category verification
 */
export const isConsumed = (consumed: ConsumedSessions, session: SyncSession): boolean =>
  session.expiresAt <= consumed.floor || listed(consumed.sessions, session)

/**
 * Whether a write consumed this session (`Consumed`), may have (`Forgotten`: it expires at or
 * before the floor, so it is no longer told apart from the sessions folded into it; a token
 * valid when its ListRecords answered lands here once more than the cap of later sessions
 * wrote the dataset first), or did not (undefined).
 *
 * @since 0.1.0
 * @category verification
 */
export const consumption = (consumed: ConsumedSessions, session: SyncSession): "Consumed" | "Forgotten" | undefined =>
  listed(consumed.sessions, session)
    ? "Consumed"
    : session.expiresAt <= consumed.floor
    ? "Forgotten"
    : undefined

/**
 * The consumed sessions after a write consumed `session`, without those expired by `now`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const consume = (consumed: ConsumedSessions, session: SyncSession, now: number): ConsumedSessions => {
  const sessions = consumed.sessions.filter((other) => other.expiresAt > now)
  sessions.push(session)
  let floor = consumed.floor
  while (sessions.length > CONSUMED_CAP) {
    let oldest = 0
    for (let i = 1; i < sessions.length; i++) if (sessions[i]!.expiresAt < sessions[oldest]!.expiresAt) oldest = i
    floor = Math.max(floor, sessions[oldest]!.expiresAt)
    sessions.splice(oldest, 1)
  }
  return { floor, sessions }
}

/**
 * The consumed sessions without those expired by `now`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const prune = (consumed: ConsumedSessions, now: number): ConsumedSessions => ({
  floor: consumed.floor,
  sessions: consumed.sessions.filter((other) => other.expiresAt > now)
})
