import express from "express"
import { afterAll, describe, expect, it } from "vitest"
import { Caller, createCognitoSync } from "@syncalite/core"
import { cognitoSync } from "@syncalite/express"
import { HttpSuite } from "@syncalite/testing"

const secret = "express binding test secret"
const pool = "us-east-1:0e1a2b3c"
const sync = createCognitoSync({ tokenSecret: secret })
const closing: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const close of closing) await close()
  await sync.close()
})

const serve = async (app: express.Express, prefix: string) => {
  const target = await HttpSuite.serve(app, prefix)
  closing.push(target.close)
  return target.endpoint
}

/** A device writing and reading one dataset with the v3 client. */
const roundTrip = (endpoint: string, identityId: string) =>
  HttpSuite.roundTrip(endpoint, { secret, identityPoolId: pool, identityId, value: "vé \"quoted\"" })

describe("@syncalite/express", () => {
  it("reuses a body the app parsed with express.json(), under a nested mount path", async () => {
    const app = express()
    app.use(express.json())
    const api = express.Router()
    api.use("/sync", cognitoSync({ sync, identitySecret: secret }))
    app.use("/api", api)
    const records = await roundTrip(await serve(app, "/api/sync"), "us-east-1:0000aaa1")
    expect(records).toMatchObject([{ Key: "k", Value: "vé \"quoted\"", SyncCount: 1, DeviceLastModifiedDate: new Date(1700000000123) }])
  })

  it("reuses the raw bytes an express.json() verify hook kept, whatever their layout", async () => {
    const app = express()
    app.use(express.json({ verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }))
    app.use(cognitoSync({ sync, identitySecret: secret }))
    const endpoint = await serve(app, "")
    expect(await roundTrip(endpoint, "us-east-1:0000aaa2")).toHaveLength(1)
  })

  it("takes the caller from the app's own login through the authenticate hook", async () => {
    const app = express()
    app.use((req, _res, next) => {
      if (req.headers["x-session"] === "alice") (req as unknown as { user: string }).user = "us-east-1:0000a11c"
      next()
    })
    app.use("/cs", cognitoSync({
      sync,
      authenticate: (req) => {
        const user = (req as unknown as { user?: string }).user
        return user === undefined ? undefined : Caller.identity(pool, user)
      }
    }))
    const endpoint = await serve(app, "/cs")
    const path = `/cs/identitypools/${encodeURIComponent(pool)}/identities/${encodeURIComponent("us-east-1:0000a11c")}/datasets/d/records`
    const url = new URL(endpoint)
    const ok = await fetch(`${url.origin}${path}`, { headers: { "x-session": "alice" } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ DatasetExists: false })
    const refused = await fetch(`${url.origin}${path}`)
    expect(refused.status).toBe(403)
    expect(refused.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException")
  })

  it("at the root with fallthrough, leaves the app's own routes alone", async () => {
    const app = express()
    app.use(cognitoSync({ sync, identitySecret: secret, fallthrough: true }))
    app.get("/health", (_req, res) => void res.send("ok"))
    const endpoint = await serve(app, "")
    expect(await (await fetch(`${endpoint}/health`)).text()).toBe("ok")
    const api = await fetch(`${endpoint}/identitypools`)
    expect(api.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException")
    const events = await fetch(`${endpoint}/identitypools/us-east-1%3Aabc/identity/us-east-1%3A01/device/d/events`)
    expect(events.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException")
  })

  it("hands a request it cannot read to the app's error handler", async () => {
    const app = express()
    app.use((req, _res, next) => {
      Object.defineProperty(req, "body", { get: () => { throw new Error("the app's body parser broke") } })
      next()
    })
    app.use(cognitoSync({ sync, identitySecret: secret }))
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
      void res.status(500).send(`handled: ${error.message}`))
    const response = await fetch(`${await serve(app, "")}/identitypools`)
    expect(response.status).toBe(500)
    expect(await response.text()).toBe("handled: the app's body parser broke")
  })
})
