/**
 * `syncalite serve` with a page that shows a dataset's changes live in the browser: it gets
 * identity credentials from `POST /demo/credentials` (where an application has its own login),
 * registers a device, presigns the device's events URL with `@smithy/signature-v4` and opens it
 * with an `EventSource`. Run it on a Redis store (`SYNCALITE_STORE`, by default `REDIS_URL` or
 * redis://127.0.0.1:6379) and a write through any server on that Redis appears on the page.
 *
 * The demo login keeps the page's identity in a signed session cookie, so that the page renews
 * its credentials for the same identity; `DEMO_CREDENTIALS_SECONDS` sets their lifetime (an
 * hour by default). `/?expires=<seconds>` makes the page presign its events URLs for that long.
 *
 *   node --import tsx examples/browser/src/server.ts      # at the repository root
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto"
import type { IncomingMessage } from "node:http"
import { fileURLToPath, pathToFileURL } from "node:url"
import { CognitoSyncClient, SetIdentityPoolConfigurationCommand } from "@aws-sdk/client-cognito-sync"
import { build } from "esbuild"
import { readConfig, runServer, startServer } from "@syncalite/cli"
import { Handler, IdentityCredentials, NodeHttp } from "@syncalite/http"

/** The identity pool of the page's identities, and the dataset it watches. */
export const demoPool = "us-east-1:0b0e5e75-0000-4000-8000-000000000001"
export const demoDataset = "notes"

const html = `<!doctype html>
<html>
  <head><meta charset="utf-8"><title>syncalite: live changes</title></head>
  <body>
    <h1>Changes to the dataset "${demoDataset}"</h1>
    <p id="status">starting</p>
    <ol id="changes"></ol>
    <script src="/page.js"></script>
  </body>
</html>`

/** The page's script, bundled for the browser. */
const bundle = async (): Promise<string> => {
  const built = await build({
    entryPoints: [fileURLToPath(new URL("./page.ts", import.meta.url))],
    bundle: true,
    write: false,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true
  })
  return built.outputFiles[0]!.text
}

/** The login of the demo: the identity of the session cookie when its signature holds, else a new one. */
const loginOf = (secret: string) => {
  const sign = (identityId: string) => createHmac("sha256", secret).update(`demo session\n${identityId}`).digest("base64url")
  return (req: IncomingMessage): { readonly identityId: string; readonly cookie: string } => {
    const given = /(?:^|;\s*)demo-identity=([^;]*)/.exec(req.headers.cookie ?? "")?.[1]
    const [identityId, signature] = decodeURIComponent(given ?? "").split(" ")
    const expected = identityId === undefined ? "" : sign(identityId)
    const valid = signature !== undefined && signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
    const kept = valid ? identityId! : `us-east-1:${randomUUID()}`
    return { identityId: kept, cookie: `demo-identity=${encodeURIComponent(`${kept} ${sign(kept)}`)}; Path=/demo; HttpOnly; SameSite=Strict` }
  }
}

export const main = async (env: { readonly [name: string]: string | undefined } = process.env, print = console.log) => {
  const config = readConfig({ SYNCALITE_STORE: env["REDIS_URL"] || "redis://127.0.0.1:6379", ...env })
  const ttlSeconds = Number(env["DEMO_CREDENTIALS_SECONDS"] || 3600)
  if (!(ttlSeconds > 0)) throw new Error(`DEMO_CREDENTIALS_SECONDS=${env["DEMO_CREDENTIALS_SECONDS"]} is not a positive number of seconds`)
  const login = loginOf(config.secret)
  const script = await bundle()
  const running = await startServer(config, {
    print,
    app: (options) => {
      const handler = Handler.make(options)
      return {
        listener: (req, res) => {
          const path = req.url?.split("?")[0]
          if (req.method === "GET" && path === "/") return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html)
          if (req.method === "GET" && path === "/page.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(script)
          if (req.method === "POST" && path === "/demo/credentials") {
            const { cookie, identityId } = login(req)
            const credentials = IdentityCredentials.issueIdentityCredentials({ secret: config.secret, identityPoolId: demoPool, identityId, ttlSeconds })
            const body = { ...credentials, identityPoolId: demoPool, identityId, dataset: demoDataset, region: "us-east-1" }
            return void res.writeHead(200, { "content-type": "application/json", "set-cookie": cookie }).end(JSON.stringify(body))
          }
          handler.handle(NodeHttp.toRequest(req)).then((response) => NodeHttp.writeResponse(res, response), () => res.destroy())
        },
        dispose: handler.dispose,
        endStreams: handler.endStreams
      }
    }
  })
  // push sync is on for the page's pool: a device registers under one of its platforms
  const admin = new CognitoSyncClient({ endpoint: running.endpoint, region: "us-east-1", credentials: config.developer, maxAttempts: 1 })
  await admin.send(new SetIdentityPoolConfigurationCommand({
    IdentityPoolId: demoPool,
    PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/syncalite-browser-example"] }
  }))
  admin.destroy()
  return running
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runServer(main)
