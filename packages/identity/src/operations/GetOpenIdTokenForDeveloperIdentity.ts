/**
 * GetOpenIdTokenForDeveloperIdentity: the application, with developer credentials, vouches for
 * its user (`Logins: { <the pool's DeveloperProviderName>: <user identifier> }`, and any other
 * logins, verified): the identity linked to that user, created on first use (or `IdentityId`,
 * to which the logins are linked), and an OpenID token for it, valid `TokenDuration` seconds
 * (fifteen minutes by default) — the `cognito-identity.amazonaws.com` login the device presents.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Clock, Duration, Effect } from "effect"
import { InvalidParameterException } from "../CognitoIdentityError.js"
import { identityForLogins, identityOf, linkLogins, notFound, poolOf, verifyLogins } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import {
  GetOpenIdTokenForDeveloperIdentityInput,
  type GetOpenIdTokenForDeveloperIdentityResponse
} from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const GetOpenIdTokenForDeveloperIdentity = operation({
  access: "developer",
  input: GetOpenIdTokenForDeveloperIdentityInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const pool = yield* poolOf(services, input.IdentityPoolId)
      if (pool.DeveloperProviderName === undefined || !Object.hasOwn(input.Logins, pool.DeveloperProviderName)) {
        return yield* Effect.fail(
          new InvalidParameterException({ message: "Logins must hold the identity pool's developer provider name" })
        )
      }
      const verified = yield* verifyLogins(services, pool, input.Logins, now, true)
      let identityId: string
      if (input.IdentityId === undefined) {
        identityId = yield* identityForLogins(services, pool, verified, `${services.config.region}:${randomUUID()}`, now)
      } else {
        const { identity } = yield* identityOf(services, input.IdentityId)
        if (identity.identityPoolId !== pool.IdentityPoolId) return yield* Effect.fail(notFound("Identity", input.IdentityId))
        identityId = yield* linkLogins(services, pool, identity, verified, now, true)
      }
      const providers = [...new Set(verified.flatMap((login) => login._tag === "Login" ? [login.login.provider] : []))]
      const Token = yield* services.tokens.sign(
        {
          identityPoolId: pool.IdentityPoolId,
          identityId,
          amr: ["authenticated", ...providers],
          ...(input.PrincipalTags === undefined ? {} : { principalTags: input.PrincipalTags })
        },
        now,
        input.TokenDuration ?? Duration.toSeconds(services.config.developerTokenLifetime)
      )
      return { IdentityId: identityId, Token } satisfies GetOpenIdTokenForDeveloperIdentityResponse
    })
})
