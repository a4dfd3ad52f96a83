/**
 * AWS Signature Version 4 verification for the `cognito-sync` service, as the stock clients
 * sign: the signature is recomputed with `@smithy/signature-v4` over the request as received
 * (the raw path, encoded once more as the signers do; the raw body bytes), within a clock-skew
 * window, for a credential scope of the right service and an accepted region, and compared in
 * constant time; smithy hashes with core's one-shot `Sha256` (its `sha256` option). Credentials
 * are developer keys from configuration, or identity credentials from
 * `IdentityCredentials.issueIdentityCredentials` (`x-amz-security-token`).
 *
 * Every failure is the same `undefined`: the caller answers one refusal that says nothing about
 * which check failed.
 *
 * @since 0.1.0
 */
import { timingSafeEqual } from "node:crypto"
import { createScope, getCanonicalHeaders, getSigningKey, SignatureV4 } from "@smithy/signature-v4"
import { Caller, Sha256 } from "@syncalite/core"
import * as IdentityCredentials from "./IdentityCredentials.js"
import { parseQuery } from "./Protocol.js"

/**
 * Developer credentials: an access key pair, the account id written as LastModifiedBy, and
 * optionally the identity pools they may touch.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeveloperCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** LastModifiedBy of what these credentials write; `"developer"` by default */
  readonly accountId?: string
  /** the identity pools these credentials may touch; all by default */
  readonly pools?: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Sigv4Options {
  readonly developers?: ReadonlyArray<DeveloperCredentials>
  /** verifies identity credentials issued with `issueIdentityCredentials` and this secret */
  readonly identitySecret?: string
  /** the regions accepted in the credential scope; any by default (a custom endpoint does not change the client's region) */
  readonly regions?: ReadonlyArray<string>
  /** how far `x-amz-date` may be from the server's clock; 900 seconds (15 minutes) by default */
  readonly clockSkewSeconds?: number
  /** the current time in milliseconds, for tests */
  readonly now?: () => number
}

/**
 * A request as received: the path and query exactly as the client sent them (mount path
 * included), lower-case header names, the raw body bytes.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignedRequest {
  readonly method: string
  readonly url: string
  readonly headers: { readonly [name: string]: string | ReadonlyArray<string> | undefined }
  readonly body: Uint8Array
}

/**
 * Answers the caller a request's signature proves, or `undefined`.
 *
 * @since 0.1.0
 * @category models
 */
export type Verifier = (request: SignedRequest) => Promise<Caller.Caller | undefined>

const SERVICE = "cognito-sync"
const ALGORITHM = "AWS4-HMAC-SHA256"
const authorizationPattern =
  /^AWS4-HMAC-SHA256 +Credential=([^,\s]+), *SignedHeaders=([a-z0-9\-;]+), *Signature=([0-9a-f]{64})$/
const datePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/
const regionPattern = /^[a-z0-9-]{1,64}$/
const MAX_VERIFIED_TOKENS = 10_000
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const single = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" ? value : undefined

const headerValue = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  value === undefined ? undefined : typeof value === "string" ? value : value.join(",")

const parseDate = (text: string): number | undefined => {
  const m = datePattern.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const time = Date.UTC(year, month - 1, day, hour, minute, second)
  const check = new Date(time)
  // refuse dates that Date.UTC would roll over (month 13, hour 25)
  return check.getUTCMonth() === month - 1 && check.getUTCDate() === day && check.getUTCHours() === hour ? time : undefined
}

const equal = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

type SmithyRequest = Parameters<typeof getCanonicalHeaders>[0]

/**
 * The hash and HMAC smithy signs with (its `sha256` option), on `Sha256`'s one-shot functions:
 * what smithy hands over is gathered, then hashed at once.
 */
class OneShotSha256 {
  private chunks: Array<Uint8Array> = []
  private readonly mac: ((message: Sha256.Data) => Buffer) | undefined

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.mac = secret === undefined
      ? undefined
      : Sha256.hmac(
        typeof secret === "string"
          ? secret
          : ArrayBuffer.isView(secret)
          ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
          : new Uint8Array(secret)
      )
  }

  update(chunk: Uint8Array): void {
    this.chunks.push(chunk)
  }

  digest(): Promise<Uint8Array> {
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)
    return Promise.resolve(this.mac === undefined ? Sha256.hash(data) : this.mac(data))
  }

  reset(): void {
    this.chunks = []
  }
}

interface SigningCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/**
 * The signer of one set of credentials, used to recompute signatures: smithy's own canonical
 * request, string to sign and signing key, on the request as received. The signing key of a day
 * and region is derived once and kept: it is what every request of that day signs with.
 */
class Recomputing extends SignatureV4 {
  private signingKey:
    | { readonly day: string; readonly region: string; readonly mac: Promise<(message: Sha256.Data) => Buffer> }
    | undefined

  constructor(private readonly signing: SigningCredentials) {
    super({
      service: SERVICE,
      // every request is signed with the region of its own credential scope
      region: "us-east-1",
      credentials: signing,
      sha256: OneShotSha256,
      // AWS services other than S3 encode the (already encoded) path once more
      uriEscapePath: true
    })
  }

  /** The HMAC under the signing key of a day and region. */
  private macOf(day: string, region: string): Promise<(message: Sha256.Data) => Buffer> {
    const kept = this.signingKey
    if (kept !== undefined && kept.day === day && kept.region === region) return kept.mac
    const mac = getSigningKey(OneShotSha256, this.signing, day, region, SERVICE).then(Sha256.hmac)
    this.signingKey = { day, region, mac }
    return mac
  }

