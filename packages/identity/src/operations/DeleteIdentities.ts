/**
 * DeleteIdentities: removes identities and their logins' links (their datasets stay in the sync
 * store). An identity of a pool the caller may not touch is answered as unprocessed with
 * `AccessDenied`; one that does not exist is nothing to do.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { mayTouch, operation } from "../internal/operation.js"
import type { StorageError } from "../internal/storeModel.js"
import { DeleteIdentitiesInput, type DeleteIdentitiesResponse, type UnprocessedIdentityId } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const DeleteIdentities = operation({
  access: "developer",
  input: DeleteIdentitiesInput,
  run: (services, input, caller) =>
    Effect.map(
      Effect.forEach(input.IdentityIdsToDelete, (identityId) =>
        Effect.flatMap(services.store.readIdentity(identityId), (identity): Effect.Effect<ReadonlyArray<UnprocessedIdentityId>, StorageError> =>
          identity === undefined
            ? Effect.succeed([])
            : mayTouch(caller, identity.identityPoolId)
            ? Effect.as(services.store.deleteIdentity(identityId), [])
            : Effect.succeed([{ IdentityId: identityId, ErrorCode: "AccessDenied" as const }]))),
      (unprocessed): DeleteIdentitiesResponse => ({ UnprocessedIdentityIds: unprocessed.flat() })
    )
})
