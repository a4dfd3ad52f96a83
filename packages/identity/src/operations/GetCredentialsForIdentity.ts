/**
 * GetCredentialsForIdentity: syncalite's own identity credentials (those the HTTP layer
 * verifies) for an identity its logins prove, one hour by default. `CustomRoleArn` is accepted
 * and has no effect: syncalite assumes no IAM role.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Redacted } from "effect"
import { issueIdentityCredentials } from "../IdentityCredentials.js"
import { operation } from "../internal/operation.js"
import { provenIdentity } from "../internal/session.js"
import { GetCredentialsForIdentityInput, type GetCredentialsForIdentityResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const GetCredentialsForIdentity = operation({
  access: "anyone",
  input: GetCredentialsForIdentityInput,
  run: (services, input) =>
    Effect.map(provenIdentity(services, input.IdentityId, input.Logins), (proven): GetCredentialsForIdentityResponse => {
      const credentials = issueIdentityCredentials({
        secret: Redacted.value(services.config.credentialsSecret),
        identityPoolId: proven.pool.IdentityPoolId,
        identityId: proven.identityId,
        ttlSeconds: Duration.toSeconds(services.config.credentialsLifetime),
        now: proven.now
      })
      return {
        IdentityId: proven.identityId,
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          Expiration: credentials.expiration
        }
      }
    })
})
