/**
 * The REST-JSON protocol of Cognito Sync: an operation's input read from the path labels, the
 * query string, the headers and the JSON body of a request, and outputs and errors written as
 * the AWS SDKs read them (timestamps as epoch seconds, errors with `x-amzn-ErrorType` and a
 * body holding `__type` and `message`).
 *
 * @since 0.1.0
 */
import { exceededInText, exceededInValue, type JsonBounds } from "./internal/jsonBounds.js"
import { recordsOutputJson } from "./internal/recordsJson.js"
import type { Route } from "./Router.js"

/**
 * An HTTP response, ready to be written by any server.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpResponse {
  readonly status: number
  readonly headers: { readonly [name: string]: string }
  readonly body: string
  /** a body written as it comes (the events route), after `body` */
  readonly stream?: ResponseStream
}

/**
 * Where a streamed response writes.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamSink {
  readonly write: (chunk: string) => void
  readonly end: () => void
}

/**
 * The body of a streamed response: `pipe` starts writing to a sink and answers the stop, called
 * when the client goes away.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseStream {
  readonly pipe: (sink: StreamSink) => () => void
}

/**
 * An error as the protocol sends it: the AWS exception name, its HTTP status and its message.
 *
 * @since 0.1.0
 * @category models
 */
export interface WireError {
  readonly name: string
  readonly status: number
  readonly message: string
}

/**
 * A request the protocol could not turn into an input.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError {
  /** @since 0.1.0 */
  readonly _tag = "DecodeError"
  /** @since 0.1.0 */
  readonly name = "InvalidParameterException"
  /** @since 0.1.0 */
  readonly status = 400
  constructor(readonly message: string) {}
}

const decodeComponent = (text: string, what: string): string | DecodeError => {
  if (!text.includes("%")) return text
  try {
    return decodeURIComponent(text)
  } catch {
    return new DecodeError(`The ${what} is not a valid percent-encoded string`)
  }
}

/**
 * The name/value pairs of a raw query string, percent-decoded (`+` is a plus sign, as the SigV4
 * canonical query has it).
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseQuery = (query: string): Array<readonly [string, string]> | DecodeError => {
  const pairs: Array<readonly [string, string]> = []
  if (query === "") return pairs
  for (const part of query.split("&")) {
    if (part === "") continue
    const eq = part.indexOf("=")
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq), "query string")
    if (typeof name !== "string") return name
    const value = decodeComponent(eq < 0 ? "" : part.slice(eq + 1), "query string")
    if (typeof value !== "string") return value
    pairs.push([name, value])
  }
  return pairs
}

const isPlainObject = (u: unknown): u is { [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Epoch seconds to a `Date` at every timestamp path, from its `at`th step on; anything else is left
 * for validation to refuse. A value parsed here (`owned`) is changed in place, one the application
 * parsed is copied along the path.
 */
const toDates = (value: unknown, path: ReadonlyArray<string>, at: number, owned: boolean): unknown => {
  if (at === path.length) return typeof value === "number" && Number.isFinite(value) ? new Date(value * 1000) : value
  const head = path[at]!
  if (head === "*") {
    if (!Array.isArray(value)) return value
    if (!owned) return value.map((item) => toDates(item, path, at + 1, owned))
    for (let i = 0; i < value.length; i++) value[i] = toDates(value[i], path, at + 1, owned)
    return value
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, head)) return value
  const member = toDates(value[head], path, at + 1, owned)
  if (!owned) return { ...value, [head]: member }
  value[head] = member
  return value
}

const integerPattern = /^-?\d{1,16}$/

