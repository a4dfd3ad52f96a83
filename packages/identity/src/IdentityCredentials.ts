/**
 * Identity credentials that the library issues itself, in place of Cognito Identity: an access
 * key, a secret key and a session token for one identity of one pool, valid until they expire.
 * They are stateless: the session token carries the identity and the expiry under an HMAC of a
 * shared secret, and the secret key is derived from the token, so any process holding the same
 * secret verifies a request signed with them, and a device uses them with a stock AWS SDK.
 *
 * @example
 * ```ts
 * import { IdentityCredentials } from "@syncalite/identity"
 *
 * const credentials = IdentityCredentials.issueIdentityCredentials({
 *   secret: process.env.SYNCALITE_SECRET!,
 *   identityPoolId: "us-east-1:0e1a2b3c",
 *   identityId: "us-east-1:0000aaaa",
 *   ttlSeconds: 3600
 * })
 * // new CognitoSyncClient({ endpoint, region: "us-east-1", credentials })
 * ```
 *
 * @since 0.1.0
 */
import { randomBytes, timingSafeEqual } from "node:crypto"
import { Sha256 } from "@syncalite/core"

/**
 * Credentials as the AWS SDKs take them.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string
  readonly expiration: Date
}

/**
 * What a verified session token says, with the keys it stands for.
 *
 * @since 0.1.0
 * @category models
 */
export interface VerifiedCredentials {
  readonly identityPoolId: string
  readonly identityId: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly expiration: Date
}

/**
 * @since 0.1.0
 * @category models
 */
export interface IssueOptions {
  /** shared by every process that verifies the credentials; at least 16 characters */
  readonly secret: string
  readonly identityPoolId: string
  readonly identityId: string
  /** lifetime in seconds; one hour by default */
  readonly ttlSeconds?: number
  /** the current time in milliseconds, for tests */
  readonly now?: number
}

const identifier = /^[\w-]+:[0-9a-f-]+$/
const PREFIX = "syncalite1"
const MAX_TOKEN_LENGTH = 1024

type Mac = (message: Sha256.Data) => Buffer

/** One key per secret, apart from anything else the secret signs (sync session tokens). */
const keys = new Map<string, Mac>()
const keyOf = (secret: string): Mac => {
  let key = keys.get(secret)
  if (key === undefined) {
    key = Sha256.hmac(Sha256.hmac(secret)("syncalite/identity-credentials/v1"))
    if (keys.size > 16) keys.clear()
    keys.set(secret, key)
  }
  return key
}

const mac = (key: Mac, purpose: string, body: string): Buffer => key(`${purpose}\n${body}`)

/** random bytes drawn from the system a few kilobytes at a time: each draw costs about as much as a credential's MACs */
const RANDOM_POOL = 4096
let random = Buffer.alloc(0)
let drawn = 0
const randomOf = (size: number): Buffer => {
  if (drawn + size > random.length) {
    random = randomBytes(RANDOM_POOL)
    drawn = 0
  }
  drawn += size
  return random.subarray(drawn - size, drawn)
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
const base32 = (bytes: Buffer, length: number): string => {
  let out = ""
  for (let i = 0; i < length; i++) out += BASE32[bytes[i]! & 31]
  return out
}

const sessionTokenOf = (key: Mac, body: string): string => `${PREFIX}.${body}.${mac(key, "session-token", body).toString("base64url")}`

const keysOf = (key: Mac, body: string) => ({
  accessKeyId: `ASIA${base32(mac(key, "access-key-id", body), 16)}`,
  secretAccessKey: mac(key, "secret-access-key", body).toString("base64").slice(0, 40)
})

/**
 * Throws unless the secret is long enough to sign with.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkSecret = (secret: unknown): string => {
  if (typeof secret !== "string" || secret.length < 16) {
    throw new TypeError("syncalite: the identity credentials secret must be a string of at least 16 characters")
  }
  return secret
}

/**
 * Issues credentials for one identity of one identity pool.
 *
 * @since 0.1.0
 * @category constructors
 */
export const issueIdentityCredentials = (options: IssueOptions): IdentityCredentials => {
  const key = keyOf(checkSecret(options.secret))
  for (const [name, id] of [["identityPoolId", options.identityPoolId], ["identityId", options.identityId]] as const) {
    if (typeof id !== "string" || id.length > 55 || !identifier.test(id)) {
      throw new TypeError(`syncalite: ${name} must look like "us-east-1:0000aaaa" (1 to 55 characters, [\\w-]+:[0-9a-f-]+)`)
    }
  }
  const ttl = options.ttlSeconds ?? 3600
  if (!Number.isFinite(ttl) || ttl <= 0) throw new TypeError("syncalite: ttlSeconds must be a positive number")
  const expiresAt = Math.floor((options.now ?? Date.now()) / 1000 + ttl)
  const body = Buffer.from(
    JSON.stringify([options.identityPoolId, options.identityId, expiresAt, randomOf(9).toString("base64url")])
  ).toString("base64url")
  return { ...keysOf(key, body), sessionToken: sessionTokenOf(key, body), expiration: new Date(expiresAt * 1000) }
}

/**
 * The identity and keys of a session token issued with this secret, unless it is forged,
 * malformed or expired at `now` (milliseconds).
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = (secret: string, sessionToken: string, now: number): VerifiedCredentials | undefined => {
  if (sessionToken.length > MAX_TOKEN_LENGTH) return undefined
  const parts = sessionToken.split(".")
  if (parts.length !== 3 || parts[0] !== PREFIX) return undefined
  const body = parts[1]!
  const key = keyOf(secret)
  // the token as issued, compared as text: any other spelling of its MAC (padding, junk, the
  // standard base64 alphabet) decodes to the same bytes, and is refused all the same
  const given = Buffer.from(sessionToken)
  const expected = Buffer.from(sessionTokenOf(key, body))
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
  } catch {
    return undefined
  }
  if (!Array.isArray(payload) || payload.length !== 4) return undefined
  const [identityPoolId, identityId, expiresAt] = payload as [unknown, unknown, unknown]
  if (typeof identityPoolId !== "string" || typeof identityId !== "string" || typeof expiresAt !== "number") return undefined
  if (expiresAt * 1000 <= now) return undefined
  return { identityPoolId, identityId, expiration: new Date(expiresAt * 1000), ...keysOf(key, body) }
}
