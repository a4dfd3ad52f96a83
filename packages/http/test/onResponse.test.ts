import { afterAll, describe, expect, it } from "vitest"
import { Caller, createCognitoSync } from "@syncalite/core"
import { Handler } from "@syncalite/http"

const pool = "us-east-1:0e1a2b3c"
const device = Caller.identity(pool, "us-east-1:0000aaaa")
const path = `/identitypools/${encodeURIComponent(pool)}/identities/us-east-1%3A0000aaaa/datasets/settings`
const sync = createCognitoSync({ tokenSecret: "on response test secret" })
afterAll(() => sync.close())

describe("Handler: onResponse", () => {
  it("is told of every response: the operation routed to, the caller's kind, the status, the time taken", async () => {
    const events: Array<Handler.ResponseEvent> = []
    const handler = Handler.make({ sync, authenticate: (request) => (request.headers["x-user"] === "me" ? device : undefined), onResponse: (event) => void events.push(event) })
    const listed = await handler.handle({ method: "GET", url: `${path}/records`, headers: { "x-user": "me" } })
    await handler.handle({ method: "GET", url: `${path}/records`, headers: {} })
    await handler.handle({ method: "GET", url: "/nowhere", headers: {} })
    expect(events.map(({ durationMs: _, requestId: __, ...event }) => event)).toEqual([
      { method: "GET", operation: "ListRecords", caller: "identity", status: 200 },
      { method: "GET", operation: "ListRecords", caller: undefined, status: 403 },
      { method: "GET", operation: undefined, caller: undefined, status: 404 }
    ])
    expect(events[0]!.requestId).toBe(listed.headers["x-amzn-RequestId"])
    expect(events.every((event) => event.durationMs >= 0)).toBe(true)
  })

  it("a throwing onResponse leaves the response as it was", async () => {
    const handler = Handler.make({ sync, authenticate: () => device, onResponse: () => { throw new Error("metrics down") } })
    expect((await handler.handle({ method: "GET", url: `${path}/records`, headers: {} })).status).toBe(200)
  })
})
