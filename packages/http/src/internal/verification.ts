/**
 * SigV4 verification, synchronous: the credential, the date and the signed headers read from the
 * `Authorization` header (or, for a presigned request, from the `X-Amz-*` query parameters), the
 * canonical request built from the request as received, its signature computed under a signing
 * key kept per secret, day and region, and compared to the one sent as bytes, in constant time.
 */
import { timingSafeEqual } from "node:crypto"
import { Sha256 } from "@syncalite/core"
import { parseQuery } from "../Protocol.js"
import { canonicalRequest, type QueryPairs, type ReceivedHeaders } from "./canonicalRequest.js"

/** A request as received: the path and query as sent, lower-case header names, the raw body. */
export interface ReceivedRequest {
  readonly method: string
  readonly url: string
  readonly headers: ReceivedHeaders
  readonly body: Uint8Array
  /** the pairs of `url`'s query, percent-decoded, when the caller has parsed them already */
  readonly query?: QueryPairs
}

/** What an access key signs with, and what it proves. */
export interface KeyHolder<A> {
  readonly secretAccessKey: string
  readonly principal: A
}

export interface VerificationOptions<A> {
  readonly service: string
  /** the regions accepted in the credential scope; any by default */
  readonly regions?: ReadonlySet<string>
  /** how far the signing time may be from the clock, in milliseconds */
  readonly skewMillis: number
  readonly now: () => number
  /** the holder of an access key, given the session token sent with it, at a time */
  readonly holderOf: (accessKeyId: string, sessionToken: string | undefined, time: number) => KeyHolder<A> | undefined
}

/** Verifies a request; `presigned` also accepts the query-string form. */
export type Verify<A> = (request: ReceivedRequest, presigned: boolean) => A | undefined

const ALGORITHM = "AWS4-HMAC-SHA256"
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/** the longest a presigned request may live, as the signers allow: a week */
const MAX_EXPIRES_SECONDS = 604_800
const MAX_SECRETS = 1024
const SCOPES_PER_SECRET = 4

/** a credential: access key, day, region, service, split by the match that reads it */
const credential = String.raw`([^,\s/]+)/([^,\s/]+)/([a-z0-9-]{1,64})/([^,\s/]+)/aws4_request`
const credentialPattern = new RegExp(`^${credential}$`)
/** the header form, its credential split in the same match: groups 1 to 4, then the signed headers and the signature */
const authorizationPattern = new RegExp(
  `^AWS4-HMAC-SHA256 +Credential=${credential}, *SignedHeaders=([a-z0-9\\-;]+), *Signature=([0-9a-f]{64})$`
)
const signedHeadersPattern = /^[a-z0-9\-;]+$/
const signaturePattern = /^[0-9a-f]{64}$/
const datePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/
const expiresPattern = /^[1-9]\d{0,5}$/

const single = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" ? value : undefined

/** The time of an `x-amz-date`, or `undefined` for a malformed one or one Date.UTC would roll over. */
const parseDate = (text: string): number | undefined => {
  const m = datePattern.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const time = Date.UTC(year, month - 1, day, hour, minute, second)
  const check = new Date(time)
  return check.getUTCMonth() === month - 1 && check.getUTCDate() === day && check.getUTCHours() === hour &&
      check.getUTCMinutes() === minute && check.getUTCSeconds() === second
    ? time
    : undefined
}

/** The signed header names when the list is sorted and has no repeat. */
const signedHeaderNames = (list: string): ReadonlyArray<string> | undefined => {
  const names = list.split(";")
  for (let i = 0; i < names.length; i++) {
    if (names[i] === "" || (i > 0 && names[i - 1]! >= names[i]!)) return undefined
  }
  return names
}

/** The single value of a query parameter; `undefined` when it is absent or repeated. */
const parameter = (pairs: QueryPairs, name: string): string | undefined => {
  let found: string | undefined
  for (const [key, value] of pairs) {
    if (key !== name) continue
    if (found !== undefined) return undefined
    found = value
  }
  return found
}

/** What a request claims: who signed it, when, for which scope, which headers, and the signature. */
interface Claim {
  readonly accessKeyId: string
  readonly day: string
  readonly region: string
  readonly amzDate: string
  readonly signedHeaderList: string
  readonly signature: string
  readonly sessionToken: string | undefined
  /** how long a presigned request lives, in seconds */
  readonly expires: number | undefined
}

/**
 * Signing keys, as HMACs ready to sign: at most `SCOPES_PER_SECRET` days and regions for each of
 * the last `MAX_SECRETS` secrets seen. A key is what every request of a day signs with.
 */
const signingKeys = (service: string) => {
  const bySecret = new Map<string, Array<{ readonly day: string; readonly region: string; readonly mac: (message: string) => Buffer }>>()
  return (secret: string, day: string, region: string): (message: string) => Buffer => {
    let scopes = bySecret.get(secret)
    if (scopes === undefined) {
      if (bySecret.size >= MAX_SECRETS) bySecret.delete(bySecret.keys().next().value!)
      scopes = []
      bySecret.set(secret, scopes)
    }
    for (const scope of scopes) {
      if (scope.day === day && scope.region === region) return scope.mac
    }
    const kDate = Sha256.hmac(`AWS4${secret}`)(day)
    const kRegion = Sha256.hmac(kDate)(region)
    const kService = Sha256.hmac(kRegion)(service)
    const mac = Sha256.hmac(Sha256.hmac(kService)("aws4_request"))
    if (scopes.length >= SCOPES_PER_SECRET) scopes.shift()
    scopes.push({ day, region, mac })
    return mac
  }
}

