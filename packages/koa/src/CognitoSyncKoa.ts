/**
 * Cognito Sync as Koa middleware: stock AWS SDK clients talk to it as to the AWS service.
 *
 * @example
 * ```ts
 * import Koa from "koa"
 * import { createCognitoSync } from "@syncalite/core"
 * import { cognitoSync } from "@syncalite/koa"
 *
 * const app = new Koa()
 * app.use(cognitoSync({
 *   prefix: "/cognito-sync",
 *   sync: createCognitoSync({ tokenSecret: process.env.SYNCALITE_SECRET }),
 *   developers: [{ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "a developer secret" }],
 *   identitySecret: process.env.SYNCALITE_SECRET
 * }))
 * app.listen(8080)
 * ```
 *
 * @since 0.1.0
 */
import type { Context, Middleware as KoaMiddleware, Next } from "koa"
import type { Caller } from "@syncalite/core"
import { Events, Handler, NodeHttp, Router, Server } from "@syncalite/http"

/**
 * The handler's options, with an `authenticate` hook that sees the Koa context
 * (`ctx.state.user` of the app's own login, for instance).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Omit<Handler.HandlerOptions, "authenticate"> {
  /** the application's own login, tried before SigV4 */
  readonly authenticate?: (ctx: Context) => Caller.Caller | undefined | Promise<Caller.Caller | undefined>
  /**
   * serve below this path (`"/cognito-sync"`), passing everything else on; the root by default.
   * With `koa-mount`, leave it out: the mounted `ctx.url` is used.
   */
  readonly prefix?: string
  /** hand requests that match no Cognito Sync route to the next middleware instead of answering 404 */
  readonly fallthrough?: boolean
}

/**
 * The middleware, with the handler it runs and a way to release it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Middleware extends KoaMiddleware {
  readonly handler: Handler.Handler
  /** releases the service when it was given as a layer */
  readonly dispose: () => Promise<void>
}

/**
 * Koa middleware answering the Cognito Sync API. A body the app already parsed is reused:
 * `ctx.request.rawBody` (as `@koa/bodyparser` keeps it), or else the parsed JSON.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cognitoSync = (options: Options): Middleware => {
  const { authenticate, fallthrough, prefix: given, ...rest } = options
  const prefix = Server.normalizePrefix(given)
  const handler = Handler.make(
    authenticate === undefined ? rest : { ...rest, authenticate: (request) => authenticate(request.native as Context) }
  )
  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    const url = Server.below(prefix, ctx.url)
    if (url === undefined) return next()
    const path = url.split("?")[0]!
    if (fallthrough === true && Router.match(ctx.method, path)._tag === "NotFound" && Events.route(path) === undefined) return next()
    const parsed = ctx.request as { body?: unknown; rawBody?: unknown }
    // handled with the other requests of this turn of the event loop once they are read (see Server.listener)
    await new Promise<void>((resolve) => setImmediate(resolve))
    const response = await handler.handle(
      NodeHttp.toRequest(ctx.req, { url, originalUrl: ctx.originalUrl, body: parsed.body, rawBody: parsed.rawBody, native: ctx })
    )
    // answer once the requests of this turn of the event loop were handled (see NodeHttp.writeResponse)
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (response.stream !== undefined) {
      // an event stream is written as it comes, past Koa's own response
      ctx.respond = false
      return NodeHttp.writeResponse(ctx.res, response)
    }
    ctx.status = response.status
    ctx.set(response.headers)
    ctx.body = response.body
  }
  return Object.assign(middleware, { handler, dispose: handler.dispose })
}
