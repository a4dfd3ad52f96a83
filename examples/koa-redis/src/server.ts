/**
 * `syncalite serve` with the API on Koa, over Redis (`SYNCALITE_STORE`, by default `REDIS_URL` or
 * redis://127.0.0.1:6379), so that several processes on several machines serve one store.
 *
 *   node --import tsx examples/koa-redis/src/server.ts      # at the repository root
 */
import { pathToFileURL } from "node:url"
import Koa from "koa"
import { readConfig, runServer, startServer } from "@syncalite/cli"
import { cognitoSync } from "@syncalite/koa"

export const main = (env: { readonly [name: string]: string | undefined } = process.env, print = console.log) =>
  startServer(readConfig({ SYNCALITE_STORE: env["REDIS_URL"] || "redis://127.0.0.1:6379", ...env }), {
    print,
    app: (options) => {
      const middleware = cognitoSync(options)
      const app = new Koa()
      app.use(middleware)
      return { listener: app.callback(), dispose: middleware.dispose, endStreams: middleware.handler.endStreams }
    }
  })

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runServer(main)
