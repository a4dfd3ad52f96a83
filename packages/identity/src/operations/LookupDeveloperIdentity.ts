/**
 * LookupDeveloperIdentity: the identity a developer user identifier is linked to, or the
 * developer user identifiers of an identity, a page at a time. Given both, they must agree
 * (ResourceConflictException otherwise); given neither, InvalidParameterException.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { InvalidParameterException, ResourceConflictException } from "../CognitoIdentityError.js"
import { notFound, poolOf } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { LookupDeveloperIdentityInput, type LookupDeveloperIdentityResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const LookupDeveloperIdentity = operation({
  access: "developer",
  input: LookupDeveloperIdentityInput,
  run: (services, input) =>
    Effect.gen(function*() {
      if (input.IdentityId === undefined && input.DeveloperUserIdentifier === undefined) {
        return yield* Effect.fail(new InvalidParameterException({ message: "Either IdentityId or DeveloperUserIdentifier must be given" }))
      }
      const pool = yield* poolOf(services, input.IdentityPoolId)
      const provider = pool.DeveloperProviderName
      let identityId = input.IdentityId
      if (input.DeveloperUserIdentifier !== undefined) {
        const linked = provider === undefined
          ? undefined
          : yield* services.store.findLogin(pool.IdentityPoolId, { provider, subject: input.DeveloperUserIdentifier })
        if (linked === undefined) return yield* Effect.fail(notFound("Identity", input.DeveloperUserIdentifier))
        if (identityId !== undefined && identityId !== linked) {
          return yield* Effect.fail(
            new ResourceConflictException({ message: "The developer user identifier is linked to another identity" })
          )
        }
        identityId = linked
      }
      const identity = yield* services.store.readIdentity(identityId!)
      if (identity === undefined || identity.identityPoolId !== pool.IdentityPoolId) {
        return yield* Effect.fail(notFound("Identity", identityId!))
      }
      const users = identity.logins.flatMap((login) => login.provider === provider ? [login.subject] : [])
      const start = input.NextToken === undefined ? 0 : users.indexOf(Buffer.from(input.NextToken, "base64url").toString("utf8")) + 1
      if (start === 0 && input.NextToken !== undefined) {
        return yield* Effect.fail(new InvalidParameterException({ message: "The NextToken is not valid" }))
      }
      const page = users.slice(start, start + (input.MaxResults ?? 60))
      const more = start + page.length < users.length
      return {
        IdentityId: identity.identityId,
        DeveloperUserIdentifierList: page,
        ...(more ? { NextToken: Buffer.from(page.at(-1)!, "utf8").toString("base64url") } : {})
      } satisfies LookupDeveloperIdentityResponse
    })
})
