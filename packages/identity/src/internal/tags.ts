import { Effect, Either } from "effect"
import type { Caller } from "@syncalite/core"
import { type InvalidParameterException, NotAuthorizedException, type ResourceNotFoundException } from "../CognitoIdentityError.js"
import { notFound } from "./identities.js"
import { mayTouch, type Services } from "./operation.js"
import { poolOfArn } from "./pools.js"
import type { StorageError } from "./storeModel.js"

type Tags = { readonly [key: string]: string }

/** The pool an ARN names, if the caller may touch it. */
export const taggedPool = (
  caller: Caller.Caller | undefined,
  arn: string
): Effect.Effect<string, InvalidParameterException | NotAuthorizedException> =>
  Effect.flatMap(poolOfArn(arn), (identityPoolId) =>
    mayTouch(caller, identityPoolId)
      ? Effect.succeed(identityPoolId)
      : Effect.fail(new NotAuthorizedException({ message: "These credentials are not valid for accessing this resource" })))

/** Changes the tags of the pool an ARN names. */
export const changeTags = (
  services: Services,
  caller: Caller.Caller | undefined,
  arn: string,
  change: (tags: Tags) => Tags
): Effect.Effect<{}, InvalidParameterException | NotAuthorizedException | ResourceNotFoundException | StorageError> =>
  Effect.gen(function*() {
    const identityPoolId = yield* taggedPool(caller, arn)
    const pool = yield* services.store.updatePool(identityPoolId, (pool) =>
      Either.right({ ...pool, IdentityPoolTags: change(pool.IdentityPoolTags ?? {}) }))
    if (pool === undefined) return yield* Effect.fail(notFound("IdentityPool", identityPoolId))
    return {}
  })
