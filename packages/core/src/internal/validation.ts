import { Either, ParseResult, Schema } from "effect"
import { InvalidParameterException } from "../CognitoSyncError.js"

const awsPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((segment) =>
    typeof segment === "number"
      ? `${segment + 1}.member`
      : String(segment).charAt(0).toLowerCase() + String(segment).slice(1)
  ).join(".")

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let value = input
  for (const segment of path) {
    if (typeof value !== "object" || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[segment]
  }
  return value
}

const shown = (value: unknown): string => {
  if (value === undefined || value === null) return "null"
  const text = value instanceof Date
    ? (Number.isNaN(value.getTime()) ? String(value) : value.toISOString())
    : typeof value === "object"
    ? JSON.stringify(value)
    : String(value)
  return `'${text.length > 256 ? `${text.slice(0, 256)}...` : text}'`
}

/**
 * Renders schema failures as AWS renders constraint violations.
 */
export const validationMessage = (input: unknown, error: ParseResult.ParseError): string => {
  const seen = new Set<string>()
  const lines: Array<string> = []
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = awsPath(issue.path)
    if (seen.has(path)) continue
    seen.add(path)
    const constraint = issue._tag === "Missing" ? "Member must not be null" : issue.message
    lines.push(`Value ${shown(valueAt(input, issue.path))} at '${path}' failed to satisfy constraint: ${constraint}`)
  }
  return `${lines.length} validation error${lines.length === 1 ? "" : "s"} detected: ${lines.join("; ")}`
}

/**
 * Decodes an operation's input: the decoded value, or InvalidParameterException with the AWS
 * validation message.
 */
export const decodeInput = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })
  return (input: unknown): Either.Either<A, InvalidParameterException> =>
    Either.mapLeft(
      decode(withoutNulls(input)),
      (error) => new InvalidParameterException({ message: validationMessage(input, error) })
    )
}

/** As in AWS's JSON protocols, a member that is null (or undefined) is a member not given. */
const withoutNulls = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    let copy: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      const member = withoutNulls(value[i])
      if (member !== value[i]) (copy ??= value.slice())[i] = member
    }
    return copy ?? value
  }
  if (typeof value !== "object" || value === null) return value
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  // copied only where something changes: most inputs hold no nulls and pass through as they are
  let copy: Record<string, unknown> | undefined
  for (const key in value) {
    const member = (value as Record<string, unknown>)[key]
    const cleaned = member === null || member === undefined ? undefined : withoutNulls(member)
    if (cleaned !== member || (member === undefined && Object.hasOwn(value, key))) {
      copy ??= { ...value as Record<string, unknown> }
      if (cleaned === undefined) delete copy[key]
      else copy[key] = cleaned
    }
  }
  return copy ?? value
}
