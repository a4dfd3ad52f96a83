/**
 * The handler on Node's own `http` objects: a request from an `IncomingMessage`, a response
 * written to a `ServerResponse`. The standalone server and the Express binding use them.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http"
import type { Duplex } from "node:stream"
import type { HttpRequest, HttpResponse } from "./Handler.js"
import { encodeError, type ResponseStream, type WireError } from "./Protocol.js"

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
  const method = req.method ?? "GET"
  const originalUrl = parts.originalUrl ?? req.url ?? url
  const native = parts.native ?? req
  const { headers, rawHeaders } = req
  // each a literal of its own rather than a base spread into it: a spread copies property by property
  const raw = parts.rawBody ?? parts.body
  if (typeof raw === "string" || raw instanceof Uint8Array) return { method, url, originalUrl, headers, rawHeaders, native, body: raw }
  // a parser that skipped the body (not JSON, say) may still have set a placeholder such as `{}`
  if (parts.body === undefined || !req.readableDidRead) return { method, url, originalUrl, headers, rawHeaders, native, body: req }
  return { method, url, originalUrl, headers, rawHeaders, native, parsedBody: parts.body }
}

/** the most a slow reader of a stream may leave unread before it is cut (it reconnects and replays) */
const MAX_UNREAD_BYTES = 1024 * 1024

const stream = (res: ServerResponse, response: HttpResponse, body: ResponseStream): void => {
  res.writeHead(response.status, response.headers)
  res.flushHeaders()
  const stop = body.pipe({
    write: (chunk) => {
      res.write(chunk)
      if (res.writableLength > MAX_UNREAD_BYTES) res.destroy()
    },
    end: () => res.end()
  })
  if (res.destroyed || res.writableEnded) stop()
  else res.once("close", stop)
}

const write = (res: ServerResponse, response: HttpResponse): void => {
  if (res.headersSent) {
    res.end()
    return
  }
  if (response.stream !== undefined) return stream(res, response, response.stream)
  // names and values in turn, which node:http takes as headers, rather than a copy of the object
  const head: Array<string | number> = []
  for (const name in response.headers) if (name !== "content-length") head.push(name, response.headers[name]!)
  head.push("content-length", Buffer.byteLength(response.body))
  res.writeHead(response.status, head)
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

/** What Node's parser refused, as the protocol answers it. */
const refusalOf = (code: string | undefined): WireError => {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return { name: "RequestHeaderFieldsTooLargeException", status: 431, message: "The request line and headers are larger than the server reads" }
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { name: "RequestTimeoutException", status: 408, message: "The request did not arrive in time" }
    default:
      return { name: "InvalidParameterException", status: 400, message: `The request is not valid HTTP/1.1 (${code ?? "unreadable"})` }
  }
}

/**
 * Answers what Node's own parser refuses (the server's `clientError`: headers or a URL too
 * large, an unknown method, `Content-Length` with `Transfer-Encoding`, a bad chunk) as every
 * other error is answered, with `x-amzn-ErrorType`, a JSON `__type` and `message` and a request
 * id, while a response can still be written; then closes the connection, since what follows on
 * it cannot be read.
 *
 * @since 0.1.0
 * @category listeners
 */
export const answerClientError = (error: Error & { readonly code?: string }, socket: Duplex): void => {
  const pending = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (error.code === "ECONNRESET" || !socket.writable || pending?.headersSent === true) {
    socket.destroy()
    return
  }
  const response = encodeError(refusalOf(error.code), randomUUID())
  const head = Object.entries({ ...response.headers, "content-length": String(Buffer.byteLength(response.body)), connection: "close" })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")
  // closed once written, rather than left half-open for a client that keeps sending
  socket.end(`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status]}\r\n${head}\r\n${response.body}`, () => socket.destroy())
}

/**
 * Makes a server answer its client errors with `answerClientError`, and hand a request without
 * `Host` to the handler, which refuses it with the same body, rather than answer a bare 400
 * itself: what the standalone server does, and what an application serving the Express or Koa
 * binding calls on its own server.
 *
 * @since 0.1.0
 * @category listeners
 */
export const answerClientErrors = <S extends Server>(server: S): S => {
  ;(server as { requireHostHeader?: boolean }).requireHostHeader = false
  return server.on("clientError", answerClientError)
}
