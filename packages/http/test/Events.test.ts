import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"
import { Caller, createCognitoSync } from "@syncalite/core"
import { createServer, Events, IdentityCredentials, Protocol } from "@syncalite/http"
import { EventStreams, EventsSuite, HttpSuite } from "@syncalite/testing"

EventsSuite.run("standalone server", { start: (options, prefix) => HttpSuite.serve(createServer({ ...options, prefix }), prefix) })

describe("Events", () => {
  it("routes only the events path of a device, its labels percent-decoded", () => {
    expect(Events.route("/identitypools/us-east-1%3Ap/identity/us-east-1%3Ai/device/d%2F1/events"))
      .toEqual({ IdentityPoolId: "us-east-1:p", IdentityId: "us-east-1:i", DeviceId: "d/1" })
    expect(Events.route("/identitypools/p/identity/i/device")).toBeUndefined()
    expect(Events.route("/identitypools/p/identities/i/device/d/events")).toBeUndefined()
    expect(Events.route("/identitypools/%E0/identity/i/device/d/events")).toBeInstanceOf(Protocol.DecodeError)
  })

  it("closing the standalone server ends its open streams cleanly, and the close completes", async () => {
    const secret = "events shutdown secret 0123456789"
    const sync = createCognitoSync({ tokenSecret: secret })
    const pool = `us-east-1:${randomUUID()}`
    const identityId = `us-east-1:${randomUUID()}`
    await sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:1:app/GCM/A"] } })
    const { DeviceId } = await sync.registerDevice({ IdentityPoolId: pool, IdentityId: identityId, Platform: "GCM", Token: "t" }, Caller.identity(pool, identityId))
    const server = createServer({ sync, identitySecret: secret })
    const target = await HttpSuite.serve(server)
    const credentials = IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId })
    const url = await EventStreams.presign({ endpoint: target.endpoint, path: EventStreams.eventsPath({ identityPoolId: pool, identityId, deviceId: DeviceId }), credentials })
    const stream = await EventStreams.open(url)
    expect(stream.status).toBe(200)
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await stream.ended
    await sync.close()
  })
})
