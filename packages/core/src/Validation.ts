/**
 * The model's constraints as `effect/Schema` members, failing with AWS's own words, and the
 * decoding of an input into the message AWS gives for its violations ("1 validation error
 * detected: Value '…' at '…' failed to satisfy constraint: …"). Shared by every AWS API of
 * syncalite.
 *
 * @since 0.1.0
 */
import { type Either, Schema } from "effect"
import { decodeOrMessage } from "./internal/validation.js"

/**
 * The annotation of a constraint: `Member must <text>`.
 *
 * @since 0.1.0
 * @category constraints
 */
export const constraint = (text: string) => ({ message: () => `Member must ${text}` })

/**
 * The annotation of an enumeration; a union's own message must override its members'
 * ("Expected "a", actual …") to be AWS's.
 *
 * @since 0.1.0
 * @category constraints
 */
export const enumeration = (values: ReadonlyArray<string>) => ({
  message: () => ({ message: `Member must satisfy enum value set: [${values.join(", ")}]`, override: true })
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const string: Schema.Schema<string> = Schema.String.annotations(constraint("be a string"))

/**
 * @since 0.1.0
 * @category schemas
 */
export const integer: Schema.Schema<number> = Schema.Number.annotations(constraint("be a number")).pipe(
  Schema.int(constraint("be an integer"))
)

/**
 * @since 0.1.0
 * @category schemas
 */
export const boolean: Schema.Schema<boolean> = Schema.Boolean.annotations(constraint("be a boolean"))

/**
 * A string's length between `min` and `max`, either left open when undefined.
 *
 * @since 0.1.0
 * @category constraints
 */
export const length = (min: number | undefined, max: number | undefined) => (self: Schema.Schema<string>): Schema.Schema<string> => {
  const withMin = min === undefined ? self : self.pipe(
    Schema.minLength(min, constraint(`have length greater than or equal to ${min}`))
  )
  return max === undefined ? withMin : withMin.pipe(
    Schema.maxLength(max, constraint(`have length less than or equal to ${max}`))
  )
}

/**
 * A string matching the model's pattern as a whole.
 *
 * @since 0.1.0
 * @category constraints
 */
export const pattern = (source: string) => (self: Schema.Schema<string>): Schema.Schema<string> =>
  self.pipe(Schema.pattern(new RegExp(`^(?:${source})$`), constraint(`satisfy regular expression pattern: ${source}`)))

/**
 * A decoder of an input, null members taken as absent as in AWS's JSON protocols: the value, or
 * the AWS validation message.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decoder: <A, I>(schema: Schema.Schema<A, I>) => (input: unknown) => Either.Either<A, string> = decodeOrMessage
