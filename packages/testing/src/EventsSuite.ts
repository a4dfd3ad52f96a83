/**
 * The events route's contract (`GET …/device/{DeviceId}/events`, Server-Sent Events), which every
 * binding of `@syncalite/http` runs with one call beside `HttpSuite`: the notification of a
 * write reaches every subscribed device's stream but the writer's, as SPEC B §8's message, in
 * order; a reconnect with `Last-Event-ID` receives what it missed; presigned URLs open it, and
 * every refusal (another identity, an unknown device, an expired, tampered or unbounded
 * presigned URL, one used on another route, a cap reached) is the AWS-shaped error it should be.
 *
 * @example
 * ```ts
 * import { EventsSuite, HttpSuite } from "@syncalite/testing"
 * import { createServer } from "@syncalite/http"
 *
 * EventsSuite.run("standalone server", {
 *   start: (options, prefix) => HttpSuite.serve(createServer({ ...options, prefix }), prefix)
 * })
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Caller, createCognitoSync } from "@syncalite/core"
import { IdentityCredentials } from "@syncalite/http"
import * as EventStreams from "./EventStreams.js"
import type { Options, Target } from "./HttpSuite.js"

const tokenSecret = "events suite token secret 0123456789"
const identitySecret = "events suite identity secret 0123456789"
const developer = { accessKeyId: "AKIDEVENTS", secretAccessKey: "events suite developer secret", accountId: "123456789012" }
const gcmArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/EventsSuite"

type Sync = ReturnType<typeof createCognitoSync>

interface Identity {
  readonly identityPoolId: string
  readonly identityId: string
  readonly caller: Caller.Caller
  readonly credentials: EventStreams.Credentials
}

const newIdentity = (identityPoolId: string): Identity => {
  const identityId = `us-east-1:${randomUUID()}`
  return {
    identityPoolId,
    identityId,
    caller: Caller.identity(identityPoolId, identityId),
    credentials: IdentityCredentials.issueIdentityCredentials({ secret: identitySecret, identityPoolId, identityId })
  }
}

const device = async (sync: Sync, me: Identity, datasets: ReadonlyArray<string>): Promise<EventStreams.Device> => {
  const { DeviceId } = await sync.registerDevice({ IdentityPoolId: me.identityPoolId, IdentityId: me.identityId, Platform: "GCM", Token: randomUUID() }, me.caller)
  for (const DatasetName of datasets) {
    const subscription = { IdentityPoolId: me.identityPoolId, IdentityId: me.identityId, DatasetName, DeviceId }
    // only an existing dataset can be subscribed to
    await sync.subscribeToDataset(subscription, me.caller).catch(async () => {
      await write(sync, me, DatasetName, undefined)
      await sync.subscribeToDataset(subscription, me.caller)
    })
  }
  return { identityPoolId: me.identityPoolId, identityId: me.identityId, deviceId: DeviceId }
}

/** One record written to `dataset` by the identity from `from`'s device; answers the new sync count. */
const write = async (sync: Sync, me: Identity, dataset: string, from: EventStreams.Device | undefined): Promise<number> => {
  const ref = { IdentityPoolId: me.identityPoolId, IdentityId: me.identityId, DatasetName: dataset }
  const listed = await sync.listRecords(ref, me.caller)
  const count = listed.DatasetSyncCount ?? 0
  const written = await sync.updateRecords({
    ...ref,
    SyncSessionToken: listed.SyncSessionToken!,
    ...(from === undefined ? {} : { DeviceId: from.deviceId }),
    RecordPatches: [{ Op: "replace", Key: "k", Value: String(count), SyncCount: count }]
  }, me.caller)
  return Math.max(...written.Records!.map((record) => record.SyncCount!))
}

const message = (me: Identity, datasetName: string, syncCount: number) =>
  JSON.stringify({ source: "cognito-sync", identityPoolId: me.identityPoolId, identityId: me.identityId, datasetName, syncCount: String(syncCount) })

const refusal = (stream: EventStreams.EventStream) => ({
  status: stream.status,
  type: stream.headers.get("x-amzn-errortype"),
  body: JSON.parse(stream.body).__type
})

