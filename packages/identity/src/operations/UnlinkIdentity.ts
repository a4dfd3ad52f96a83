/**
 * UnlinkIdentity: removes the logins of the named providers from an identity its logins prove.
 * An identity left without logins in a pool that does not allow unauthenticated identities is
 * disabled. The developer provider's users are unlinked by UnlinkDeveloperIdentity only.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { InvalidParameterException } from "../CognitoIdentityError.js"
import { operation } from "../internal/operation.js"
import { provenIdentity } from "../internal/session.js"
import { UnlinkIdentityInput } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const UnlinkIdentity = operation({
  access: "anyone",
  input: UnlinkIdentityInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const proven = yield* provenIdentity(services, input.IdentityId, input.Logins)
      if (proven.pool.DeveloperProviderName !== undefined && input.LoginsToRemove.includes(proven.pool.DeveloperProviderName)) {
        return yield* Effect.fail(new InvalidParameterException({ message: "Developer logins are unlinked with UnlinkDeveloperIdentity" }))
      }
      const identity = yield* services.store.readIdentity(proven.identityId)
      const removed = (identity?.logins ?? []).filter((login) => input.LoginsToRemove.includes(login.provider))
      for (const login of removed) {
        yield* services.store.unlinkLogin(proven.identityId, login, proven.now, !proven.pool.AllowUnauthenticatedIdentities)
      }
      return {}
    })
})
