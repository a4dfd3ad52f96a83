import { Effect, type Schema } from "effect"
import { type Caller, Validation } from "@syncalite/core"
import type { CognitoIdentityConfigShape } from "../CognitoIdentityConfig.js"
import { InternalErrorException, InvalidParameterException, NotAuthorizedException } from "../CognitoIdentityError.js"
import type { DatasetMergeShape } from "../DatasetMerge.js"
import type { VerifyLogin } from "./logins.js"
import { type IdentityStoreShape, StorageError } from "./storeModel.js"
import type { Tokens } from "./tokens.js"

/** What every operation works with, resolved once when the service is built. */
export interface Services {
  readonly store: IdentityStoreShape
  readonly datasets: DatasetMergeShape
  readonly config: CognitoIdentityConfigShape
  readonly tokens: Tokens
  readonly verifyLogin: VerifyLogin
}

/**
 * Who may call an operation: anyone (the calls AWS serves unsigned, which authenticate the
 * identity by its logins), or the application with developer credentials.
 */
export type Access = "anyone" | "developer"

/** An operation: its access, and its handler once given the services. */
export interface Operation<I, O, E> {
  (services: Services): Handler<I, O, E>
  readonly access: Access
}

export type Handler<I, O, E> = (
  input: I,
  caller?: Caller.Caller
) => Effect.Effect<O, E | NotAuthorizedException | InvalidParameterException | InternalErrorException>

const internal = (error: StorageError) =>
  new InternalErrorException({ message: "An internal error occurred while accessing storage", cause: error })

const refusal = () => new NotAuthorizedException({ message: "These credentials are not valid for accessing this resource" })

/** Whether a developer caller limited to some pools may touch this one. */
export const mayTouch = (caller: Caller.Caller | undefined, identityPoolId: string): boolean =>
  caller === undefined || caller.kind !== "developer" || caller.pools === undefined || caller.pools.includes(identityPoolId)

/**
 * An operation: authorization first (so that a refusal reveals nothing), then the model's
 * validation, then the behaviour; storage faults become InternalErrorException.
 */
export const operation = <A, I, O, E>(spec: {
  readonly access: Access
  readonly input: Schema.Schema<A, I>
  readonly run: (services: Services, input: A, caller: Caller.Caller | undefined) => Effect.Effect<O, E>
}): Operation<I, O, Exclude<E, StorageError>> => {
  const build = (services: Services): Handler<I, O, Exclude<E, StorageError>> => {
    const decode = Validation.decoder(spec.input)
    return (input, caller) =>
      Effect.suspend((): Effect.Effect<O, Exclude<E, StorageError> | NotAuthorizedException | InvalidParameterException | InternalErrorException> => {
        if (spec.access === "developer") {
          const pool = typeof input === "object" && input !== null ? (input as { readonly IdentityPoolId?: unknown }).IdentityPoolId : undefined
          if (caller?.kind !== "developer" || (typeof pool === "string" && !mayTouch(caller, pool))) return Effect.fail(refusal())
        }
        const decoded = decode(input)
        if (decoded._tag === "Left") return Effect.fail(new InvalidParameterException({ message: decoded.left }))
        return Effect.mapError(
          spec.run(services, decoded.right, caller),
          (error): Exclude<E, StorageError> | InternalErrorException =>
            error instanceof StorageError ? internal(error) : error as Exclude<E, StorageError>
        )
      })
  }
  return Object.assign(build, { access: spec.access })
}
