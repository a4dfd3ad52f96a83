import { Effect } from "effect"
import { createRemoteJWKSet, errors, jwtVerify } from "jose"
import type { LoginProvider } from "../CognitoIdentityConfig.js"
import { ExternalServiceException, NotAuthorizedException } from "../CognitoIdentityError.js"
import type { StoredPool } from "./storeModel.js"

/** The login provider of the server's own OpenID tokens. */
export const COGNITO_IDENTITY = "cognito-identity.amazonaws.com"

/** Verifies a login of a third-party provider: the subject its token stands for. */
export type VerifyLogin = (
  provider: string,
  token: string,
  now: number
) => Effect.Effect<string, NotAuthorizedException | ExternalServiceException>

const refused = (provider: string, cause?: unknown) =>
  new NotAuthorizedException({ message: `Invalid login token. The ${provider} token could not be verified.`, cause })

/** Whether the pool accepts logins of this provider (its configuration names it). */
export const poolAccepts = (pool: StoredPool, provider: string): boolean =>
  Object.hasOwn(pool.SupportedLoginProviders ?? {}, provider) ||
  (pool.OpenIdConnectProviderARNs ?? []).some((arn) => arn.endsWith(`:oidc-provider/${provider}`)) ||
  (pool.CognitoIdentityProviders ?? []).some((idp) => idp.ProviderName === provider)

/** A network failure or timeout fetching keys is the provider's fault; anything else refuses the token. */
const isUnreachable = (error: unknown): boolean =>
  error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)

export const makeVerifyLogin = (providers: { readonly [provider: string]: LoginProvider }): VerifyLogin => {
  const verifiers = new Map<string, (token: string, now: number) => Promise<string>>()
  for (const [provider, spec] of Object.entries(providers)) {
    if (typeof spec === "function") {
      verifiers.set(provider, async (token) => {
        let subject: unknown
        try {
          subject = await spec(token)
        } catch (cause) {
          throw new errors.JOSEError(cause instanceof Error ? cause.message : "refused")
        }
        if (typeof subject !== "string" || subject === "") throw new errors.JOSEError("no subject")
        return subject
      })
      continue
    }
    const keys = createRemoteJWKSet(new URL(spec.jwksUrl))
    const audience = typeof spec.audience === "string" ? spec.audience : [...spec.audience]
    const issuer = spec.issuer ?? `https://${provider}`
    verifiers.set(provider, async (token, now) => {
      const { payload } = await jwtVerify(token, keys, { audience, issuer, currentDate: new Date(now) })
      if (typeof payload.sub !== "string" || payload.sub === "") throw new errors.JWTClaimValidationFailed("no subject", payload, "sub")
      return payload.sub
    })
  }
  return (provider, token, now) => {
    const verifier = verifiers.get(provider)
    if (verifier === undefined) return Effect.fail(refused(provider))
    return Effect.tryPromise({
      try: () => verifier(token, now),
      catch: (error) =>
        isUnreachable(error)
          ? new ExternalServiceException({ message: `The login provider ${provider} could not be reached`, cause: error })
          : refused(provider, error)
    })
  }
}
