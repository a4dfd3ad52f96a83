import { bodyParser } from "@koa/bodyparser"
import Koa from "koa"
import { afterAll, describe, expect, it } from "vitest"
import { Caller, createCognitoSync } from "@syncalite/core"
import { cognitoSync } from "@syncalite/koa"
import { HttpSuite } from "@syncalite/testing"

const secret = "koa binding test secret!"
const pool = "us-east-1:0e1a2b3c"
const sync = createCognitoSync({ tokenSecret: secret })
const closing: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const close of closing) await close()
  await sync.close()
})

const serve = async (app: Koa, prefix: string) => {
  const target = await HttpSuite.serve(app.callback(), prefix)
  closing.push(target.close)
  return target.endpoint
}

/** A device writing and reading one dataset with the v3 client. */
const roundTrip = (endpoint: string, identityId: string) =>
  HttpSuite.roundTrip(endpoint, { secret, identityPoolId: pool, identityId, value: "vé" })

describe("@syncalite/koa", () => {
  it("reuses a body @koa/bodyparser parsed (its rawBody), under a prefix beside other routes", async () => {
    const app = new Koa()
    app.use(bodyParser())
    app.use(cognitoSync({ sync, identitySecret: secret, prefix: "/cognito-sync/" }))
    app.use((ctx) => void (ctx.body = "the app"))
    const endpoint = await serve(app, "/cognito-sync")
    expect(await roundTrip(endpoint, "us-east-1:0000bbb1")).toMatchObject([{ Key: "k", Value: "vé", SyncCount: 1 }])
    const origin = new URL(endpoint).origin
    expect(await (await fetch(`${origin}/elsewhere`)).text()).toBe("the app")
    expect(await (await fetch(`${origin}/cognito-syncx/identitypools`)).text()).toBe("the app")
  })

  it("reuses a parsed body whose raw bytes are gone", async () => {
    const app = new Koa()
    app.use(bodyParser())
    app.use(async (ctx, next) => {
      delete (ctx.request as { rawBody?: unknown }).rawBody
      await next()
    })
    app.use(cognitoSync({ sync, identitySecret: secret }))
    expect(await roundTrip(await serve(app, ""), "us-east-1:0000bbb2")).toHaveLength(1)
  })

  it("takes the caller from the app's own login through the authenticate hook", async () => {
    const app = new Koa()
    app.use(async (ctx, next) => {
      if (ctx.get("x-session") === "bob") ctx.state["user"] = "us-east-1:0000b0b0"
      await next()
    })
    app.use(cognitoSync({
      sync,
      prefix: "/cs",
      authenticate: (ctx) => (typeof ctx.state["user"] === "string" ? Caller.identity(pool, ctx.state["user"]) : undefined)
    }))
    const endpoint = await serve(app, "/cs")
    const url = `${endpoint}/identitypools/${encodeURIComponent(pool)}/identities/${encodeURIComponent("us-east-1:0000b0b0")}/datasets`
    const ok = await fetch(url, { headers: { "x-session": "bob" } })
    expect(await ok.json()).toEqual({ Datasets: [], Count: 0 })
    const refused = await fetch(url)
    expect([refused.status, refused.headers.get("x-amzn-errortype")]).toEqual([403, "NotAuthorizedException"])
  })

  it("at the root with fallthrough, leaves the app's own routes alone", async () => {
    const app = new Koa()
    app.use(cognitoSync({ sync, identitySecret: secret, fallthrough: true }))
    app.use((ctx) => void (ctx.body = "ok"))
    const endpoint = await serve(app, "")
    expect(await (await fetch(`${endpoint}/health`)).text()).toBe("ok")
    expect((await fetch(`${endpoint}/identitypools`)).headers.get("x-amzn-errortype")).toBe("NotAuthorizedException")
    const events = await fetch(`${endpoint}/identitypools/us-east-1%3Aabc/identity/us-east-1%3A01/device/d/events`)
    expect(events.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException")
  })
})
