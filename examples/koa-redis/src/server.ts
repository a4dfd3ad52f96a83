/**
 * The same server on Koa over Redis (`SYNCALITE_STORE`, by default `REDIS_URL` or
 * redis://127.0.0.1:6379), so that several processes on several machines serve one store.
 *
 *   npm start --workspace examples/koa-redis
 */
import Koa from "koa"
import { cognitoSync } from "@syncalite/koa"
import { runAsScript, serve } from "../../express-sqlite/src/serve.js"

export const main = (env: { readonly [name: string]: string | undefined } = process.env, log = console.log) =>
  serve({
    env,
    log,
    framework: "Koa",
    defaultStore: env["REDIS_URL"] || "redis://127.0.0.1:6379",
    app: (options) => {
      const middleware = cognitoSync(options)
      const app = new Koa()
      app.use(async (ctx, next) => {
        if (ctx.path === "/healthz") ctx.body = { ok: true }
        else await next()
      })
      app.use(middleware)
      return { listener: app.callback(), dispose: () => middleware.dispose() }
    }
  })

await runAsScript(import.meta.url, main)