/**
 * The default bounds of a JSON body: 32 levels of nesting (an input of the API nests at most 4)
 * and 16 384 values (a full UpdateRecords of 1 024 patches holds some 6 150).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultJsonBounds: JsonBounds = { maxDepth: 32, maxValues: 16_384 }

export type { JsonBounds }

/**
 * The JSON body as a value: parsed only once its text is within the bounds, so that nothing
 * recursive ever reads a body nested without limit.
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseBody = (body: { readonly bytes: Uint8Array } | { readonly parsed: unknown }, bounds: JsonBounds): unknown => {
  if ("parsed" in body) {
    const exceeded = exceededInValue(body.parsed, bounds)
    return exceeded === undefined ? body.parsed : new DecodeError(exceeded)
  }
  if (body.bytes.length === 0) return {}
  const exceeded = exceededInText(body.bytes, bounds)
  if (exceeded !== undefined) return new DecodeError(exceeded)
  try {
    return JSON.parse(Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength).toString("utf8"))
  } catch {
    return new DecodeError("The request body is not valid JSON")
  }
}

/**
 * The input of an operation from the parts of a request: labels (still percent-encoded), the
 * query's pairs (`parseQuery`), lower-case headers and the JSON body (bytes, or a value the
 * application parsed), refused when it nests deeper or holds more values than `bounds` allow.
 * Types are left for the operation's own validation to check, so that a wrong type gets the
 * AWS validation message.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeInput = (
  route: Route,
  labels: { readonly [member: string]: string },
  query: ReadonlyArray<readonly [string, string]>,
  headers: { readonly [name: string]: string | ReadonlyArray<string> | undefined },
  body: { readonly bytes: Uint8Array } | { readonly parsed: unknown },
  bounds: JsonBounds = defaultJsonBounds
): { [member: string]: unknown } | DecodeError => {
  const input: { [member: string]: unknown } = {}
  if (route.body.length > 0) {
    const parsed = parseBody(body, bounds)
    if (parsed instanceof DecodeError) return parsed
    if (!isPlainObject(parsed)) return new DecodeError("The request body must be a JSON object")
    // a JSON null stays as it is: the operation's validation reads it as a member not given, as
    // the AWS deserializers do
    const picked: { [member: string]: unknown } = {}
    for (const member of route.body) {
      if (Object.hasOwn(parsed, member)) picked[member] = parsed[member]
    }
    let members: unknown = picked
    for (const path of route.timestamps) members = toDates(members, path, 0, !("parsed" in body))
    Object.assign(input, members)
  }
  for (const [name, member] of Object.entries(route.headers)) {
    const value = headers[name]
    if (value !== undefined) input[member] = typeof value === "string" ? value : value.join(",")
  }
  for (const [name, value] of query) {
    if (!Object.hasOwn(route.query, name)) continue
    const spec = route.query[name]!
    if (Object.hasOwn(input, spec.member)) continue
    input[spec.member] = spec.type === "integer" && integerPattern.test(value) ? Number(value) : value
  }
  for (const [member, raw] of Object.entries(labels)) {
    const value = decodeComponent(raw, "request path")
    if (typeof value !== "string") return value
    input[member] = value
  }
  return input
}

/**
 * Dates become epoch seconds, everywhere in an output. Copied only along the paths that lead to
 * a Date, so that the rest is handed to `JSON.stringify` as it is (which drops undefined members).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toWire = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  if (value instanceof Date) return value.getTime() / 1000
  if (Array.isArray(value)) {
    let out: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      const member: unknown = value[i]
      const wire = toWire(member)
      if (wire !== member) (out ??= value.slice())[i] = wire
    }
    return out ?? value
  }
  let out: { [key: string]: unknown } | undefined
  for (const key of Object.keys(value)) {
    const member = (value as { [key: string]: unknown })[key]
    if (typeof member !== "object" || member === null) continue
    const wire = toWire(member)
    if (wire !== member) (out ??= { ...value })[key] = wire
  }
  return out ?? value
}

const wireJson = (value: unknown): string => JSON.stringify(toWire(value))

const hasRecords = (output: unknown): output is { readonly Records: ReadonlyArray<unknown> } =>
  typeof output === "object" && output !== null && Array.isArray((output as { readonly Records?: unknown }).Records)

/**
 * An output as JSON, its Dates as epoch seconds (none given: `{}`); records (ListRecords,
 * UpdateRecords) written by the model's members.
 *
 * @since 0.1.0
 * @category encoding
 */
export const outputJson = (output: unknown): string =>
  (hasRecords(output) ? recordsOutputJson(output, wireJson) : undefined) ?? wireJson(output ?? {})

/**
 * A successful response: the operation's status and its output as JSON.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeOutput = (route: Route, output: unknown, requestId: string): HttpResponse => ({
  status: route.status,
  headers: { "content-type": "application/json", "x-amzn-RequestId": requestId },
  body: outputJson(output)
})

/**
 * An error response, the same on every path (validation, authentication, unknown route, 500):
 * the name in `x-amzn-ErrorType` and as `__type` in a JSON body with the message.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeError = (
  error: WireError,
  requestId: string,
  headers?: { readonly [name: string]: string }
): HttpResponse => ({
  status: error.status,
  headers: {
    ...headers,
    "content-type": "application/json",
    "x-amzn-ErrorType": error.name,
    "x-amzn-RequestId": requestId
  },
  body: JSON.stringify({ __type: error.name, message: error.message })
})
