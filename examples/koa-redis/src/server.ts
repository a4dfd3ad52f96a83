/**
 * The same server on Koa over Redis (`SYNCALITE_STORE`, by default `REDIS_URL` or
 * redis://127.0.0.1:6379), so that several processes on several machines serve one store.
 *
 *   npm start --workspace examples/koa-redis
 */
import { once } from "node:events"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import Koa from "koa"
import { createCognitoSync } from "@syncalite/core"
import { cognitoSync } from "@syncalite/koa"
import { banner, readEnvironment } from "../../express-sqlite/src/environment.js"
import { storeLayer } from "../../express-sqlite/src/store.js"

export const main = async (env: { readonly [name: string]: string | undefined } = process.env, log = console.log) => {
  const environment = readEnvironment(env, env["REDIS_URL"] || "redis://127.0.0.1:6379")
  const sync = createCognitoSync({ tokenSecret: environment.secret, store: await storeLayer(environment.store) })
  const middleware = cognitoSync({
    sync,
    developers: [environment.developer],
    identitySecret: environment.secret,
    ...(environment.pools === undefined ? {} : { pools: environment.pools })
  })

  const app = new Koa()
  app.use(async (ctx, next) => {
    if (ctx.path === "/healthz") ctx.body = { ok: true }
    else await next()
  })
  app.use(middleware)
  const server = app.listen(environment.port)
  await once(server, "listening")
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  log(banner(environment, endpoint, "Koa"))

  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const timer = setTimeout(() => server.closeAllConnections(), 5_000)
    await closed
    clearTimeout(timer)
    await middleware.dispose()
    await sync.close()
  }
  return { endpoint, environment, close }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const running = await main()
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        console.log(`syncalite: ${signal}, shutting down`)
        running.close().then(() => process.exit(0), () => process.exit(1))
      })
    }
  } catch (error) {
    console.error(`syncalite: ${(error as Error).message}`)
    process.exit(1)
  }
}
