import { createPublicKey, randomUUID, verify } from "node:crypto"
import { Effect } from "effect"
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose"
import type { SigningKey } from "./storeModel.js"

const ALGORITHM = "RS512"
/** longer than any token this server signs, whatever its principal tags */
const MAX_TOKEN_LENGTH = 16_384

/** What an OpenID token of this server says. */
export interface TokenClaims {
  readonly identityPoolId: string
  readonly identityId: string
  /** `authenticated` and the login providers, or `unauthenticated` */
  readonly amr: ReadonlyArray<string>
  readonly principalTags?: { readonly [tag: string]: string }
}

/** Whom a token of this server was issued to. */
export interface Issued {
  readonly identityId: string
  readonly identityPoolId: string
}

/** The server's OpenID tokens: signed with the stored key, verified against it, published as JWKS. */
export interface Tokens {
  readonly sign: (claims: TokenClaims, now: number, lifetimeSeconds: number) => Effect.Effect<string>
  /** The identity and the pool a token was issued to, unless it is forged, malformed or expired at `now`. */
  readonly check: (token: string, now: number) => Issued | undefined
  readonly jwks: { readonly keys: ReadonlyArray<JWK> }
}

/** A new key pair, as the store keeps it. */
export const newSigningKey: Effect.Effect<SigningKey> = Effect.promise(async () => {
  const pair = await generateKeyPair(ALGORITHM, { extractable: true })
  const [privateJwk, publicJwk] = await Promise.all([exportJWK(pair.privateKey), exportJWK(pair.publicKey)])
  return {
    kid: randomUUID(),
    alg: ALGORITHM,
    privateJwk: privateJwk as { [member: string]: string },
    publicJwk: publicJwk as { [member: string]: string }
  }
})

const utf8 = new TextDecoder("utf-8", { fatal: true })
const isNumericDate = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value)

/**
 * Checks tokens of this server's own signing, synchronously: the header must be, byte for byte,
 * the one this server writes (so no other algorithm, key or critical extension is ever
 * considered), the RS512 signature must verify against the key, its encoding must be the
 * canonical one, and the claims must name the issuer, a subject and an audience and be in force
 * at `now`, as `jose`'s `jwtVerify` judges them (no clock tolerance). Signing stays with `jose`;
 * checking here costs less than half of what `jose` does through WebCrypto's thread pool.
 */
const ownTokenCheck = (key: SigningKey, issuer: string, headerSegment: string) => {
  const publicKey = createPublicKey({ key: key.publicJwk, format: "jwk" })
  const claimsOf = (token: string): { readonly [claim: string]: unknown } | undefined => {
    if (token.length > MAX_TOKEN_LENGTH || !token.startsWith(headerSegment) || token.charCodeAt(headerSegment.length) !== 46) return undefined
    const payloadEnd = token.indexOf(".", headerSegment.length + 1)
    if (payloadEnd < 0) return undefined
    const signatureSegment = token.slice(payloadEnd + 1)
    const signature = Buffer.from(signatureSegment, "base64url")
    if (signature.toString("base64url") !== signatureSegment) return undefined
    if (!verify("sha512", Buffer.from(token.slice(0, payloadEnd)), publicKey, signature)) return undefined
    const claims: unknown = JSON.parse(utf8.decode(Buffer.from(token.slice(headerSegment.length + 1, payloadEnd), "base64url")))
    return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? claims as { readonly [claim: string]: unknown } : undefined
  }
  return (token: string, now: number): Issued | undefined => {
    let claims: { readonly [claim: string]: unknown } | undefined
    try {
      claims = claimsOf(token)
    } catch {
      return undefined
    }
    const seconds = Math.floor(now / 1000)
    if (claims === undefined || claims.iss !== issuer || typeof claims.sub !== "string" || typeof claims.aud !== "string") return undefined
    if (!isNumericDate(claims.exp) || claims.exp <= seconds) return undefined
    if (claims.nbf !== undefined && (!isNumericDate(claims.nbf) || claims.nbf > seconds)) return undefined
    if (claims.iat !== undefined && !isNumericDate(claims.iat)) return undefined
    return { identityId: claims.sub, identityPoolId: claims.aud }
  }
}

export const makeTokens = (key: SigningKey, issuer: string): Effect.Effect<Tokens> =>
  Effect.promise(async () => {
    if (key.alg !== ALGORITHM) throw new Error(`syncalite: the identity signing key's algorithm is ${key.alg}, not ${ALGORITHM}`)
    const privateKey = await importJWK(key.privateJwk, key.alg)
    const header = { alg: key.alg, kid: key.kid, typ: "JWS" }
    const headerSegment = (await new SignJWT({}).setProtectedHeader(header).sign(privateKey)).split(".")[0]!
    return {
      sign: (claims, now, lifetimeSeconds) =>
        Effect.promise(() => {
          const issuedAt = Math.floor(now / 1000)
          const payload = claims.principalTags === undefined
            ? { amr: claims.amr }
            : { amr: claims.amr, "https://aws.amazon.com/tags": { principal_tags: claims.principalTags } }
          return new SignJWT(payload)
            .setProtectedHeader(header)
            .setIssuer(issuer)
            .setSubject(claims.identityId)
            .setAudience(claims.identityPoolId)
            .setIssuedAt(issuedAt)
            .setExpirationTime(issuedAt + lifetimeSeconds)
            .sign(privateKey)
        }),
      check: ownTokenCheck(key, issuer, headerSegment),
      jwks: { keys: [{ ...key.publicJwk, kid: key.kid, alg: key.alg, use: "sig" }] }
    }
  })
