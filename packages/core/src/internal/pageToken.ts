import { Effect } from "effect"
import { InvalidParameterException } from "../CognitoSyncError.js"
import { seal, unseal } from "./signing.js"

/**
 * NextToken values: a cursor sealed with the server secret and bound to the listing it belongs
 * to, so that a forged, altered or misplaced token is refused.
 */
export const sealPage = (secret: string, listing: ReadonlyArray<unknown>, cursor: unknown): string =>
  seal(secret, ["n", listing, cursor])

export const unsealPage = (
  secret: string,
  listing: ReadonlyArray<unknown>,
  token: string
): Effect.Effect<unknown, InvalidParameterException> => {
  const payload = unseal(secret, token)
  if (
    Array.isArray(payload) && payload.length === 3 && payload[0] === "n" &&
    JSON.stringify(payload[1]) === JSON.stringify(listing)
  ) return Effect.succeed(payload[2])
  return Effect.fail(new InvalidParameterException({ message: "The NextToken is not valid for this request" }))
}
