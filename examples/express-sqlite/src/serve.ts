/**
 * What both example servers share: the service and its middleware options from the
 * environment, the listening server with its banner, a clean close, and the command-line
 * entry that closes on SIGTERM and SIGINT.
 */
import { once } from "node:events"
import { createServer, type RequestListener } from "node:http"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import { type CognitoSyncClient, CognitoSyncConfig, createCognitoSync } from "@syncalite/core"
import type { Sigv4 } from "@syncalite/http"
import { banner, readEnvironment, type ServerEnvironment } from "./environment.js"
import { storeLayer } from "./store.js"

/** The options both bindings take. */
export interface MiddlewareOptions {
  readonly sync: CognitoSyncClient
  readonly developers: ReadonlyArray<Sigv4.DeveloperCredentials>
  readonly identitySecret: string
  readonly pools?: ReadonlyArray<string>
}

/** A framework's app around the Cognito Sync middleware, with a `/healthz` route. */
export interface App {
  readonly listener: RequestListener
  readonly dispose: () => Promise<void>
}

export interface Running {
  readonly endpoint: string
  readonly environment: ServerEnvironment
  readonly close: () => Promise<void>
}

/** Starts a server: the store SYNCALITE_STORE names (`defaultStore` when unset), the app, the banner. */
export const serve = async (options: {
  readonly env: { readonly [name: string]: string | undefined }
  readonly log: (line: string) => void
  readonly framework: string
  readonly defaultStore: string
  readonly app: (middleware: MiddlewareOptions) => App
}): Promise<Running> => {
  const environment = readEnvironment(options.env, options.defaultStore)
  const sync = createCognitoSync({
    tokenSecret: environment.secret,
    limits: CognitoSyncConfig.limitsFromEnv(options.env),
    store: await storeLayer(environment.store, { redisPrefix: environment.redisPrefix })
  })
  // built before listening: a store that cannot be opened stops the start, rather than failing every request
  await sync.runtime.runtime().catch(async (error: unknown) => {
    await sync.close()
    throw error
  })
  const app = options.app({
    sync,
    developers: [environment.developer],
    identitySecret: environment.secret,
    ...(environment.pools === undefined ? {} : { pools: environment.pools })
  })
  const server = createServer(app.listener).listen(environment.port)
  await once(server, "listening")
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  options.log(banner(environment, endpoint, options.framework))

  const close = async () => {
    // stop accepting, let requests in flight finish, then release the service
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const timer = setTimeout(() => server.closeAllConnections(), 5_000)
    await closed
    clearTimeout(timer)
    await app.dispose()
    await sync.close()
  }
  return { endpoint, environment, close }
}

/** Runs `main` when `moduleUrl` is the script node was started with, closing on SIGTERM and SIGINT. */
export const runAsScript = async (moduleUrl: string, main: () => Promise<Running>): Promise<void> => {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? "").href) return
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
