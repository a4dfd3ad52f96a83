/**
 * Cognito Identity in process, what a device costs the server: GetId then
 * GetCredentialsForIdentity for new unauthenticated devices, per second; and
 * GetCredentialsForIdentity with an OpenID token as its login, beside `jose` verifying the same
 * token alone, in alternating runs of the same process. Target: the call at 50% or more of the
 * verification alone. The server checks its own tokens synchronously with `node:crypto` (the
 * signature, then the claims as `jose` judges them), not through WebCrypto's thread pool, so the
 * call may pass `jose` alone; under both stands the RSA signature check of that token alone,
 * the part no check can skip, printed as the floor.
 */
import { createPublicKey, verify } from "node:crypto"
import { Effect, ManagedRuntime } from "effect"
import { importJWK, type JWK, jwtVerify } from "jose"
import { Caller } from "@syncalite/core"
import { CognitoIdentity, CognitoIdentityPromise } from "@syncalite/identity"
import { benchSecret } from "./http-shared.js"

const RUN_MILLIS = 1_500
const RUNS = 5

const middle = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Calls per second of `call`, run back to back for `RUN_MILLIS`. */
const rate = async (call: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  let calls = 0
  while (performance.now() - start < RUN_MILLIS) {
    await call()
    calls++
  }
  return calls / ((performance.now() - start) / 1000)
}

/** The medians of the calls' rates, each run in turn `RUNS` times. */
const rates = async (...calls: ReadonlyArray<() => Promise<unknown>>): Promise<ReadonlyArray<number>> => {
  const measured = calls.map((): Array<number> => [])
  for (let run = 0; run < RUNS; run++) {
    for (const [i, call] of calls.entries()) measured[i]!.push(await rate(call))
  }
  return measured.map(middle)
}

const perSecond = (value: number) => `${Math.round(value).toLocaleString("en-US")}/s`

export const benchIdentity = async () => {
  console.log(`\n# identity: Cognito Identity in process (memory store), calls per second, median of ${RUNS} runs of ${RUN_MILLIS} ms`)
  const runtime = ManagedRuntime.make(CognitoIdentityPromise.layer({ credentialsSecret: benchSecret }))
  const service = await runtime.runPromise(CognitoIdentity.CognitoIdentity)
  const run = <A>(effect: Effect.Effect<A, unknown>) => runtime.runPromise(effect)
  const pool = await run(service.createIdentityPool({ IdentityPoolName: "bench", AllowUnauthenticatedIdentities: true }, Caller.developer()))
  const { IdentityId } = await run(service.getId({ IdentityPoolId: pool.IdentityPoolId }))
  const { Token } = await run(service.getOpenIdToken({ IdentityId: IdentityId! }))
  const key = await importJWK(service.jwks.keys[0] as JWK, "RS512")
  const options = { issuer: "https://cognito-identity.amazonaws.com", audience: pool.IdentityPoolId }

  const [devices] = await rates(async () => {
    const { IdentityId: id } = await run(service.getId({ IdentityPoolId: pool.IdentityPoolId }))
    await run(service.getCredentialsForIdentity({ IdentityId: id! }))
  })
  console.log(`  unauthenticated devices, GetId + GetCredentialsForIdentity: ${perSecond(devices!)}`)

  const withToken = { IdentityId: IdentityId!, Logins: { "cognito-identity.amazonaws.com": Token! } }
  const publicKey = createPublicKey({ key: service.jwks.keys[0] as import("node:crypto").JsonWebKey, format: "jwk" })
  const signed = Buffer.from(Token!.slice(0, Token!.lastIndexOf(".")))
  const signature = Buffer.from(Token!.slice(Token!.lastIndexOf(".") + 1), "base64url")
  const [credentials, verification, signatureAlone] = await rates(
    () => run(service.getCredentialsForIdentity(withToken)),
    () => jwtVerify(Token!, key, options),
    async () => verify("sha512", signed, publicKey, signature)
  )
  const share = credentials! / verification!
  console.log(`  GetCredentialsForIdentity with an OpenID token: ${perSecond(credentials!)}`)
  console.log(`  jose verifying the same token alone:            ${perSecond(verification!)}`)
  console.log(`  its RSA signature checked alone (node:crypto):  ${perSecond(signatureAlone!)}`)
  console.log(`  the call at ${Math.round(share * 100)}% of the verification alone (target: 50% or more)${share >= 0.5 ? "" : " BELOW TARGET"}, at ${Math.round((credentials! / signatureAlone!) * 100)}% of the signature check alone`)
  await runtime.dispose()
}
