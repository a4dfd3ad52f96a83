/**
 * The events route's caps as settings of `syncalite serve`: with SYNCALITE_MAX_STREAMS_PER_IDENTITY
 * and SYNCALITE_MAX_STREAMS lowered, a stream past either cap is refused with 429
 * LimitExceededException, and one closed makes room again.
 */
import { randomUUID } from "node:crypto"
import { CognitoSyncClient, RegisterDeviceCommand, SetIdentityPoolConfigurationCommand } from "@aws-sdk/client-cognito-sync"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { IdentityCredentials } from "@syncalite/http"
import { EventStreams } from "@syncalite/testing"
import { exited, type Started, syncalite, waitFor } from "./process.js"

const secret = "events limits token secret 0123456789"
const developer = { accessKeyId: "AKIDLIMITS", secretAccessKey: "events limits developer secret" }

describe("the events route's caps set by syncalite serve's variables", { timeout: 60_000 }, () => {
  const pool = `us-east-1:${randomUUID()}`
  const streams: Array<EventStreams.EventStream> = []
  let server: Started
  let endpoint = ""

  beforeAll(async () => {
    server = syncalite(["serve"], {
      PORT: "0",
      SYNCALITE_STORE: "memory",
      SYNCALITE_SECRET: secret,
      SYNCALITE_DEV_KEY: developer.accessKeyId,
      SYNCALITE_DEV_SECRET: developer.secretAccessKey,
      SYNCALITE_MAX_STREAMS: "2",
      SYNCALITE_MAX_STREAMS_PER_IDENTITY: "1"
    })
    endpoint = (await waitFor(server, /Cognito Sync on (http:\/\/\S+)/, 30_000))[1]!
    const admin = new CognitoSyncClient({ endpoint, region: "us-east-1", credentials: developer, maxAttempts: 1 })
    await admin.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/Limits"] } }))
    admin.destroy()
  })
  afterAll(async () => {
    for (const stream of streams) stream.close()
    server?.child.kill("SIGTERM")
    if (server !== undefined) await exited(server.child)
  })

  /** A new identity with a registered device, and a stream of that device opened on the server. */
  const identity = async () => {
    const identityId = `us-east-1:${randomUUID()}`
    const credentials = IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId })
    const client = new CognitoSyncClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 })
    const { DeviceId } = await client.send(new RegisterDeviceCommand({ IdentityPoolId: pool, IdentityId: identityId, Platform: "GCM", Token: randomUUID() }))
    client.destroy()
    const open = async () => {
      const stream = await EventStreams.open(
        await EventStreams.presign({ endpoint, path: EventStreams.eventsPath({ identityPoolId: pool, identityId, deviceId: DeviceId! }), credentials })
      )
      streams.push(stream)
      return stream
    }
    return { open }
  }
  const refusal = (stream: EventStreams.EventStream) => ({ status: stream.status, type: JSON.parse(stream.body).__type })

  it("refuses a second stream of one identity, then a third stream in all, with 429 LimitExceededException", async () => {
    const first = await identity()
    const held = await first.open()
    expect(held.status).toBe(200)
    expect(refusal(await first.open())).toEqual({ status: 429, type: "LimitExceededException" })

    const second = await identity()
    expect((await second.open()).status).toBe(200)
    const third = await identity()
    expect(refusal(await third.open())).toEqual({ status: 429, type: "LimitExceededException" })

    held.close()
    const deadline = Date.now() + 5000
    let reopened = await third.open()
    while (reopened.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      reopened = await third.open()
    }
    expect(reopened.status).toBe(200)
  })
})
