/**
 * Cognito Sync as Express middleware: mount it under any path (or at the root) and stock AWS SDK
 * clients talk to it as to the AWS service.
 *
 * @example
 * ```ts
 * import express from "express"
 * import { createCognitoSync } from "@syncalite/core"
 * import { cognitoSync } from "@syncalite/express"
 *
 * const app = express()
 * app.use("/cognito-sync", cognitoSync({
 *   sync: createCognitoSync({ tokenSecret: process.env.SYNCALITE_SECRET }),
 *   developers: [{ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "a developer secret" }],
 *   identitySecret: process.env.SYNCALITE_SECRET
 * }))
 * app.listen(8080)
 * ```
 *
 * @since 0.1.0
 */
import type { NextFunction, Request, RequestHandler, Response } from "express"
import type { Caller } from "@syncalite/core"
import { Events, Handler, NodeHttp, Router } from "@syncalite/http"

/**
 * The handler's options, with an `authenticate` hook that sees the Express request (`req.user`
 * of the app's own login, for instance).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Omit<Handler.HandlerOptions, "authenticate"> {
  /** the application's own login, tried before SigV4 */
  readonly authenticate?: (req: Request) => Caller.Caller | undefined | Promise<Caller.Caller | undefined>
  /** hand requests that match no Cognito Sync route to the next middleware instead of answering 404 */
  readonly fallthrough?: boolean
}

/**
 * The middleware, with the handler it runs and a way to release it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Middleware extends RequestHandler {
  readonly handler: Handler.Handler
  /** releases the service when it was given as a layer */
  readonly dispose: () => Promise<void>
}

/**
 * Express middleware answering the Cognito Sync API. A body the app already parsed is reused:
 * its raw bytes when kept (`express.raw()`, or `req.rawBody` from a `verify` hook), or else
 * the parsed JSON.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cognitoSync = (options: Options): Middleware => {
  const { authenticate, fallthrough, ...rest } = options
  const handler = Handler.make(
    authenticate === undefined ? rest : { ...rest, authenticate: (request) => authenticate(request.native as Request) }
  )
  const handle = (req: Request, res: Response, next: NextFunction): void => {
    let request: Handler.HttpRequest
    try {
      request = NodeHttp.toRequest(req, {
        url: req.url,
        originalUrl: req.originalUrl,
        body: req.body,
        rawBody: (req as { rawBody?: unknown }).rawBody
      })
    } catch (error) {
      // outside Express's own call, a throw would otherwise escape its error handling
      return next(error)
    }
    handler.handle(request).then((response) => NodeHttp.writeResponse(res, response), next)
  }
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (fallthrough === true && Router.match(req.method, req.path)._tag === "NotFound" && Events.route(req.path) === undefined) return next()
    // handled with the other requests of this turn of the event loop once they are read (see Server.listener)
    setImmediate(handle, req, res, next)
  }
  return Object.assign(middleware, { handler, dispose: handler.dispose })
}