/**
 * Runs the contract against a binding, mounted at the root and under `/cognito-sync`.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = (name: string, options: Pick<Options, "start" | "prefixes" | "timeout">): void => {
  for (const prefix of options.prefixes ?? ["", "/cognito-sync"]) {
    describe(`EventsSuite: ${name} at ${prefix === "" ? "/" : prefix}`, { timeout: options.timeout ?? 20_000 }, () => {
      const pool = `us-east-1:${randomUUID()}`
      let sync: Sync
      let target: Target
      const opened: Array<EventStreams.EventStream> = []
      const open = async (me: Identity, of: EventStreams.Device, extra: { readonly query?: Record<string, string>; readonly headers?: Record<string, string>; readonly credentials?: EventStreams.Credentials } = {}) => {
        const url = await EventStreams.presign({
          endpoint: target.endpoint,
          path: EventStreams.eventsPath(of),
          credentials: extra.credentials ?? me.credentials,
          ...(extra.query === undefined ? {} : { query: extra.query })
        })
        const stream = await EventStreams.open(url, extra.headers)
        opened.push(stream)
        return stream
      }

      beforeAll(async () => {
        sync = createCognitoSync({ tokenSecret })
        await sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, PushSync: { ApplicationArns: [gcmArn] } })
        target = await options.start(
          { sync, developers: [developer], identitySecret, events: { keepAliveSeconds: 0.2, maxStreamsPerIdentity: 4, maxStreams: 50 } },
          prefix
        )
      })
      afterAll(async () => {
        for (const stream of opened) stream.close()
        await target?.close()
        await sync?.close()
      })

      it("a write reaches every subscribed device's stream but the writer's, with the SPEC B §8 message", async () => {
        const me = newIdentity(pool)
        const [a, b] = [await device(sync, me, ["notes"]), await device(sync, me, ["notes"])]
        const [onA, onB] = [await open(me, a), await open(me, b)]
        expect(onB.status).toBe(200)
        expect(onB.headers.get("content-type")).toMatch(/^text\/event-stream/)
        const first = await write(sync, me, "notes", a)
        const event = await onB.next()
        expect(event).toEqual({ id: expect.any(String), event: "sync", data: message(me, "notes", first) })
        const second = await write(sync, me, "notes", b)
        // the first event A reads is the second write's: it was told nothing of its own
        expect((await onA.next()).data).toBe(message(me, "notes", second))
        expect(await onB.within(200)).toEqual([])
      })

      it("delivers one dataset's writes in sync-count order, and none of a dataset the device is not subscribed to", async () => {
        const me = newIdentity(pool)
        const reader = await device(sync, me, ["ordered"])
        const stream = await open(me, reader)
        const counts: Array<number> = []
        for (let i = 0; i < 5; i++) counts.push(await write(sync, me, "ordered", undefined))
        await write(sync, me, "other", undefined)
        const read = []
        for (let i = 0; i < 5; i++) read.push((await stream.next()).data)
        expect(read).toEqual(counts.map((count) => message(me, "ordered", count)))
        expect(await stream.within(200)).toEqual([])
      })

      it("a reconnect with Last-Event-ID, or the LastEventId parameter, receives what it missed, in order", async () => {
        const me = newIdentity(pool)
        const reader = await device(sync, me, ["replayed"])
        const first = await open(me, reader)
        await write(sync, me, "replayed", undefined)
        const seen = await first.next()
        first.close()
        const missed = [await write(sync, me, "replayed", undefined), await write(sync, me, "replayed", undefined)]
        const again = await open(me, reader, { headers: { "last-event-id": seen.id! } })
        expect([(await again.next()).data, (await again.next()).data]).toEqual(missed.map((count) => message(me, "replayed", count)))
        const byQuery = await open(me, reader, { query: { LastEventId: seen.id! } })
        expect([(await byQuery.next()).data, (await byQuery.next()).data]).toEqual(missed.map((count) => message(me, "replayed", count)))
        // without an id, nothing of the past
        const fresh = await open(me, reader)
        expect(await fresh.within(200)).toEqual([])
      })

      it("developer credentials allowed on the pool open a device's stream; a comment keeps it alive", async () => {
        const me = newIdentity(pool)
        const reader = await device(sync, me, ["dev"])
        const stream = await open(me, reader, { credentials: developer })
        expect(stream.status).toBe(200)
        await new Promise((resolve) => setTimeout(resolve, 500))
        expect(stream.comments).toContain("keep-alive")
        const count = await write(sync, me, "dev", undefined)
        expect((await stream.next()).data).toBe(message(me, "dev", count))
      })

      it("refuses another identity, an unknown device and another identity's device, AWS-shaped", async () => {
        const me = newIdentity(pool)
        const other = newIdentity(pool)
        const mine = await device(sync, me, [])
        const theirs = await device(sync, other, [])
        expect(refusal(await open(other, mine))).toEqual({ status: 403, type: "NotAuthorizedException", body: "NotAuthorizedException" })
        expect(refusal(await open(me, { ...mine, deviceId: randomUUID() })))
          .toEqual({ status: 404, type: "ResourceNotFoundException", body: "ResourceNotFoundException" })
        expect(refusal(await open(me, { ...theirs, identityId: me.identityId })))
          .toEqual({ status: 404, type: "ResourceNotFoundException", body: "ResourceNotFoundException" })
        expect(refusal(await open(me, mine, { credentials: { ...developer, accessKeyId: "AKIDUNKNOWN" } })))
          .toEqual({ status: 403, type: "NotAuthorizedException", body: "NotAuthorizedException" })
      })

      it("refuses an expired, tampered or unbounded presigned URL, one without X-Amz-Expires, and one of another route", async () => {
        const me = newIdentity(pool)
        const mine = await device(sync, me, [])
        const path = EventStreams.eventsPath(mine)
        const signed = (more: Partial<Parameters<typeof EventStreams.presign>[0]> = {}) =>
          EventStreams.presign({ endpoint: target.endpoint, path, credentials: me.credentials, ...more })
        const refused = { status: 403, type: "NotAuthorizedException", body: "NotAuthorizedException" }
        const expired = await signed({ expiresIn: 60, signingDate: new Date(Date.now() - 120_000) })
        expect(refusal(await EventStreams.open(expired))).toEqual(refused)
        const unbounded = await signed({ expiresIn: 3600 })
        expect(refusal(await EventStreams.open(unbounded))).toEqual(refused)
        const good = await signed()
        const tampered = good.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`)
        expect(refusal(await EventStreams.open(tampered))).toEqual(refused)
        const withoutExpires = good.replace(/&?X-Amz-Expires=\d+/, "")
        expect(refusal(await EventStreams.open(withoutExpires))).toEqual(refused)
        const records = `/identitypools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(me.identityId)}/datasets/notes/records`
        const elsewhere = await EventStreams.presign({ endpoint: target.endpoint, path: records, credentials: me.credentials })
        expect(refusal(await EventStreams.open(elsewhere))).toEqual(refused)
        const post = await fetch(good, { method: "POST" })
        expect({ status: post.status, type: post.headers.get("x-amzn-errortype") }).toEqual({ status: 405, type: "MethodNotAllowedException" })
        // the good one still opens: nothing was counted against the identity
        expect((await EventStreams.open(good)).status).toBe(200)
      })

      it("answers LimitExceededException past the streams of one identity, and opens again once one closes", async () => {
        const me = newIdentity(pool)
        const reader = await device(sync, me, [])
        const streams = [await open(me, reader), await open(me, reader), await open(me, reader), await open(me, reader)]
        expect(streams.map((stream) => stream.status)).toEqual([200, 200, 200, 200])
        expect(refusal(await open(me, reader))).toEqual({ status: 429, type: "LimitExceededException", body: "LimitExceededException" })
        streams[0]!.close()
        let status = 429
        for (let tries = 0; tries < 50 && status === 429; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 20))
          const stream = await open(me, reader)
          status = stream.status
          if (status === 200) stream.close()
        }
        expect(status).toBe(200)
      })
    })
  }
}
