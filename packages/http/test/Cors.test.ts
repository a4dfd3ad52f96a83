import { afterAll, describe, expect, it } from "vitest"
import { Caller, createCognitoSync } from "@syncalite/core"
import { Handler } from "@syncalite/http"
import { createCognitoIdentity } from "@syncalite/identity"

const pool = "us-east-1:0e1a2b3c"
const identity = "us-east-1:0000cccc"
const device = Caller.identity(pool, identity)
const dataset = `/identitypools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(identity)}/datasets/settings`
const app = "https://app.example.com"
const sync = createCognitoSync({ tokenSecret: "cors test secret 0123456" })
afterAll(() => sync.close())

/** A handler serving the one device, signed in by a header. */
const handler = (cors?: Handler.HandlerOptions["cors"]) =>
  Handler.make({ sync, authenticate: (request) => (request.headers["x-user"] === "me" ? device : undefined), ...(cors === undefined ? {} : { cors }) })

const preflight = (origin: string, method = "POST", path = dataset) => ({
  method: "OPTIONS",
  url: path,
  headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization,content-type,x-amz-date" }
})

describe("cors", () => {
  it("answers a preflight from an allowed origin with the path's methods, before any authentication", async () => {
    const response = await handler({ origins: [app], maxAgeSeconds: 60 }).handle(preflight(app))
    expect(response.status).toBe(204)
    expect(response.body).toBe("")
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": app,
      "access-control-allow-headers": "authorization,content-type,x-amz-date",
      "access-control-max-age": "60",
      "access-control-expose-headers": "x-amzn-RequestId, x-amzn-ErrorType",
      vary: "Origin",
      "x-amzn-RequestId": expect.stringMatching(/^[0-9a-f-]{36}$/)
    })
    // the dataset path: DescribeDataset, UpdateRecords, DeleteDataset
    expect(response.headers["access-control-allow-methods"]!.split(", ").sort()).toEqual(["DELETE", "GET", "POST"])
  })

  it("lets a page read every answer to an allowed origin, errors included", async () => {
    const served = handler({ origins: [app] })
    const listed = await served.handle({ method: "GET", url: `${dataset}/records`, headers: { origin: app, "x-user": "me" } })
    expect(listed.status).toBe(200)
    expect(listed.headers).toMatchObject({
      "access-control-allow-origin": app,
      "access-control-expose-headers": "x-amzn-RequestId, x-amzn-ErrorType",
      "content-type": "application/json"
    })
    const refused = await served.handle({ method: "GET", url: `${dataset}/records`, headers: { origin: app } })
    expect(refused.status).toBe(403)
    expect(refused.headers).toMatchObject({ "access-control-allow-origin": app, "x-amzn-ErrorType": "NotAuthorizedException" })
    const unknown = await served.handle(preflight(app, "GET", "/nowhere"))
    expect(unknown.status).toBe(404)
    expect(unknown.headers["access-control-allow-origin"]).toBe(app)
  })

  it("serves other origins as before, without the headers, and any origin with \"*\"", async () => {
    const served = handler({ origins: [app] })
    const elsewhere = await served.handle(preflight("https://evil.example.com"))
    expect(elsewhere.status).toBe(405)
    expect(elsewhere.headers["access-control-allow-origin"]).toBeUndefined()
    const listed = await served.handle({ method: "GET", url: `${dataset}/records`, headers: { origin: "https://evil.example.com", "x-user": "me" } })
    expect(listed.status).toBe(200)
    expect(listed.headers["access-control-allow-origin"]).toBeUndefined()
    const any = await handler({ origins: "*" }).handle(preflight("https://evil.example.com"))
    expect(any.status).toBe(204)
    expect(any.headers["access-control-allow-origin"]).toBe("*")
    expect(any.headers["vary"]).toBeUndefined()
  })

  it("answers the preflight of the identity API, POST at the root, when it is served", async () => {
    const identity = createCognitoIdentity({ credentialsSecret: "cors test secret 0123456" })
    try {
      const served = Handler.make({ sync, identity, authenticate: () => undefined, cors: { origins: [app] } })
      const asked = {
        ...preflight(app, "POST", "/"),
        headers: { ...preflight(app, "POST", "/").headers, "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent" }
      }
      const response = await served.handle(asked)
      expect(response.status).toBe(204)
      expect(response.headers).toMatchObject({
        "access-control-allow-origin": app,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type,x-amz-target,x-amz-user-agent"
      })
      const keys = await served.handle(preflight(app, "GET", "/.well-known/jwks.json"))
      expect(keys.headers["access-control-allow-methods"]).toBe("GET")
      // without the identity API, the root is no path of the server
      expect((await handler({ origins: [app] }).handle(preflight(app, "POST", "/"))).status).toBe(404)
    } finally {
      await identity.close()
    }
  })

  it("is off unless configured: a preflight is a method the path does not accept", async () => {
    const response = await handler().handle(preflight(app))
    expect({ status: response.status, type: response.headers["x-amzn-ErrorType"] }).toEqual({ status: 405, type: "MethodNotAllowedException" })
    expect(response.headers["access-control-allow-origin"]).toBeUndefined()
  })

  it("refuses origins and ages that are not valid", () => {
    expect(() => handler({ origins: ["app.example.com"] })).toThrow(/cors.origins/)
    expect(() => handler({ origins: "all" as never })).toThrow(/cors.origins/)
    expect(() => handler({ origins: [app], maxAgeSeconds: -1 })).toThrow(/maxAgeSeconds/)
  })
})
