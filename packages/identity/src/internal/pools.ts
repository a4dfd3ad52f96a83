import { Effect, Either } from "effect"
import { InvalidParameterException } from "../CognitoIdentityError.js"
import type { IdentityPool } from "../Shapes.js"
import type { StoredPool } from "./storeModel.js"

/** The pool as the API answers it: without its roles, role mappings and principal-tag maps. */
export const publicPool = (pool: StoredPool): IdentityPool => {
  const { PrincipalTagMaps: _tags, RoleMappings: _mappings, Roles: _roles, ...rest } = pool
  return rest
}

/** The ARN of a pool, which the tagging operations name it by. */
export const poolArn = (region: string, accountId: string, identityPoolId: string): string =>
  `arn:aws:cognito-identity:${region}:${accountId}:identitypool/${identityPoolId}`

const arnPattern = /^arn:aws:cognito-identity:[a-z0-9-]+:\d{1,15}:identitypool\/([\w-]+:[0-9a-f-]+)$/

/** The pool an ARN names, or InvalidParameterException for what is not a pool's ARN. */
export const poolOfArn = (arn: string): Either.Either<string, InvalidParameterException> => {
  const match = arnPattern.exec(arn)
  return match === null
    ? Either.left(new InvalidParameterException({ message: `Invalid identity pool ARN: ${arn.slice(0, 256)}` }))
    : Either.right(match[1]!)
}

const idPattern = /^[\w-]+:[0-9a-f-]+$/

/** A NextToken: the last id of the page, opaque to the caller. */
export const nextToken = (id: string): string => Buffer.from(id, "utf8").toString("base64url")

/** The id a NextToken continues after, or InvalidParameterException for a token not made by `nextToken`. */
export const afterToken = (token: string | undefined): Effect.Effect<string | undefined, InvalidParameterException> => {
  if (token === undefined) return Effect.succeed(undefined)
  const id = Buffer.from(token, "base64url").toString("utf8")
  return idPattern.test(id) && nextToken(id) === token
    ? Effect.succeed(id)
    : Effect.fail(new InvalidParameterException({ message: "The NextToken is not valid" }))
}
