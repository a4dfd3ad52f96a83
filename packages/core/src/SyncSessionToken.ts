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
 * Consumed sessions known to be in expiry order (ties in the order consumed), as `consume` and
 * `prune` make them, so that a check reads the entries at either end rather than every entry:
 * the entries of a dataset written long ago lie far apart in memory, and reading each one was
 * most of what checking a session cost. Sessions a store decodes come in the order it kept them,
 * and are read entry by entry.
 */
class InExpiryOrder implements ConsumedSessions {
  constructor(readonly floor: number, readonly sessions: ReadonlyArray<SyncSession>) {}
}

/**
 * @since 0.1.0
 * @category constants
 */
export const noneConsumed: ConsumedSessions = new InExpiryOrder(0, [])

/**
 * The most consumed sessions a dataset keeps; past it, the oldest are folded into the floor.
 *
 * @since 0.1.0
 * @category constants
 */
export const consumedCap = 64

/**
 * Whether `session` is in the list. A token carries its session's id and expiry together, so an
 * entry of another expiry is another session: its id string is never read. In expiry order, the
 * search starts from the latest and stops at the first entry expiring earlier: a session minted
 * after every listed one, the usual write, reads one entry.
 */
const listed = (consumed: ConsumedSessions, session: SyncSession): boolean => {
  const sessions = consumed.sessions
  if (consumed instanceof InExpiryOrder) {
    for (let i = sessions.length - 1; i >= 0; i--) {
      const other = sessions[i]!
      if (other.expiresAt < session.expiresAt) return false
      if (other.expiresAt === session.expiresAt && other.id === session.id) return true
    }
    return false
  }
  for (let i = 0; i < sessions.length; i++) {
    const other = sessions[i]!
    if (other.expiresAt === session.expiresAt && other.id === session.id) return true
  }
  return false
}

const byExpiry = (a: SyncSession, b: SyncSession) => a.expiresAt - b.expiresAt

/** The sessions in expiry order: as they are when they are, else sorted (stably: ties keep their order). */
const inExpiryOrder = (consumed: ConsumedSessions): ReadonlyArray<SyncSession> => {
  const sessions = consumed.sessions
  if (consumed instanceof InExpiryOrder) return sessions
  for (let i = 1; i < sessions.length; i++) {
    if (sessions[i]!.expiresAt < sessions[i - 1]!.expiresAt) return [...sessions].sort(byExpiry)
  }
  return sessions
}

/** The index of the first session of `sorted` expiring after `now`. */
const firstLive = (sorted: ReadonlyArray<SyncSession>, now: number): number => {
  let from = 0
  while (from < sorted.length && sorted[from]!.expiresAt <= now) from++
  return from
}

/**
 * Whether a write already consumed this session.
 *
 * @since 0.1.0
 * @category verification
 */
export const isConsumed = (consumed: ConsumedSessions, session: SyncSession): boolean =>
  session.expiresAt <= consumed.floor || listed(consumed, session)

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
  listed(consumed, session)
    ? "Consumed"
    : session.expiresAt <= consumed.floor
    ? "Forgotten"
    : undefined

/**
 * The consumed sessions after a write consumed `session`, without those expired by `now`, in
 * expiry order (ties in the order consumed), whatever the order of those given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const consume = (consumed: ConsumedSessions, session: SyncSession, now: number): ConsumedSessions => {
  const sorted = inExpiryOrder(consumed)
  const from = firstLive(sorted, now)
  let at = sorted.length
  while (at > from && sorted[at - 1]!.expiresAt > session.expiresAt) at--
  // the live sessions with `session` in its place, the n-th of them read where it lies
  const inserted = at - from
  const nth = (n: number): SyncSession => n < inserted ? sorted[from + n]! : n === inserted ? session : sorted[from + n - 1]!
  // past the cap the oldest go, the latest expiry of them becoming the floor; the list is
  // written once, at its final length, rather than copied and cut
  const length = sorted.length - from + 1
  const over = Math.max(0, length - consumedCap)
  const sessions = new Array<SyncSession>(length - over)
  for (let n = over; n < length; n++) sessions[n - over] = nth(n)
  return new InExpiryOrder(over === 0 ? consumed.floor : Math.max(consumed.floor, nth(over - 1).expiresAt), sessions)
}

/**
 * The consumed sessions without those expired by `now`, in expiry order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const prune = (consumed: ConsumedSessions, now: number): ConsumedSessions => {
  const sorted = inExpiryOrder(consumed)
  return new InExpiryOrder(consumed.floor, sorted.slice(firstLive(sorted, now)))
}
