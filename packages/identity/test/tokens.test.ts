/**
 * The server's check of its own OpenID tokens against `jose`, its oracle: tokens of every shape
 * signed with the server's key are accepted exactly when `jose`'s `jwtVerify` accepts them (and
 * names a subject and an audience), and no change to a single character of a valid token passes.
 */
import { createPrivateKey, sign } from "node:crypto"
import { Effect } from "effect"
import fc from "fast-check"
import { importJWK, jwtVerify } from "jose"
import { beforeAll, describe, expect, it } from "vitest"
import { makeTokens, newSigningKey, type Tokens } from "../src/internal/tokens.js"
import type { SigningKey } from "../src/internal/storeModel.js"

const issuer = "https://cognito-identity.amazonaws.com"
const now = 1_800_000_000_000
const seconds = now / 1000

let key: SigningKey
let tokens: Tokens
let publicKey: Awaited<ReturnType<typeof importJWK>>

beforeAll(async () => {
  key = await Effect.runPromise(newSigningKey)
  tokens = await Effect.runPromise(makeTokens(key, issuer))
  publicKey = await importJWK(key.publicJwk, key.alg)
})

const header = () => ({ alg: key.alg, kid: key.kid, typ: "JWS" })

/** What `jose` says of a token, as the server takes it: the identity and pool, or nothing. */
const oracle = (token: string) =>
  jwtVerify(token, publicKey, { issuer, algorithms: [key.alg], currentDate: new Date(now) }).then(
    ({ payload }) =>
      typeof payload.sub === "string" && typeof payload.aud === "string"
        ? { identityId: payload.sub, identityPoolId: payload.aud }
        : undefined,
    () => undefined
  )

const numericDate = fc.oneof(
  fc.integer({ min: -3600, max: 3600 }).map((offset) => seconds + offset),
  fc.constantFrom(seconds, seconds - 1, seconds + 1),
  fc.constantFrom<unknown>("soon", null, true, [seconds + 60])
)

const claims = fc.record({
  iss: fc.oneof({ arbitrary: fc.constant(issuer), weight: 4 }, fc.constantFrom<unknown>(`${issuer}/`, "https://example.com", 1, undefined)),
  sub: fc.oneof({ arbitrary: fc.string(), weight: 4 }, fc.constantFrom<unknown>(7, null, undefined)),
  aud: fc.oneof({ arbitrary: fc.constant("us-east-1:1111bbbb"), weight: 4 }, fc.constantFrom<unknown>(["us-east-1:1111bbbb"], 3, undefined)),
  exp: numericDate,
  nbf: fc.option(numericDate, { nil: undefined }),
  iat: fc.option(numericDate, { nil: undefined }),
  amr: fc.constantFrom(["unauthenticated"], ["authenticated", "login.example"])
}, { requiredKeys: ["exp", "amr"] })

/** A token signed with the server's key: the payload written as given, claims of any type. */
const signed = (payload: { readonly [claim: string]: unknown }, protectedHeader: { readonly [name: string]: unknown } = header()) => {
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
  const input = `${segment(protectedHeader)}.${segment(Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined)))}`
  const signature = sign("sha512", Buffer.from(input), createPrivateKey({ key: key.privateJwk, format: "jwk" }))
  return `${input}.${signature.toString("base64url")}`
}

describe("the server's own token check", () => {
  it("accepts a token exactly when jose accepts it, for claims of every shape", async () => {
    await fc.assert(
      fc.asyncProperty(claims, async (payload) => {
        const token = signed(payload)
        expect(tokens.check(token, now)).toEqual(await oracle(token))
      }),
      { numRuns: 300 }
    )
  })

  it("accepts what the server signs, the way it signs it, and jose agrees", async () => {
    const token = await Effect.runPromise(tokens.sign({ identityPoolId: "us-east-1:1111bbbb", identityId: "us-east-1:0000aaaa", amr: ["unauthenticated"] }, now, 600))
    const issued = { identityId: "us-east-1:0000aaaa", identityPoolId: "us-east-1:1111bbbb" }
    expect(tokens.check(token, now)).toEqual(issued)
    expect(await oracle(token)).toEqual(issued)
    expect(tokens.check(token, now + 599_999)).toEqual(issued)
    expect(tokens.check(token, now + 600_000)).toBeUndefined()
  })

  it("refuses every change of one character of a valid token", async () => {
    const token = await Effect.runPromise(tokens.sign({ identityPoolId: "us-east-1:1111bbbb", identityId: "us-east-1:0000aaaa", amr: ["unauthenticated"] }, now, 600))
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), (at, character) => {
        fc.pre(token[at] !== character)
        expect(tokens.check(`${token.slice(0, at)}${character}${token.slice(at + 1)}`, now)).toBeUndefined()
      }),
      { numRuns: 2000 }
    )
    for (const changed of [`${token}=`, `${token}A`, ` ${token}`, token.slice(0, -1), `${token}.`]) {
      expect(tokens.check(changed, now)).toBeUndefined()
    }
  })

  it("refuses tokens of another header, key, algorithm or form, and a token without an expiry", async () => {
    const payload = { iss: issuer, sub: "us-east-1:0000aaaa", aud: "us-east-1:1111bbbb", exp: seconds + 60 }
    expect(tokens.check(signed(payload), now)).toEqual({ identityId: "us-east-1:0000aaaa", identityPoolId: "us-east-1:1111bbbb" })
    expect(tokens.check(signed(payload, { ...header(), crit: ["b64"], b64: false }), now)).toBeUndefined()
    expect(tokens.check(signed(payload, { ...header(), kid: "another" }), now)).toBeUndefined()
    expect(tokens.check(signed(payload, { typ: "JWS", kid: key.kid, alg: key.alg }), now)).toBeUndefined()
    const other = await Effect.runPromise(Effect.flatMap(newSigningKey, (another) => makeTokens({ ...another, kid: key.kid }, issuer)))
    const foreign = await Effect.runPromise(other.sign({ identityPoolId: "us-east-1:1111bbbb", identityId: "us-east-1:0000aaaa", amr: [] }, now, 600))
    expect(tokens.check(foreign, now)).toBeUndefined()
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.`
    expect(tokens.check(unsigned, now)).toBeUndefined()
    const { exp: _, ...forever } = payload
    expect(tokens.check(signed(forever), now)).toBeUndefined()
    expect(tokens.check(`${signed(payload)}${"A".repeat(20_000)}`, now)).toBeUndefined()
    expect(tokens.check("", now)).toBeUndefined()
  })
})
