/**
 * GetId: the identity of a device in a pool. Without logins, a new unauthenticated identity,
 * where the pool allows them; with logins, each verified, the identity they are linked to,
 * created on first use and the same every time after.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect } from "effect"
import { identityForLogins, poolOf, unauthenticatedRefused, verifyLogins } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { GetIdInput, type GetIdResponse } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const GetId = operation({
  access: "anyone",
  input: GetIdInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const pool = yield* poolOf(services, input.IdentityPoolId)
      const verified = yield* verifyLogins(services, pool, input.Logins, now, false)
      const newId = `${services.config.region}:${randomUUID()}`
      if (verified.length > 0) {
        return { IdentityId: yield* identityForLogins(services, pool, verified, newId, now) } satisfies GetIdResponse
      }
      if (!pool.AllowUnauthenticatedIdentities) return yield* Effect.fail(unauthenticatedRefused())
      yield* services.store.createIdentity({
        identityId: newId,
        identityPoolId: pool.IdentityPoolId,
        logins: [],
        creationDate: now,
        lastModifiedDate: now,
        disabled: false
      })
      return { IdentityId: newId } satisfies GetIdResponse
    })
})
