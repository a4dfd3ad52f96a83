/**
 * The handler on Node's own `http` objects: a request from an `IncomingMessage`, a response
 * written to a `ServerResponse`. The standalone server and the Express binding use them.
 *
 * @since 0.1.0
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { HttpRequest, HttpResponse } from "./Handler.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RequestParts {
  /** what is routed: the path and query below the mount point; `req.url` by default */
  readonly url?: string
  /** what is signed: the path and query as the client sent them; `req.url` by default */
  readonly originalUrl?: string
  /** a body the application already read: raw bytes or text (preferred), or parsed JSON */
  readonly body?: unknown
  /** the raw bytes of a body the application parsed, when it kept them (`rawBody`) */
  readonly rawBody?: unknown
  readonly native?: unknown
}

/**
 * A handler request from a Node request. The body is the stream itself unless the application
 * already read it: then its raw bytes when they were kept, or else the parsed value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toRequest = (req: IncomingMessage, parts: RequestParts = {}): HttpRequest => {
  const url = parts.url ?? req.url ?? "/"
  const base = {
    method: req.method ?? "GET",
    url,
    originalUrl: parts.originalUrl ?? req.url ?? url,
    headers: req.headers,
    native: parts.native ?? req
  }
  const raw = parts.rawBody ?? parts.body
  if (typeof raw === "string" || raw instanceof Uint8Array) return { ...base, body: raw }
  // a parser that skipped the body (not JSON, say) may still have set a placeholder such as `{}`
  if (parts.body === undefined || !req.readableDidRead) return { ...base, body: req }
  return { ...base, parsedBody: parts.body }
}

const write = (res: ServerResponse, response: HttpResponse): void => {
  if (res.headersSent) {
    res.end()
    return
  }
  res.writeHead(response.status, { ...response.headers, "content-length": Buffer.byteLength(response.body) })
  res.end(response.body)
}

/**
 * Writes a handler response, once the requests that arrived with it were handled: the answers
 * of one turn of the event loop leave together, rather than one system call between each read.
 *
 * @since 0.1.0
 * @category destructors
 */
export const writeResponse = (res: ServerResponse, response: HttpResponse): void => {
  setImmediate(write, res, response)
}
