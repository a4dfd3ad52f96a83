/**
 * The `npm start` server: Cognito Sync on Express, configured from the environment (see
 * environment.ts and store.ts), shutting down cleanly on SIGTERM and SIGINT.
 *
 *   npm start                                    # at the repository root
 *   PORT=9000 SYNCALITE_STORE=memory npm start
 */
import { once } from "node:events"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import express from "express"
import { createCognitoSync } from "@syncalite/core"
import { cognitoSync } from "@syncalite/express"
import { banner, readEnvironment } from "./environment.js"
import { storeLayer } from "./store.js"

export const main = async (env: { readonly [name: string]: string | undefined } = process.env, log = console.log) => {
  const environment = readEnvironment(env, "sqlite:./data/syncalite.db")
  const sync = createCognitoSync({ tokenSecret: environment.secret, store: await storeLayer(environment.store) })
  const middleware = cognitoSync({
    sync,
    developers: [environment.developer],
    identitySecret: environment.secret,
    ...(environment.pools === undefined ? {} : { pools: environment.pools })
  })

  const app = express()
  app.disable("x-powered-by")
  app.get("/healthz", (_req, res) => void res.json({ ok: true }))
  app.use(middleware)
  const server = app.listen(environment.port)
  await once(server, "listening")
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  log(banner(environment, endpoint, "Express"))

  const close = async () => {
    // stop accepting, let requests in flight finish, then release the service
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
