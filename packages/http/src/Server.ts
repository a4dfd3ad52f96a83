/**
 * A standalone Cognito Sync server on `node:http`, for a server with no framework.
 *
 * @example
 * ```ts
 * import { createCognitoSync } from "@syncalite/core"
 * import { Server } from "@syncalite/http"
 *
 * const server = Server.createServer({
 *   sync: createCognitoSync({ tokenSecret: process.env.SYNCALITE_SECRET }),
 *   developers: [{ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "a developer secret" }],
 *   identitySecret: process.env.SYNCALITE_SECRET
 * })
 * server.listen(8080, () => console.log("Cognito Sync on http://127.0.0.1:8080"))
 * ```
 *
 * @since 0.1.0
 */
import * as http from "node:http"
import * as Handler from "./Handler.js"
import * as NodeHttp from "./NodeHttp.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ServerOptions extends Handler.HandlerOptions {
  /** serve below this path (`"/cognito-sync"`); the root by default */
  readonly prefix?: string
}

/**
 * The prefix as a path: a leading slash, no trailing one; `""` for the root.
 *
 * @since 0.1.0
 * @category utils
 */
export const normalizePrefix = (prefix: string | undefined): string => {
  const trimmed = (prefix ?? "").replace(/\/+$/, "")
  return trimmed === "" ? "" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`
}

/**
 * The part of a request target below a prefix, or `undefined` when it lies outside.
 *
 * @since 0.1.0
 * @category utils
 */
export const below = (prefix: string, url: string): string | undefined => {
  if (prefix === "") return url
  if (!url.startsWith(prefix)) return undefined
  const rest = url.slice(prefix.length)
  return rest === "" || rest.startsWith("/") || rest.startsWith("?") ? rest : undefined
}

/**
 * A `node:http` request listener over a handler. The requests read in one turn of the event loop
 * are handled together once the reads are done, rather than each between two reads: a read's
 * system call leaves the processor's caches cold, and a handler run right after one pays for it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const listener = (handler: Handler.Handler, options: { readonly prefix?: string } = {}) => {
  const prefix = normalizePrefix(options.prefix)
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const originalUrl = req.url ?? "/"
    // outside the prefix nothing matches: the handler answers UnknownOperationException
    const url = below(prefix, originalUrl) ?? ""
    handler.handle(NodeHttp.toRequest(req, { url, originalUrl })).then(
      (response) => NodeHttp.writeResponse(res, response),
      () => res.destroy()
    )
  }
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    setImmediate(handle, req, res)
  }
}

/**
 * A `node:http` server answering the Cognito Sync API, its client errors included (see
 * `NodeHttp.answerClientError`); closing it ends the open event streams, then releases the
 * handler once the connections are done.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createServer = (options: ServerOptions): http.Server => {
  const handler = Handler.make(options)
  const server = NodeHttp.answerClientErrors(http.createServer(listener(handler, options)))
  server.on("close", () => {
    handler.dispose().catch(() => undefined)
  })
  // a stream never ends of itself: without this, close would wait on it forever
  const close = server.close.bind(server)
  return Object.assign(server, {
    close: (callback?: (error?: Error) => void) => {
      handler.endStreams()
      return close(callback)
    }
  })
}
