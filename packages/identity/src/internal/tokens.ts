import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from "jose"
import type { SigningKey } from "./storeModel.js"

const ALGORITHM = "RS512"

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
  /**
   * Begins checking a token at once — its signature is checked off the main thread, so a caller
   * reads what it needs meanwhile — and answers the identity and the pool it was issued to,
   * unless it is forged or expired; never rejects.
   */
  readonly check: (token: string, now: number) => Promise<Issued | undefined>
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

export const makeTokens = (key: SigningKey, issuer: string): Effect.Effect<Tokens> =>
  Effect.promise(async () => {
    const [privateKey, publicKey] = await Promise.all([importJWK(key.privateJwk, key.alg), importJWK(key.publicJwk, key.alg)])
    const header = { alg: key.alg, kid: key.kid, typ: "JWS" }
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
      check: (token, now) =>
        jwtVerify(token, publicKey, { issuer, algorithms: [key.alg], currentDate: new Date(now) }).then(
          ({ payload }) =>
            typeof payload.sub === "string" && typeof payload.aud === "string"
              ? { identityId: payload.sub, identityPoolId: payload.aud }
              : undefined,
          () => undefined
        ),
      jwks: { keys: [{ ...key.publicJwk, kid: key.kid, alg: key.alg, use: "sig" }] }
    }
  })
