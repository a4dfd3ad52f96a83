/**
 * MergeDeveloperIdentities: the identity of the source user merges into the destination user's,
 * which survives: every login of the source moves to it, and every dataset of the source moves
 * as `<DatasetName>.<source identity id>` (SPEC B §6). Users linked to one identity already
 * answer it unchanged.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import { developerPoolOf, notFound } from "../internal/identities.js"
import { merge } from "../internal/merges.js"
import { operation } from "../internal/operation.js"
import { MergeDeveloperIdentitiesInput, type MergeDeveloperIdentitiesResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const MergeDeveloperIdentities = operation({
  access: "developer",
  input: MergeDeveloperIdentitiesInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const pool = yield* developerPoolOf(services, input.IdentityPoolId, input.DeveloperProviderName)
      const identityOfUser = (subject: string) =>
        Effect.flatMap(services.store.findLogin(pool.IdentityPoolId, { provider: input.DeveloperProviderName, subject }), (id) =>
          id === undefined ? Effect.fail(notFound("Identity", subject)) : Effect.succeed(id))
      const source = yield* identityOfUser(input.SourceUserIdentifier)
      const destination = yield* identityOfUser(input.DestinationUserIdentifier)
      if (source !== destination) yield* merge(services, pool.IdentityPoolId, source, destination, now)
      return { IdentityId: destination } satisfies MergeDeveloperIdentitiesResponse
    })
})