/**
 * Builds the verification of a service: the principal of the key that signed a request, or
 * `undefined` for a request whose signature, scope, time or credentials do not hold.
 */
export const verification = <A>(options: VerificationOptions<A>): Verify<A> => {
  const { service, regions, skewMillis, now, holderOf } = options
  const macOf = signingKeys(service)
  // a client signs request after request with the same header list, many in the same second
  const lastList = { text: "", names: undefined as ReadonlyArray<string> | undefined }
  const lastDate = { text: "", time: undefined as number | undefined }

  /** a match of `credential` (groups 1 to 4), when it names this service and an accepted region */
  const inScope = (parsed: RegExpExecArray | null): parsed is RegExpExecArray =>
    parsed !== null && parsed[4] === service && (regions === undefined || regions.has(parsed[3]!))

  const fromHeader = (authorization: string, headers: ReceivedHeaders): Claim | undefined => {
    const parsed = authorizationPattern.exec(authorization)
    if (!inScope(parsed)) return undefined
    const amzDate = single(headers["x-amz-date"])
    if (amzDate === undefined) return undefined
    return {
      accessKeyId: parsed[1]!,
      day: parsed[2]!,
      region: parsed[3]!,
      amzDate,
      signedHeaderList: parsed[5]!,
      signature: parsed[6]!,
      sessionToken: single(headers["x-amz-security-token"]),
      expires: undefined
    }
  }

  const fromQuery = (pairs: QueryPairs): Claim | undefined => {
    const credential = parameter(pairs, "X-Amz-Credential")
    const amzDate = parameter(pairs, "X-Amz-Date")
    const expires = parameter(pairs, "X-Amz-Expires")
    const signedHeaderList = parameter(pairs, "X-Amz-SignedHeaders")
    const signature = parameter(pairs, "X-Amz-Signature")
    if (
      parameter(pairs, "X-Amz-Algorithm") !== ALGORITHM || credential === undefined || amzDate === undefined ||
      expires === undefined || !expiresPattern.test(expires) || Number(expires) > MAX_EXPIRES_SECONDS ||
      signedHeaderList === undefined || !signedHeadersPattern.test(signedHeaderList) ||
      signature === undefined || !signaturePattern.test(signature)
    ) return undefined
    const scope = credentialPattern.exec(credential)
    if (!inScope(scope)) return undefined
    const sessionToken = parameter(pairs, "X-Amz-Security-Token")
    if (sessionToken === undefined && pairs.some(([name]) => name === "X-Amz-Security-Token")) return undefined
    return {
      accessKeyId: scope[1]!,
      day: scope[2]!,
      region: scope[3]!,
      amzDate,
      signedHeaderList,
      signature,
      sessionToken,
      expires: Number(expires)
    }
  }

  return (request, presigned) => {
    const { headers, url } = request
    const question = url.indexOf("?")
    const path = question < 0 ? url : url.slice(0, question)
    if (!path.startsWith("/")) return undefined
    const pairs = request.query ?? (question < 0 ? [] : parseQuery(url.slice(question + 1)))
    // a query that is not valid percent-encoding cannot have been signed
    if (!Array.isArray(pairs)) return undefined

    const authorization = single(headers["authorization"])
    const claim = authorization !== undefined
      ? authorization.startsWith(ALGORITHM) ? fromHeader(authorization, headers) : undefined
      : presigned
      ? fromQuery(pairs)
      : undefined
    if (claim === undefined) return undefined

    if (lastDate.text !== claim.amzDate) {
      lastDate.text = claim.amzDate
      lastDate.time = parseDate(claim.amzDate)
    }
    const signingTime = lastDate.time
    const time = now()
    if (signingTime === undefined || claim.amzDate.slice(0, 8) !== claim.day) return undefined
    if (claim.expires === undefined ? Math.abs(time - signingTime) > skewMillis : time < signingTime - skewMillis || time > signingTime + claim.expires * 1000) {
      return undefined
    }

    if (lastList.text !== claim.signedHeaderList) {
      lastList.text = claim.signedHeaderList
      lastList.names = signedHeaderNames(claim.signedHeaderList)
    }
    const signedHeaders = lastList.names
    if (signedHeaders === undefined || !signedHeaders.includes("host")) return undefined
    if (claim.expires === undefined) {
      // the date and the session token travel as headers: both must be signed
      if (!signedHeaders.includes("x-amz-date")) return undefined
      if (claim.sessionToken !== undefined && !signedHeaders.includes("x-amz-security-token")) return undefined
    }

    const holder = holderOf(claim.accessKeyId, claim.sessionToken, time)
    if (holder === undefined) return undefined

    const payloadHash = request.body.length === 0 ? EMPTY_SHA256 : Sha256.hashHex(request.body)
    const claimed = single(headers["x-amz-content-sha256"])
    if (claimed !== undefined && claimed !== payloadHash) return undefined

    let canonical: string | undefined
    try {
      canonical = canonicalRequest(request.method, path, pairs, headers, signedHeaders, claim.signedHeaderList, payloadHash)
    } catch {
      // a path or value that is not well-formed Unicode cannot have been signed
      return undefined
    }
    if (canonical === undefined) return undefined
    const stringToSign = `${ALGORITHM}\n${claim.amzDate}\n${claim.day}/${claim.region}/${service}/aws4_request\n${Sha256.hashHex(canonical)}`
    const mac = macOf(holder.secretAccessKey, claim.day, claim.region)(stringToSign)
    return timingSafeEqual(mac, Buffer.from(claim.signature, "hex")) ? holder.principal : undefined
  }
}
