/**
 * UnlinkDeveloperIdentity: a developer user identifier no longer stands for the identity; seen
 * again, it gets a new one. An identity left without logins in a pool that does not allow
 * unauthenticated identities is disabled.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import { developerPoolOf, notFound } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { UnlinkDeveloperIdentityInput } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const UnlinkDeveloperIdentity = operation({
  access: "developer",
  input: UnlinkDeveloperIdentityInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const pool = yield* developerPoolOf(services, input.IdentityPoolId, input.DeveloperProviderName)
      const identity = yield* services.store.readIdentity(input.IdentityId)
      if (identity === undefined || identity.identityPoolId !== pool.IdentityPoolId) {
        return yield* Effect.fail(notFound("Identity", input.IdentityId))
      }
      const login = { provider: input.DeveloperProviderName, subject: input.DeveloperUserIdentifier }
      const unlinked = yield* services.store.unlinkLogin(input.IdentityId, login, now, !pool.AllowUnauthenticatedIdentities)
      if (!unlinked) return yield* Effect.fail(notFound("Identity", input.DeveloperUserIdentifier))
      return {}
    })
})
