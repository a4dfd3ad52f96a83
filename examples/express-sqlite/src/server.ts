/**
 * The `npm start` server: Cognito Sync on Express, configured from the environment (see
 * environment.ts and store.ts), on SQLite unless SYNCALITE_STORE says otherwise, shutting down
 * cleanly on SIGTERM and SIGINT.
 *
 *   npm start                                    # at the repository root
 *   PORT=9000 SYNCALITE_STORE=memory npm start
 */
import express from "express"
import { cognitoSync } from "@syncalite/express"
import { runAsScript, serve } from "./serve.js"

export const main = (env: { readonly [name: string]: string | undefined } = process.env, log = console.log) =>
  serve({
    env,
    log,
    framework: "Express",
    defaultStore: "sqlite:./data/syncalite.db",
    app: (options) => {
      const middleware = cognitoSync(options)
      const app = express()
      app.disable("x-powered-by")
      app.get("/healthz", (_req, res) => void res.json({ ok: true }))
      app.use(middleware)
      return { listener: app, dispose: () => middleware.dispose() }
    }
  })

await runAsScript(import.meta.url, main)