  /** The signature of a request: `headers` are exactly the signed ones, `path` the raw path. */
  async signatureOf(
    request: SmithyRequest,
    signedHeaders: ReadonlySet<string>,
    payloadHash: string,
    amzDate: string,
    region: string
  ): Promise<string> {
    const day = amzDate.slice(0, 8)
    const canonicalRequest = this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, signedHeaders as Set<string>), payloadHash)
    const stringToSign = await this.createStringToSign(amzDate, createScope(day, region, SERVICE), canonicalRequest, ALGORITHM)
    return (await this.macOf(day, region))(stringToSign).toString("hex")
  }
}

interface Credentials {
  readonly caller: Caller.Caller
  /** a signer holding the credentials, reused by every request they sign */
  readonly signer: Recomputing
  /** when the credentials stop being valid (identity credentials) */
  readonly expiresAt?: number
}

/**
 * Builds the verifier of the configured credentials.
 *
 * @since 0.1.0
 * @category constructors
 */
export const verifier = (options: Sigv4Options): Verifier => {
  const developers = new Map<string, Credentials>()
  for (const developer of options.developers ?? []) {
    if (typeof developer.accessKeyId !== "string" || developer.accessKeyId === "" || typeof developer.secretAccessKey !== "string" || developer.secretAccessKey === "") {
      throw new TypeError("syncalite: developer credentials need an accessKeyId and a secretAccessKey")
    }
    developers.set(developer.accessKeyId, {
      caller: Caller.developer(developer.accountId ?? "developer", developer.pools),
      signer: new Recomputing({ accessKeyId: developer.accessKeyId, secretAccessKey: developer.secretAccessKey })
    })
  }
  const identitySecret = options.identitySecret === undefined
    ? undefined
    : IdentityCredentials.checkSecret(options.identitySecret)
  const regions = options.regions === undefined ? undefined : new Set(options.regions)
  const skew = (options.clockSkewSeconds ?? 900) * 1000
  const now = options.now ?? Date.now

  // a device signs many requests with one session token: verify it once, until it expires
  const identities = new Map<string, Credentials & { readonly accessKeyId: string }>()
  const credentialsOf = (accessKeyId: string, token: string | undefined, time: number): Credentials | undefined => {
    const developer = developers.get(accessKeyId)
    if (developer !== undefined) return developer
    if (identitySecret === undefined || token === undefined) return undefined
    let identity = identities.get(token)
    if (identity === undefined) {
      const verified = IdentityCredentials.verify(identitySecret, token, time)
      if (verified === undefined) return undefined
      identity = {
        accessKeyId: verified.accessKeyId,
        caller: Caller.identity(verified.identityPoolId, verified.identityId),
        signer: new Recomputing({ accessKeyId: verified.accessKeyId, secretAccessKey: verified.secretAccessKey, sessionToken: token }),
        expiresAt: verified.expiration.getTime()
      }
      if (identities.size >= MAX_VERIFIED_TOKENS) identities.delete(identities.keys().next().value!)
      identities.set(token, identity)
    }
    return identity.expiresAt! > time && equal(identity.accessKeyId, accessKeyId) ? identity : undefined
  }

  return async (request) => {
    const authorization = single(request.headers["authorization"])
    if (authorization === undefined || !authorization.startsWith(ALGORITHM)) return undefined
    const parsed = authorizationPattern.exec(authorization)
    if (parsed === null) return undefined
    const [, credential, signedHeaderList, signature] = parsed as unknown as [string, string, string, string]

    const scope = credential.split("/")
    if (scope.length !== 5) return undefined
    const [accessKeyId, shortDate, region, service, terminator] = scope as [string, string, string, string, string]
    if (service !== SERVICE || terminator !== "aws4_request" || !regionPattern.test(region)) return undefined
    if (regions !== undefined && !regions.has(region)) return undefined

    const amzDate = single(request.headers["x-amz-date"])
    if (amzDate === undefined) return undefined
    const signingTime = parseDate(amzDate)
    const time = now()
    if (signingTime === undefined || amzDate.slice(0, 8) !== shortDate || Math.abs(time - signingTime) > skew) return undefined

    const signedHeaders = new Set(signedHeaderList.split(";"))
    if (!signedHeaders.has("host") || !signedHeaders.has("x-amz-date")) return undefined
    const headers: { [name: string]: string } = {}
    for (const name of signedHeaders) {
      const value = headerValue(request.headers[name])
      if (value === undefined || name === "__proto__") return undefined
      headers[name] = value
    }

    const token = single(request.headers["x-amz-security-token"])
    if (token !== undefined && !signedHeaders.has("x-amz-security-token")) return undefined
    const credentials = credentialsOf(accessKeyId, token, time)
    if (credentials === undefined) return undefined

    const payloadHash = request.body.length === 0 ? EMPTY_SHA256 : Sha256.hash(request.body).toString("hex")
    const claimed = single(request.headers["x-amz-content-sha256"])
    if (claimed !== undefined && claimed !== payloadHash) return undefined

    const question = request.url.indexOf("?")
    const path = question < 0 ? request.url : request.url.slice(0, question)
    const pairs = question < 0 ? [] : parseQuery(request.url.slice(question + 1))
    if (!Array.isArray(pairs) || !path.startsWith("/")) return undefined
    const query: { [name: string]: string | Array<string> } = Object.create(null)
    for (const [name, value] of pairs) {
      const seen = query[name]
      query[name] = seen === undefined ? value : typeof seen === "string" ? [seen, value] : [...seen, value]
    }

    const expected = await credentials.signer.signatureOf(
      { method: request.method, protocol: "http:", hostname: headers["host"]!, path, query, headers },
      signedHeaders,
      payloadHash,
      amzDate,
      region
    )
    return equal(expected, signature) ? credentials.caller : undefined
  }
}
