import { Either, ParseResult, Schema } from "effect"
import { InvalidParameterException } from "../CognitoSyncError.js"
import { compileDecoder, Undecided } from "./compiledDecoder.js"

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

/** JSON of a value, or a placeholder for one too deep (or cyclic) to write. */
const written = (value: object): string => {
  try {
    return JSON.stringify(value)
  } catch {
    return Array.isArray(value) ? "[...]" : "{...}"
  }
}

const shown = (value: unknown): string => {
  if (value === undefined || value === null) return "null"
  const text = value instanceof Date
    ? (Number.isNaN(value.getTime()) ? String(value) : value.toISOString())
    : typeof value === "object"
    ? written(value)
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
 * Decodes an input: the decoded value, or the AWS validation message.
 */
export const decodeOrMessage = <A, I>(schema: Schema.Schema<A, I>) => {
  const options = { errors: "all", onExcessProperty: "ignore" } as const
  const decode = Schema.decodeUnknownEither(schema, options)
  const compiled = compileDecoder(schema, options)
  return (input: unknown): Either.Either<A, string> => {
    const value = compiled === undefined ? Undecided : compiled(input)
    if (value !== Undecided) return Either.right(value)
    return Either.mapLeft(decode(withoutNulls(input)), (error) => validationMessage(input, error))
  }
}

/**
 * Decodes an operation's input: the decoded value, or InvalidParameterException with the AWS
 * validation message.
 */
export const decodeInput = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = decodeOrMessage(schema)
  return (input: unknown): Either.Either<A, InvalidParameterException> =>
    Either.mapLeft(decode(input), (message) => new InvalidParameterException({ message }))
}

type Container = Array<unknown> | Record<string, unknown>

const isPlain = (value: unknown): value is Container => {
  if (typeof value !== "object" || value === null) return false
  if (Array.isArray(value)) return true
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** A container being walked: its members not yet visited, and its copy once something changed. */
interface Frame {
  readonly source: Container
  readonly keys: ReadonlyArray<string>
  next: number
  copy: Container | undefined
  readonly parent: Frame | undefined
  readonly key: string
}

const frameOf = (source: Container, parent: Frame | undefined, key: string): Frame => ({
  source,
  keys: Object.keys(source),
  next: 0,
  copy: undefined,
  parent,
  key
})

const copied = (frame: Frame): Record<string, unknown> =>
  (frame.copy ??= Array.isArray(frame.source) ? frame.source.slice() : { ...frame.source }) as Record<string, unknown>

/**
 * As in AWS's JSON protocols, a member that is null (or undefined) is a member not given.
 * A loop rather than a recursion, so that no nesting overflows the stack; copied only where
 * something changes, since most inputs hold no nulls and pass through as they are. A container
 * met again inside itself is left as it is.
 */
export const withoutNulls = (value: unknown): unknown => {
  if (!isPlain(value)) return value
  const root = frameOf(value, undefined, "")
  const onPath = new Set<unknown>([value])
  let frame: Frame | undefined = root
  while (frame !== undefined) {
    if (frame.next < frame.keys.length) {
      const key = frame.keys[frame.next++]!
      const member = (frame.source as Record<string, unknown>)[key]
      if ((member === null || member === undefined) && !Array.isArray(frame.source)) {
        delete copied(frame)[key]
      } else if (isPlain(member) && !onPath.has(member)) {
        onPath.add(member)
        frame = frameOf(member, frame, key)
      }
      continue
    }
    onPath.delete(frame.source)
    const parent: Frame | undefined = frame.parent
    if (parent !== undefined && frame.copy !== undefined) {
      // defined rather than assigned: a member named `__proto__` stays a member
      Object.defineProperty(copied(parent), frame.key, { value: frame.copy, writable: true, enumerable: true, configurable: true })
    }
    frame = parent
  }
  return root.copy ?? value
}
