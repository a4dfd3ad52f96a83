/**
 * The SigV4 canonical request, built directly from a request as received: the method, the path
 * as sent (percent-encoded once by the client) encoded once more, the query pairs sorted, the
 * signed headers and the payload hash, exactly as `@smithy/signature-v4` writes it for a service
 * other than S3 (`uriEscapePath`).
 */

/** Name/value pairs of a query string, percent-decoded, in the order received. */
export type QueryPairs = ReadonlyArray<readonly [string, string]>

/** Header values as Node gives them: lower-case names, repeated headers as arrays. */
export interface ReceivedHeaders {
  readonly [name: string]: string | ReadonlyArray<string> | undefined
}

const unreserved = /^[A-Za-z0-9\-._~]*$/
/** a path of unreserved characters and percent signs: encoded once more, only its `%` change */
const percentEncodedPath = /^[A-Za-z0-9\-._~/%]*$/
const reservedByRfc3986 = /[!'()*]/g

const hexEncode = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`

/** RFC 3986 percent-encoding of everything but the unreserved characters, as the signers escape. */
export const escapeUri = (text: string): string =>
  unreserved.test(text) ? text : encodeURIComponent(text).replace(reservedByRfc3986, hexEncode)

/** A path with an empty, `.` or `..` segment, which the signers remove before encoding. */
const unnormalized = /\/\/|\/\.\.?(?:\/|$)/

/** The canonical path: dot and empty segments removed, then the path encoded once more. */
export const canonicalPath = (path: string): string => {
  let normalized = path
  if (unnormalized.test(path)) {
    const segments: Array<string> = []
    for (const segment of path.split("/")) {
      if (segment === "" || segment === ".") continue
      if (segment === "..") segments.pop()
      else segments.push(segment)
    }
    normalized = `/${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`
  }
  return percentEncodedPath.test(normalized)
    ? normalized.replaceAll("%", "%25")
    : encodeURIComponent(normalized).replace(reservedByRfc3986, hexEncode).replace(/%2F/g, "/")
}

const byNameThenValue = (a: readonly [string, string], b: readonly [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0

/** The canonical query: every pair but the signature itself, encoded, sorted by name then value. */
export const canonicalQuery = (pairs: QueryPairs): string => {
  const encoded: Array<readonly [string, string]> = []
  for (const [name, value] of pairs) {
    if (name.length === 15 && name.toLowerCase() === "x-amz-signature") continue
    encoded.push([escapeUri(name), escapeUri(value)])
  }
  if (encoded.length > 1) encoded.sort(byNameThenValue)
  let query = ""
  for (let i = 0; i < encoded.length; i++) query += `${i === 0 ? "" : "&"}${encoded[i]![0]}=${encoded[i]![1]}`
  return query
}

const foldable = /[\t\r\n]| {2}|^ | $/
const lineBreaks = /[\r\n]/g
const blanks = /[ \t]+/g
const outerSpace = /^ | $/g

/**
 * A header's canonical value: repeated values joined with commas, line breaks and runs of spaces
 * and tabs made one space, trimmed; `undefined` when the header is absent.
 */
export const canonicalHeaderValue = (value: string | ReadonlyArray<string> | undefined): string | undefined => {
  // an inherited property (`constructor`) is no header
  const joined = typeof value === "string" ? value : Array.isArray(value) ? value.join(",") : undefined
  if (joined === undefined) return undefined
  return foldable.test(joined) ? joined.replace(lineBreaks, " ").replace(blanks, " ").replace(outerSpace, "") : joined
}

/**
 * The canonical request, or `undefined` when a signed header is missing. `signedHeaders` are the
 * names of the credential's `SignedHeaders`, sorted, `signedHeaderList` the list as written.
 */
export const canonicalRequest = (
  method: string,
  path: string,
  query: QueryPairs,
  headers: ReceivedHeaders,
  signedHeaders: ReadonlyArray<string>,
  signedHeaderList: string,
  payloadHash: string
): string | undefined => {
  let lines = `${method}\n${canonicalPath(path)}\n${canonicalQuery(query)}\n`
  for (const name of signedHeaders) {
    const value = canonicalHeaderValue(headers[name])
    if (value === undefined) return undefined
    lines += `${name}:${value}\n`
  }
  return `${lines}\n${signedHeaderList}\n${payloadHash}`
}
