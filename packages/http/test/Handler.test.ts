import { Effect, Layer } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { Caller, CognitoSync, CognitoSyncPromise, createCognitoSync } from "@syncalite/core"
import { Handler } from "@syncalite/http"

const pool = "us-east-1:0e1a2b3c"
const identity = "us-east-1:0000aaaa"
const device = Caller.identity(pool, identity)
const path = `/identitypools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(identity)}/datasets/settings`
const sync = createCognitoSync({ tokenSecret: "handler test secret 0123" })
afterAll(() => sync.close())

const json = (response: Handler.HttpResponse) => JSON.parse(response.body) as Record<string, unknown>

describe("Handler", () => {
  it("serves a caller from the application's own login, reading and writing through the protocol", async () => {
    const handler = Handler.make({ sync, authenticate: (request) => (request.headers["x-user"] === "me" ? device : undefined) })
    const listed = await handler.handle({ method: "GET", url: `${path}/records?maxResults=10`, headers: { "X-User": "me" } })
    expect(listed.status).toBe(200)
    expect(listed.headers).toMatchObject({ "content-type": "application/json", "x-amzn-RequestId": expect.stringMatching(/^[0-9a-f-]{36}$/) })
    const { SyncSessionToken } = json(listed)
    const written = await handler.handle({
      method: "POST",
      url: path,
      headers: { "x-user": "me", "content-type": "application/json", "x-amz-client-context": "e30=" },
      body: (async function*() {
        yield Buffer.from(`{"SyncSessionToken":${JSON.stringify(SyncSessionToken)},`)
        yield Buffer.from(`"RecordPatches":[{"Op":"replace","Key":"k","Value":"v","SyncCount":0,"DeviceLastModifiedDate":1700000000.123,"IdentityId":"x"}],"IdentityId":"us-east-1:ffff"}`)
      })()
    })
    expect(written.status).toBe(200)
    expect(json(written)).toMatchObject({ Records: [{ Key: "k", Value: "v", SyncCount: 1, LastModifiedBy: identity, DeviceLastModifiedDate: 1700000000.123 }] })
    expect(typeof (json(written)["Records"] as Array<{ LastModifiedDate: unknown }>)[0]!.LastModifiedDate).toBe("number")
    const refused = await handler.handle({ method: "GET", url: `${path}/records`, headers: {} })
    expect({ status: refused.status, type: refused.headers["x-amzn-ErrorType"] }).toEqual({ status: 403, type: "NotAuthorizedException" })
  })

  it("takes a body the application already parsed", async () => {
    const handler = Handler.make({ sync, authenticate: () => device })
    const { SyncSessionToken } = json(await handler.handle({ method: "GET", url: `${path}/records`, headers: {} }))
    const written = await handler.handle({
      method: "POST",
      url: path,
      headers: { "content-length": "120" },
      parsedBody: { SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "parsed", Value: null, SyncCount: 0 }, { Op: "remove", Key: "gone", Value: null, SyncCount: 0 }] }
    })
    // JSON null is an absent member: a replace without a value is refused, by the operation's own rule
    expect(json(written)).toMatchObject({ __type: "InvalidParameterException", message: "A replace patch needs a Value: parsed" })
  })

  it("answers 413 for a streamed body over the limit, before reading all of it", async () => {
    let pulled = 0
    const handler = Handler.make({ sync, authenticate: () => device, maxBodyBytes: 1000 })
    const response = await handler.handle({
      method: "POST",
      url: path,
      headers: { "transfer-encoding": "chunked" },
      body: (async function*() {
        for (;;) {
          pulled++
          yield Buffer.alloc(400)
        }
      })()
    })
    expect({ status: response.status, type: response.headers["x-amzn-ErrorType"] }).toEqual({ status: 413, type: "RequestEntityTooLargeException" })
    expect(pulled).toBe(3)
    const declared = await handler.handle({ method: "POST", url: path, headers: { "content-length": "1001" }, body: Buffer.alloc(0) })
    expect(declared.status).toBe(413)
  })

  it("never throws: a service that cannot be built, a failing hook and a defect are InternalErrorException", async () => {
    const defects: Array<unknown> = []
    const onDefect = (defect: unknown) => void defects.push(defect)
    const broken = Handler.make({ sync: Layer.fail("no database"), authenticate: () => device, onDefect })
    const unbuilt = await broken.handle({ method: "GET", url: `${path}/records`, headers: {} })
    expect({ status: unbuilt.status, body: json(unbuilt) }).toEqual({
      status: 500,
      body: { __type: "InternalErrorException", message: "An internal error occurred" }
    })
    await broken.dispose()

    const throwing = Handler.make({ sync, authenticate: () => { throw new Error("login down") }, onDefect })
    expect((await throwing.handle({ method: "GET", url: `${path}/records`, headers: {} })).status).toBe(500)

    const dying = new Proxy({}, { get: () => () => Effect.die(new Error("secret detail")) }) as CognitoSync.CognitoSyncShape
    const defective = Handler.make({ sync: Layer.succeed(CognitoSync.CognitoSync, dying), authenticate: () => device, onDefect })
    const died = await defective.handle({ method: "GET", url: `${path}/records`, headers: {} })
    expect(died.status).toBe(500)
    expect(died.body).not.toContain("secret detail")
    expect(defects).toHaveLength(3)

    const garbage = await defective.handle({ method: "\u0000", url: "\u0000?%", headers: { "": "" } })
    expect(garbage.status).toBe(404)
  })

  it("serves a layer of the service, released by dispose", async () => {
    const handler = Handler.make({ sync: CognitoSyncPromise.layer({ tokenSecret: "handler test secret 0123" }), authenticate: () => Caller.developer() })
    const response = await handler.handle({ method: "GET", url: `/identitypools/${encodeURIComponent(pool)}/events`, headers: {} })
    expect({ status: response.status, body: json(response) }).toEqual({ status: 200, body: { Events: {} } })
    await handler.dispose()
  })

  it("narrows every caller to the pools served", async () => {
    const served = "us-east-1:5e7e"
    let caller: Caller.Caller = Caller.developer("acme")
    const handler = Handler.make({ sync, pools: [served], authenticate: () => caller })
    const events = (pool: string) => handler.handle({ method: "GET", url: `/identitypools/${encodeURIComponent(pool)}/events`, headers: {} })
    expect((await events(served)).status).toBe(200)
    expect(json(await events(pool))).toMatchObject({ __type: "NotAuthorizedException" })
    caller = Caller.developer("acme", [pool])
    expect((await events(served)).status).toBe(403)
    caller = Caller.identity(pool, identity)
    expect((await handler.handle({ method: "GET", url: `${path}/records`, headers: {} })).status).toBe(403)
  })

  it("refuses options that could serve nobody", () => {
    expect(() => Handler.make({ sync })).toThrow(/developers.*identitySecret.*authenticate/)
    expect(() => Handler.make({ sync: {} as never, authenticate: () => device })).toThrow(/createCognitoSync/)
    expect(() => Handler.make({ sync, identitySecret: "short" })).toThrow(/16 characters/)
  })
})
