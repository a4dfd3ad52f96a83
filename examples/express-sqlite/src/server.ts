/**
 * `syncalite serve` with the API on Express: the same configuration, store, logs, metrics and
 * signals, with the Cognito Sync middleware in an Express app of your own.
 *
 *   node --import tsx examples/express-sqlite/src/server.ts      # at the repository root
 *   PORT=9000 SYNCALITE_STORE=memory node --import tsx examples/express-sqlite/src/server.ts
 */
import { pathToFileURL } from "node:url"
import express from "express"
import { readConfig, runServer, startServer } from "@syncalite/cli"
import { cognitoSync } from "@syncalite/express"

export const main = (env: { readonly [name: string]: string | undefined } = process.env, print = console.log) =>
  startServer(readConfig(env), {
    print,
    app: (options) => {
      const middleware = cognitoSync(options)
      const app = express()
      app.disable("x-powered-by")
      app.use(middleware)
      return { listener: app, dispose: middleware.dispose, endStreams: middleware.handler.endStreams }
    }
  })

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runServer(main)
