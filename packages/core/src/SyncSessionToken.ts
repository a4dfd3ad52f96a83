/**
 * Sync session tokens: minted by ListRecords, bound to one dataset of one identity, signed with
 * the configured secret and expiring, so that any process sharing the secret verifies them
 * without a storage read. Whether a token was already consumed by a write is recorded with the
 * dataset, inside the atomic commit.
 *
 * @since 0.1.0
 */
import type { DatasetRef } from "./SyncStore.js"
import { seal, unseal } from "./internal/signing.js"

/**
 * What a verified token says.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyncSession {
  readonly id: string
  readonly expiresAt: number
}

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
