/**
 * GetOpenIdToken: an OpenID token for an identity its logins prove, signed with the server's
 * key (published at `/.well-known/jwks.json`), valid ten minutes by default: the
 * `cognito-identity.amazonaws.com` login of later calls.
 *
 * @since 0.1.0
 */
import { Duration, Effect } from "effect"
import { operation } from "../internal/operation.js"
import { provenIdentity } from "../internal/session.js"
import { GetOpenIdTokenInput, type GetOpenIdTokenResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const GetOpenIdToken = operation({
  access: "anyone",
  input: GetOpenIdTokenInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const proven = yield* provenIdentity(services, input.IdentityId, input.Logins)
      const Token = yield* services.tokens.sign(
        {
          identityPoolId: proven.pool.IdentityPoolId,
          identityId: proven.identityId,
          amr: proven.authenticated ? ["authenticated", ...proven.providers] : ["unauthenticated"]
        },
        proven.now,
        Duration.toSeconds(services.config.openIdTokenLifetime)
      )
      return { IdentityId: proven.identityId, Token } satisfies GetOpenIdTokenResponse
    })
})
