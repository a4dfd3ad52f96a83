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

  it("reads its options from their variables, refusing what is not a positive integer", () => {
    expect(Events.optionsFromEnv({ SYNCALITE_MAX_STREAMS: "5", SYNCALITE_EVENTS_MAX_AGE: "600", SYNCALITE_EVENTS_KEEP_ALIVE: "", PATH: "/bin" }))
      .toEqual({ maxStreams: 5, maxAgeSeconds: 600 })
    expect(() => Events.optionsFromEnv({ SYNCALITE_MAX_STREAMS_PER_IDENTITY: "0" })).toThrow(/SYNCALITE_MAX_STREAMS_PER_IDENTITY=0 is not a positive integer/)
  })

  it("ends a stream past maxAgeSeconds, so that its client reconnects, and a reconnection with the last event id replays", async () => {
    const secret = "events max age secret 0123456789"
    const sync = createCognitoSync({ tokenSecret: secret })
    const pool = `us-east-1:${randomUUID()}`
    const identityId = `us-east-1:${randomUUID()}`
    const caller = Caller.identity(pool, identityId)
    await sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:1:app/GCM/A"] } })
    const { DeviceId } = await sync.registerDevice({ IdentityPoolId: pool, IdentityId: identityId, Platform: "GCM", Token: "t" }, caller)
    const ref = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: "notes" }
    const write = async () => {
      const listed = await sync.listRecords(ref, caller)
      const count = listed.DatasetSyncCount ?? 0
      await sync.updateRecords({ ...ref, SyncSessionToken: listed.SyncSessionToken!, RecordPatches: [{ Op: "replace", Key: "k", Value: String(count), SyncCount: count }] }, caller)
    }
    await write()
    await sync.subscribeToDataset({ ...ref, DeviceId: DeviceId! }, caller)
    const server = createServer({ sync, identitySecret: secret, events: { maxAgeSeconds: 0.3 } })
    const target = await HttpSuite.serve(server)
    try {
      const credentials = IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId })
      const path = EventStreams.eventsPath({ identityPoolId: pool, identityId, deviceId: DeviceId! })
      const stream = await EventStreams.open(await EventStreams.presign({ endpoint: target.endpoint, path, credentials }))
      await write()
      const first = await stream.next(2000)
      const opened = Date.now()
      await stream.ended
      expect(Date.now() - opened).toBeLessThan(2000)
      await write()
      const again = await EventStreams.open(await EventStreams.presign({ endpoint: target.endpoint, path, credentials, query: { LastEventId: first.id! } }))
      expect(JSON.parse((await again.next(2000)).data).syncCount).toBe("3")
      again.close()
    } finally {
      await target.close()
      await sync.close()
    }
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
