/**
 * The HTTP conformance suite: one contract that every binding of `@syncalite/http` (Express,
 * Koa, the standalone server) runs with one call, mounted at the root and under a prefix. It
 * drives `@aws-sdk/client-cognito-sync` through all 17 operations and the `amazon-cognito-js`
 * sync manager through a two-device synchronize with a conflict, then sends raw requests a stock
 * client never would (bad JSON, wrong types, unknown routes, wrong methods, oversize bodies,
 * missing, bad and expired signatures, credentials used where they are not valid; and, as bytes
 * on a socket, what Node's own parser refuses and repeated or missing singular headers) and
 * checks that each gets the right AWS error and leaves the data as it was, and checks the `cors` option
 * as a browser uses it. `fuzz` throws thousands of random and mutated requests at a binding.
 *
 * The clients (`@aws-sdk/client-cognito-sync`, `aws-sdk`, `amazon-cognito-js`) and `fast-check`
 * are peer dependencies, loaded only when these suites run.
 *
 * @example
 * ```ts
 * import express from "express"
 * import { cognitoSync } from "@syncalite/express"
 * import { HttpSuite } from "@syncalite/testing"
 *
 * HttpSuite.run("express", {
 *   start: async (options, prefix) => {
 *     const middleware = cognitoSync(options)
 *     const app = express()
 *     app.use(prefix === "" ? "/" : prefix, middleware)
 *     const target = await HttpSuite.serve(app, prefix)
 *     return { ...target, close: async () => { await target.close(); await middleware.dispose() } }
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { randomBytes, randomUUID } from "node:crypto"
import * as http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CognitoSyncPromise, createCognitoSync } from "@syncalite/core"
import { type Handler, IdentityCredentials, NodeHttp } from "@syncalite/http"
import { createCognitoIdentity } from "@syncalite/identity"
import { loadV3, type ManagedDataset, syncManagerDevice, type V3Module, v3Client } from "./internal/clients.js"
import { type Credentials, label, type RawRequest, type RawResponse, requestBytes, send, sendBytes } from "./internal/wire.js"

/**
 * The options a binding's middleware is made with (everything but an `authenticate` hook).
 *
 * @since 0.1.0
 * @category models
 */
export type BindingOptions = Omit<Handler.HandlerOptions, "authenticate">

/**
 * A running server: the endpoint clients are pointed at (prefix included), and how to stop it
 * (and release the middleware).
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly endpoint: string
  readonly close: () => Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** starts a server whose middleware, made with these options, is mounted at `prefix` ("" is the root) */
  readonly start: (options: BindingOptions, prefix: string) => Promise<Target>
  /** the mount points to run the contract at; the root and `/cognito-sync` by default */
  readonly prefixes?: ReadonlyArray<string>
  /** the timeout of each test in milliseconds; 20 000 by default */
  readonly timeout?: number
}

/**
 * Serves a request listener (an Express app, `koa.callback()`) or a server (`createServer(...)`)
 * on 127.0.0.1 at an ephemeral port; `close` closes the server and its connections. A server
 * made here answers its client errors as an application should (`NodeHttp.answerClientErrors`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = async (listener: http.RequestListener | http.Server, prefix = ""): Promise<Target> => {
  const server = listener instanceof http.Server ? listener : NodeHttp.answerClientErrors(http.createServer(listener))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${port}${prefix}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * One device's round trip with the v3 client, signed with identity credentials issued with
 * `secret`: ListRecords of the dataset `parsed`, then UpdateRecords of its record `k` with
 * `value` and a device date of 1700000000.123. Answers the records written.
 *
 * @since 0.1.0
 * @category clients
 */
export const roundTrip = async (
  endpoint: string,
  options: { readonly secret: string; readonly identityPoolId: string; readonly identityId: string; readonly value: string }
) => {
  const v3 = await loadV3()
  const client = v3Client(v3, endpoint, IdentityCredentials.issueIdentityCredentials({ ...options, ttlSeconds: 600 }))
  try {
    const ref = { IdentityPoolId: options.identityPoolId, IdentityId: options.identityId, DatasetName: "parsed" }
    const { SyncSessionToken } = await client.send(new v3.ListRecordsCommand(ref))
    const written = await client.send(new v3.UpdateRecordsCommand({
      ...ref,
      SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "k", Value: options.value, SyncCount: 0, DeviceLastModifiedDate: new Date(1700000000123) }]
    }))
    return written.Records
  } finally {
    client.destroy()
  }
}

/**
 * A device running the `amazon-cognito-js` sync manager (on the AWS SDK v2) in Node, with a
 * cache of its own, against an endpoint: `put`, `remove`, `get` and `synchronize` (conflicts
 * resolved with the local record and listed in `conflicts`; deleted datasets listed in
 * `deletions`, and the synchronize then fails as the library makes it).
 *
 * @since 0.1.0
 * @category clients
 */
export const syncManager: (
  endpoint: string,
  identityPoolId: string,
  identityId: string,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string },
  datasetName: string
) => Promise<ManagedDataset> = syncManagerDevice

/**
 * @since 0.1.0
 * @category clients
 */
export type { ManagedDataset }

const MAX_BODY = 256 * 1024

/** Everything one mount point needs: a server over a fresh service, keys, and the identities. */
interface Fixture {
  readonly target: Target
  readonly secret: string
  readonly developer: Credentials
  /** developer credentials limited to another pool */
  readonly limited: Credentials
  readonly pool: string
  readonly otherPool: string
  readonly identity: (identityId: string, options?: { readonly ttlSeconds?: number; readonly now?: number }) => Credentials
  readonly close: () => Promise<void>
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex")
const newPool = () => `us-east-1:${randomUUID()}`
const newIdentity = () => `us-east-1:${randomUUID()}`

const startFixture = async (start: Options["start"], prefix: string, layer: boolean): Promise<Fixture> => {
  const secret = `suite secret ${hex(16)}`
  const pool = newPool()
  const otherPool = newPool()
  const developer = { accessKeyId: `AKID${hex(8).toUpperCase()}`, secretAccessKey: hex(20) }
  const limited = { accessKeyId: `AKID${hex(8).toUpperCase()}`, secretAccessKey: hex(20) }
  const facade = layer ? undefined : createCognitoSync({ tokenSecret: secret })
  const target = await start({
    sync: facade ?? CognitoSyncPromise.layer({ tokenSecret: secret }),
    developers: [
      { ...developer, accountId: "123456789012" },
      { ...limited, accountId: "limited", pools: [otherPool] }
    ],
    identitySecret: secret,
    maxBodyBytes: MAX_BODY
  }, prefix)
  return {
    target,
    secret,
    developer,
    limited,
    pool,
    otherPool,
    identity: (identityId, options = {}) =>
      IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId, ttlSeconds: 600, ...options }),
    close: async () => {
      await target.close()
      await facade?.close()
    }
  }
}

const expectAwsError = (response: RawResponse, status: number, type: string) => {
  expect({ status: response.status, type: response.headers["x-amzn-errortype"] }).toEqual({ status, type })
  expect(response.headers["content-type"]).toMatch(/^application\/json/)
  expect(response.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/)
  expect(response.json).toEqual({ __type: type, message: expect.any(String) })
}

/** What a caught v3 error says. */
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message }
  }
  throw new Error("expected the call to fail")
}

/**
 * Registers the contract for one binding.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = (name: string, options: Options): void => {
  const timeout = options.timeout ?? 20_000
  describe(`HttpSuite: ${name}`, () => {
    for (const [index, prefix] of (options.prefixes ?? ["", "/cognito-sync"]).entries()) {
      // the first mount point serves the Promise facade, the others a layer of the service
      describe(`mounted at ${prefix === "" ? "/" : prefix} (${index === 0 ? "facade" : "layer"})`, () => {
        let fixture: Fixture
        let v3: V3Module
        beforeAll(async () => {
          v3 = await loadV3()
          fixture = await startFixture(options.start, prefix, index > 0)
        }, timeout)
        afterAll(() => fixture?.close())
        contract(() => ({ fixture, v3 }), timeout)
      })
    }

    it("cors: a browser's preflight is answered, and a page may read every answer to an allowed origin", async () => {
      const origin = "https://app.example.com"
      const sync = createCognitoSync({ tokenSecret: "HttpSuite cors secret, 16+ characters" })
      const identity = createCognitoIdentity({ credentialsSecret: "HttpSuite cors secret, 16+ characters" })
      const target = await options.start(
        { sync, identity, identitySecret: "HttpSuite cors secret, 16+ characters", cors: { origins: [origin] } },
        "/cognito-sync"
      )
      try {
        const preflight = await fetch(`${target.endpoint}/identitypools`, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization,x-amz-date" }
        })
        expect(preflight.status).toBe(204)
        expect(preflight.headers.get("access-control-allow-origin")).toBe(origin)
        expect(preflight.headers.get("access-control-allow-methods")).toBe("GET")
        expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization,x-amz-date")
        const refused = await fetch(`${target.endpoint}/identitypools`, { headers: { origin } })
        expect(refused.status).toBe(403)
        expect(refused.headers.get("access-control-allow-origin")).toBe(origin)
        expect(refused.headers.get("access-control-expose-headers")).toBe("x-amzn-RequestId, x-amzn-ErrorType")
        const elsewhere = await fetch(`${target.endpoint}/identitypools`, { headers: { origin: "https://elsewhere.example.com" } })
        expect(elsewhere.headers.get("access-control-allow-origin")).toBeNull()

        // the identity API, as a browser's fromCognitoIdentityPool calls it: a preflight, then the POST
        const identityPreflight = await fetch(`${target.endpoint}/`, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-amz-target" }
        })
        expect(identityPreflight.status).toBe(204)
        expect(identityPreflight.headers.get("access-control-allow-origin")).toBe(origin)
        expect(identityPreflight.headers.get("access-control-allow-methods")).toBe("POST")
        expect(identityPreflight.headers.get("access-control-allow-headers")).toBe("content-type,x-amz-target")
        const getId = await fetch(`${target.endpoint}/`, {
          method: "POST",
          headers: { origin, "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityService.GetId" },
          body: JSON.stringify({ IdentityPoolId: "us-east-1:00000000-0000-0000-0000-000000000000" })
        })
        expect(getId.status).toBe(400)
        expect(getId.headers.get("access-control-allow-origin")).toBe(origin)
        expect(getId.headers.get("x-amzn-ErrorType")).toBe("ResourceNotFoundException")
      } finally {
        await target.close()
        await identity.close()
        await sync.close()
      }
    }, timeout)
  })
}

const contract = (context: () => { fixture: Fixture; v3: V3Module }, timeout: number) => {
  const clients: Array<{ destroy: () => void }> = []
  afterAll(() => {
    for (const client of clients) client.destroy()
  })
  const client = (credentials: Credentials, region?: string) => {
    const { fixture, v3 } = context()
    const made = v3Client(v3, fixture.target.endpoint, credentials, region)
    clients.push(made)
    return made
  }

  it("v3: an identity works on its own data (ListRecords, UpdateRecords, DescribeDataset, ListDatasets, DescribeIdentityUsage, DeleteDataset)", async () => {
    const { fixture, v3 } = context()
    const identityId = newIdentity()
    const device = client(fixture.identity(identityId), "eu-west-1")
    const ref = { IdentityPoolId: fixture.pool, IdentityId: identityId, DatasetName: "my_data.set:1-x" }

    const empty = await device.send(new v3.ListRecordsCommand(ref))
    expect(empty).toMatchObject({ Records: [], Count: 0, DatasetSyncCount: 0, DatasetExists: false, DatasetDeletedAfterRequestedSyncCount: false })
    expect(empty.$metadata.httpStatusCode).toBe(200)
    expect(empty.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/)

    const edited = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))
    const written = await device.send(new v3.UpdateRecordsCommand({
      ...ref,
      SyncSessionToken: empty.SyncSessionToken,
      DeviceId: "device-1",
      ClientContext: Buffer.from(JSON.stringify({ client: { app_title: "suite" } })).toString("base64"),
      RecordPatches: [
        { Op: "replace", Key: "color", Value: "héllo wörld", SyncCount: 0, DeviceLastModifiedDate: edited },
        { Op: "replace", Key: "size", Value: "M", SyncCount: 0 },
        { Op: "remove", Key: "never", SyncCount: 0 }
      ]
    }))
    expect(written.Records).toHaveLength(3)
    const color = written.Records!.find((record) => record.Key === "color")!
    expect(color).toMatchObject({ Value: "héllo wörld", SyncCount: 1, LastModifiedBy: identityId })
    expect(color.DeviceLastModifiedDate).toEqual(edited)
    expect(color.LastModifiedDate).toBeInstanceOf(Date)
    expect(Math.abs(color.LastModifiedDate!.getTime() - Date.now())).toBeLessThan(60_000)
    expect(written.Records!.find((record) => record.Key === "never")!.Value).toBeUndefined()

    const listed = await device.send(new v3.ListRecordsCommand({ ...ref, LastSyncCount: 0, MaxResults: 2 }))
    expect(listed).toMatchObject({ Count: 2, DatasetSyncCount: 1, DatasetExists: true, LastModifiedBy: identityId })
    expect(typeof listed.NextToken).toBe("string")
    const rest = await device.send(new v3.ListRecordsCommand({ ...ref, LastSyncCount: 0, MaxResults: 2, NextToken: listed.NextToken }))
    expect([...listed.Records!, ...rest.Records!].map((record) => record.Key).sort()).toEqual(["color", "never", "size"])
    expect(rest.NextToken).toBeUndefined()

    const described = await device.send(new v3.DescribeDatasetCommand(ref))
    expect(described.Dataset).toMatchObject({
      IdentityId: identityId,
      DatasetName: ref.DatasetName,
      NumRecords: 2,
      DataStorage: Buffer.byteLength("colorhéllo wörldsizeM"),
      LastModifiedBy: identityId
    })
    expect(described.Dataset!.CreationDate).toBeInstanceOf(Date)

    const datasets = await device.send(new v3.ListDatasetsCommand({ IdentityPoolId: fixture.pool, IdentityId: identityId, MaxResults: 64 }))
    expect(datasets).toMatchObject({ Count: 1, Datasets: [{ DatasetName: ref.DatasetName, NumRecords: 2 }] })

    const usage = await device.send(new v3.DescribeIdentityUsageCommand({ IdentityPoolId: fixture.pool, IdentityId: identityId }))
    expect(usage.IdentityUsage).toMatchObject({ IdentityId: identityId, IdentityPoolId: fixture.pool, DatasetCount: 1 })
    expect(usage.IdentityUsage!.LastModifiedDate).toBeInstanceOf(Date)

    const deleted = await device.send(new v3.DeleteDatasetCommand(ref))
    expect(deleted.Dataset).toMatchObject({ DatasetName: ref.DatasetName, NumRecords: 2 })
    expect(await failure(device.send(new v3.DescribeDatasetCommand(ref)))).toMatchObject({ name: "ResourceNotFoundException", status: 404 })
    const after = await device.send(new v3.ListRecordsCommand({ ...ref, LastSyncCount: 1 }))
    expect(after).toMatchObject({ DatasetExists: false, DatasetDeletedAfterRequestedSyncCount: true })
  }, timeout)

  it("v3: an endpoint with a trailing slash (the client sends `//` and signs `/`)", async () => {
    const { fixture, v3 } = context()
    const identityId = newIdentity()
    const device = v3Client(v3, `${fixture.target.endpoint}/`, fixture.identity(identityId))
    clients.push(device)
    const listed = await device.send(new v3.ListRecordsCommand({ IdentityPoolId: fixture.pool, IdentityId: identityId, DatasetName: "slashed" }))
    expect(listed).toMatchObject({ DatasetExists: false, Count: 0 })
  }, timeout)

  it("v3: developer credentials administer a pool (configuration, events, usage, bulk publish)", async () => {
    const { fixture, v3 } = context()
    const admin = client(fixture.developer)
    const pool = { IdentityPoolId: fixture.pool }

    expect(await admin.send(new v3.GetCognitoEventsCommand(pool))).toMatchObject({ Events: {} })
    await admin.send(new v3.SetCognitoEventsCommand({ ...pool, Events: { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:none" } }))
    expect((await admin.send(new v3.GetCognitoEventsCommand(pool))).Events).toEqual({ SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:none" })
    await admin.send(new v3.SetCognitoEventsCommand({ ...pool, Events: { SyncTrigger: "" } }))
    expect((await admin.send(new v3.GetCognitoEventsCommand(pool))).Events).toEqual({})

    const configured = await admin.send(new v3.SetIdentityPoolConfigurationCommand({
      ...pool,
      PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/suite"], RoleArn: "arn:aws:iam::123456789012:role/push" },
      CognitoStreams: { StreamName: "suite-stream", RoleArn: "arn:aws:iam::123456789012:role/streams", StreamingStatus: "ENABLED" }
    }))
    expect(configured).toMatchObject({ IdentityPoolId: fixture.pool, CognitoStreams: { StreamingStatus: "ENABLED" } })
    expect(await admin.send(new v3.GetIdentityPoolConfigurationCommand(pool))).toMatchObject({
      IdentityPoolId: fixture.pool,
      PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/suite"] },
      CognitoStreams: { StreamName: "suite-stream" }
    })

    // a write by the developer, for any identity of the pool
    const ref = { ...pool, IdentityId: newIdentity(), DatasetName: "admin" }
    const { SyncSessionToken } = await admin.send(new v3.ListRecordsCommand(ref))
    const written = await admin.send(new v3.UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }] }))
    expect(written.Records![0]).toMatchObject({ LastModifiedBy: "123456789012", SyncCount: 1 })

    const described = await admin.send(new v3.DescribeIdentityPoolUsageCommand(pool))
    expect(described.IdentityPoolUsage).toMatchObject({ IdentityPoolId: fixture.pool })
    expect(typeof described.IdentityPoolUsage!.SyncSessionsCount).toBe("number")
    expect(typeof described.IdentityPoolUsage!.DataStorage).toBe("number")

    const pools: Array<string> = []
    let NextToken: string | undefined
    do {
      const page = await admin.send(new v3.ListIdentityPoolUsageCommand({ MaxResults: 1, NextToken }))
      expect(page).toMatchObject({ MaxResults: 1 })
      expect(page.Count).toBe(page.IdentityPoolUsages!.length)
      pools.push(...page.IdentityPoolUsages!.map((usage) => usage.IdentityPoolId!))
      NextToken = page.NextToken
    } while (NextToken !== undefined && pools.length < 1000)
    expect(pools).toContain(fixture.pool)

    expect(await admin.send(new v3.GetBulkPublishDetailsCommand(pool))).toMatchObject({ BulkPublishStatus: "NOT_STARTED" })
    expect(await admin.send(new v3.BulkPublishCommand(pool))).toMatchObject({ IdentityPoolId: fixture.pool })
    const details = await admin.send(new v3.GetBulkPublishDetailsCommand(pool))
    expect(["IN_PROGRESS", "SUCCEEDED"]).toContain(details.BulkPublishStatus)
    expect(details.BulkPublishStartTime).toBeInstanceOf(Date)
  }, timeout)

  it("v3: a device registers for push sync and subscribes (RegisterDevice, SubscribeToDataset, UnsubscribeFromDataset)", async () => {
    const { fixture, v3 } = context()
    const admin = client(fixture.developer)
    const pool = newPool()
    await admin.send(new v3.SetIdentityPoolConfigurationCommand({
      IdentityPoolId: pool,
      PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/suite"], RoleArn: "arn:aws:iam::123456789012:role/push" }
    }))
    const identityId = newIdentity()
    const device = client(IdentityCredentials.issueIdentityCredentials({ secret: fixture.secret, identityPoolId: pool, identityId }))
    const ref = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: "pushed" }
    const { SyncSessionToken } = await device.send(new v3.ListRecordsCommand(ref))
    await device.send(new v3.UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }] }))

    const registered = await device.send(new v3.RegisterDeviceCommand({ IdentityPoolId: pool, IdentityId: identityId, Platform: "GCM", Token: "push-token-1" }))
    expect(registered.DeviceId).toMatch(/\S/)
    const again = await device.send(new v3.RegisterDeviceCommand({ IdentityPoolId: pool, IdentityId: identityId, Platform: "GCM", Token: "push-token-1" }))
    expect(again.DeviceId).toBe(registered.DeviceId)

    const subscription = { ...ref, DeviceId: registered.DeviceId! }
    expect((await device.send(new v3.SubscribeToDatasetCommand(subscription))).$metadata.httpStatusCode).toBe(200)
    expect((await device.send(new v3.UnsubscribeFromDatasetCommand(subscription))).$metadata.httpStatusCode).toBe(200)
    expect(await failure(device.send(new v3.UnsubscribeFromDatasetCommand(subscription)))).toMatchObject({ name: "ResourceNotFoundException", status: 404 })
    expect(await failure(device.send(new v3.SubscribeToDatasetCommand({ ...subscription, DeviceId: "no-such-device" })))).toMatchObject({ name: "ResourceNotFoundException", status: 404 })
  }, timeout)

  it("v3: failures arrive as the typed AWS errors, with the model's status and message", async () => {
    const { fixture, v3 } = context()
    const identityId = newIdentity()
    const device = client(fixture.identity(identityId))
    const ref = { IdentityPoolId: fixture.pool, IdentityId: identityId, DatasetName: "errors" }
    const first = await device.send(new v3.ListRecordsCommand(ref))
    await device.send(new v3.UpdateRecordsCommand({ ...ref, SyncSessionToken: first.SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k1", Value: "a", SyncCount: 0 }] }))
    const second = await device.send(new v3.ListRecordsCommand(ref))
    const conflict = await failure(device.send(new v3.UpdateRecordsCommand({ ...ref, SyncSessionToken: second.SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k1", Value: "b", SyncCount: 0 }] })))
    expect(conflict).toEqual({ name: "ResourceConflictException", status: 409, message: "Current SyncCount for: k1 is: 1 not: 0" })

    const consumed = await failure(device.send(new v3.UpdateRecordsCommand({ ...ref, SyncSessionToken: first.SyncSessionToken, RecordPatches: [] })))
    expect(consumed).toEqual({ name: "InvalidParameterException", status: 400, message: "SyncSessionToken not valid for these inputs" })

    const invalidName = await failure(device.send(new v3.ListRecordsCommand({ ...ref, DatasetName: "bad/name" })))
    expect(invalidName).toMatchObject({ name: "InvalidParameterException", status: 400 })
    expect(invalidName.message).toMatch(/^1 validation error detected: Value 'bad\/name' at 'datasetName' failed to satisfy constraint/)

    // the query is signed decoded and re-encoded: a space in a value must verify
    const badToken = await failure(device.send(new v3.ListRecordsCommand({ ...ref, NextToken: "n t+x/y" })))
    expect(badToken).toMatchObject({ name: "InvalidParameterException", status: 400 })

    expect(await failure(device.send(new v3.ListRecordsCommand({ ...ref, LastSyncCount: 9 })))).toEqual({
      name: "InvalidParameterException",
      status: 400,
      message: "No such SyncCount: 9 exists for this Dataset"
    })
    expect(await failure(device.send(new v3.ListRecordsCommand({ ...ref, IdentityId: newIdentity() })))).toMatchObject({ name: "NotAuthorizedException", status: 403 })
    expect(await failure(device.send(new v3.ListIdentityPoolUsageCommand({})))).toMatchObject({ name: "NotAuthorizedException", status: 403 })
    const admin = client(fixture.developer)
    expect(await failure(admin.send(new v3.RegisterDeviceCommand({ IdentityPoolId: fixture.pool, IdentityId: identityId, Platform: "GCM", Token: "t" })))).toEqual({
      name: "NotAuthorizedException",
      status: 403,
      message: "These credentials are not valid for accessing this resource"
    })
    const stranger = client({ accessKeyId: fixture.developer.accessKeyId, secretAccessKey: "not the secret" })
    expect(await failure(stranger.send(new v3.ListIdentityPoolUsageCommand({})))).toMatchObject({ name: "NotAuthorizedException", status: 403 })
  }, timeout)

  it("sync manager: two devices synchronize, a conflict is resolved, a removal and a deletion reach the other device", async () => {
    const { fixture, v3 } = context()
    const identityId = newIdentity()
    const credentials = fixture.identity(identityId)
    const endpoint = fixture.target.endpoint
    const a = await syncManagerDevice(endpoint, fixture.pool, identityId, credentials, "settings")
    const b = await syncManagerDevice(endpoint, fixture.pool, identityId, credentials, "settings")

    await a.put("color", "red")
    await a.put("size", "M")
    await a.synchronize()
    await b.synchronize()
    expect([await b.get("color"), await b.get("size")]).toEqual(["red", "M"])

    await a.put("color", "blue")
    await a.synchronize()
    await b.put("color", "green")
    await b.synchronize()
    expect(b.conflicts).toEqual(["color"])
    await a.synchronize()
    expect([await a.get("color"), await b.get("color")]).toEqual(["green", "green"])

    await a.remove("size")
    await a.synchronize()
    await b.synchronize()
    expect(await b.get("size")).toBe("")

    const admin = client(fixture.developer)
    const ref = { IdentityPoolId: fixture.pool, IdentityId: identityId, DatasetName: "settings" }
    const server = await admin.send(new v3.ListRecordsCommand(ref))
    expect(server.DatasetSyncCount).toBe(4)
    expect(Object.fromEntries(server.Records!.map((record) => [record.Key, record.Value ?? null]))).toEqual({ color: "green", size: null })
    expect(a.conflicts).toEqual([])

    await admin.send(new v3.DeleteDatasetCommand(ref))
    await expect(b.synchronize()).rejects.toThrow(/onDatasetDeleted/)
    expect(b.deletions).toEqual(["settings"])
  }, timeout)

  describe("raw wire", () => {
    let victim: { identityId: string; credentials: Credentials; path: string; token: string }
    let snapshot: unknown
    let attacker: { identityId: string; credentials: Credentials }

    /** The victim's dataset as the victim reads it. */
    const read = async () => {
      const { fixture } = context()
      const listed = await send(fixture.target.endpoint, {
        method: "GET",
        path: `${victim.path}/records?lastSyncCount=0`,
        credentials: victim.credentials
      })
      expect(listed.status).toBe(200)
      const body = listed.json as { Records: Array<unknown>; DatasetSyncCount: number; SyncSessionToken: string }
      return { records: body.Records, count: body.DatasetSyncCount, token: body.SyncSessionToken }
    }

    beforeAll(async () => {
      const { fixture, v3 } = context()
      const identityId = newIdentity()
      const credentials = fixture.identity(identityId)
      const device = client(credentials)
      const ref = { IdentityPoolId: fixture.pool, IdentityId: identityId, DatasetName: "victim" }
      const { SyncSessionToken } = await device.send(new v3.ListRecordsCommand(ref))
      await device.send(new v3.UpdateRecordsCommand({
        ...ref,
        SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "a", Value: "1", SyncCount: 0 }, { Op: "replace", Key: "b", Value: "2", SyncCount: 0 }]
      }))
      victim = {
        identityId,
        credentials,
        path: `/identitypools/${label(fixture.pool)}/identities/${label(identityId)}/datasets/victim`,
        token: ""
      }
      const state = await read()
      victim.token = state.token
      snapshot = { records: state.records, count: state.count }
      const attackerId = newIdentity()
      attacker = { identityId: attackerId, credentials: fixture.identity(attackerId) }
    }, timeout)

    const unchanged = async () => {
      const state = await read()
      expect({ records: state.records, count: state.count }).toEqual(snapshot)
    }

    const update = (patches: unknown) => JSON.stringify({ SyncSessionToken: victim.token, RecordPatches: patches })
    const patch = [{ Op: "replace", Key: "a", Value: "changed", SyncCount: 1 }]

    interface Case {
      readonly name: string
      readonly request: () => RawRequest
      readonly status: number
      readonly type: string
      readonly check?: (response: RawResponse) => void
    }

    const cases: ReadonlyArray<Case> = [
      { name: "a body that is not JSON", status: 400, type: "InvalidParameterException", request: () => ({ method: "POST", path: victim.path, body: "{\"SyncSessionToken\": ", credentials: victim.credentials }) },
      { name: "a body that is a JSON array", status: 400, type: "InvalidParameterException", request: () => ({ method: "POST", path: victim.path, body: "[1,2]", credentials: victim.credentials }) },
      {
        name: "a sync count sent as a string",
        status: 400,
        type: "InvalidParameterException",
        request: () => ({ method: "POST", path: victim.path, body: update([{ Op: "replace", Key: "a", Value: "x", SyncCount: "1" }]), credentials: victim.credentials }),
        check: (response) => expect((response.json as { message: string }).message).toMatch(/validation error detected: Value '1' at 'recordPatches.1.member.syncCount'/)
      },
      { name: "a patch list that is not a list", status: 400, type: "InvalidParameterException", request: () => ({ method: "POST", path: victim.path, body: update("a"), credentials: victim.credentials }) },
      { name: "an operation that is not an enum value", status: 400, type: "InvalidParameterException", request: () => ({ method: "POST", path: victim.path, body: update([{ Op: "drop", Key: "a", SyncCount: 1 }]), credentials: victim.credentials }) },
      { name: "a timestamp sent as a string", status: 400, type: "InvalidParameterException", request: () => ({ method: "POST", path: victim.path, body: update([{ ...patch[0], DeviceLastModifiedDate: "yesterday" }]), credentials: victim.credentials }) },
      { name: "maxResults that is not a number", status: 400, type: "InvalidParameterException", request: () => ({ method: "GET", path: `${victim.path}/records?maxResults=abc`, credentials: victim.credentials }) },
      { name: "a label with a broken percent-escape", status: 400, type: "InvalidParameterException", request: () => ({ method: "GET", path: `${victim.path.replace(/\/victim$/, "/vic%E0%A4%Atim")}`, credentials: victim.credentials }) },
      { name: "an unknown route", status: 404, type: "UnknownOperationException", request: () => ({ method: "GET", path: `${victim.path}/elsewhere`, credentials: victim.credentials }) },
      { name: "the root path", status: 404, type: "UnknownOperationException", request: () => ({ method: "GET", path: "/" }) },
      {
        name: "a method the path does not take",
        status: 405,
        type: "MethodNotAllowedException",
        request: () => ({ method: "PUT", path: victim.path, body: update(patch), credentials: victim.credentials }),
        check: (response) => expect(String(response.headers["allow"]).split(", ").sort()).toEqual(["DELETE", "GET", "POST"])
      },
      { name: "a body over the limit, with content-length", status: 413, type: "RequestEntityTooLargeException", request: () => ({ method: "POST", path: victim.path, body: update([{ ...patch[0], Value: "x".repeat(MAX_BODY) }]), credentials: victim.credentials }) },
      { name: "a body over the limit, chunked", status: 413, type: "RequestEntityTooLargeException", request: () => ({ method: "POST", path: victim.path, body: update([{ ...patch[0], Value: "x".repeat(MAX_BODY) }]), credentials: victim.credentials, chunked: true }) },
      { name: "no signature", status: 403, type: "NotAuthorizedException", request: () => ({ method: "POST", path: victim.path, body: update(patch) }) },
      {
        name: "a signature that does not match",
        status: 403,
        type: "NotAuthorizedException",
        request: () => ({
          method: "POST",
          path: victim.path,
          body: update(patch),
          credentials: victim.credentials,
          tamper: (r) => {
            r.headers["Authorization"] = r.headers["Authorization"]!.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === "0" ? "1" : "0"}`)
          }
        })
      },
      { name: "a body changed after signing", status: 403, type: "NotAuthorizedException", request: () => ({ method: "POST", path: victim.path, body: update(patch), credentials: victim.credentials, tamper: (r) => void (r.body = update([{ ...patch[0], Value: "other" }])) }) },
      { name: "a path changed after signing", status: 403, type: "NotAuthorizedException", request: () => ({ method: "GET", path: `${victim.path}/records`, credentials: victim.credentials, tamper: (r) => void (r.path = r.path.replace("/victim/", "/other/")) }) },
      { name: "a query changed after signing", status: 403, type: "NotAuthorizedException", request: () => ({ method: "GET", path: `${victim.path}/records?maxResults=5`, credentials: victim.credentials, tamper: (r) => void (r.path = r.path.replace("maxResults=5", "maxResults=6")) }) },
      { name: "a signature of 20 minutes ago", status: 403, type: "NotAuthorizedException", request: () => ({ method: "POST", path: victim.path, body: update(patch), credentials: victim.credentials, date: new Date(Date.now() - 20 * 60_000) }) },
      { name: "a signature 20 minutes ahead", status: 403, type: "NotAuthorizedException", request: () => ({ method: "GET", path: `${victim.path}/records`, credentials: victim.credentials, date: new Date(Date.now() + 20 * 60_000) }) },
      {
        name: "a signature for another service",
        status: 403,
        type: "NotAuthorizedException",
        request: () => ({
          method: "GET",
          path: `${victim.path}/records`,
          credentials: victim.credentials,
          tamper: (r) => void (r.headers["Authorization"] = r.headers["Authorization"]!.replace("/cognito-sync/", "/cognito-identity/"))
        })
      },
      { name: "identity credentials that expired", status: 403, type: "NotAuthorizedException", request: () => ({ method: "GET", path: `${victim.path}/records`, credentials: context().fixture.identity(victim.identityId, { ttlSeconds: 60, now: Date.now() - 120_000 }) }) },
      {
        name: "identity credentials issued with another secret",
        status: 403,
        type: "NotAuthorizedException",
        request: () => ({
          method: "GET",
          path: `${victim.path}/records`,
          credentials: IdentityCredentials.issueIdentityCredentials({ secret: "another secret of some length", identityPoolId: context().fixture.pool, identityId: victim.identityId })
        })
      },
      { name: "identity credentials without their session token", status: 403, type: "NotAuthorizedException", request: () => ({ method: "GET", path: `${victim.path}/records`, credentials: { accessKeyId: victim.credentials.accessKeyId, secretAccessKey: victim.credentials.secretAccessKey } }) },
      { name: "identity credentials on another identity's records", status: 403, type: "NotAuthorizedException", request: () => ({ method: "GET", path: `${victim.path}/records`, credentials: attacker.credentials }) },
      { name: "identity credentials writing another identity's dataset", status: 403, type: "NotAuthorizedException", request: () => ({ method: "POST", path: victim.path, body: update(patch), credentials: attacker.credentials }) },
      { name: "identity credentials deleting another identity's dataset", status: 403, type: "NotAuthorizedException", request: () => ({ method: "DELETE", path: victim.path, credentials: attacker.credentials }) },
      { name: "identity credentials on a developer-only operation (GetCognitoEvents)", status: 403, type: "NotAuthorizedException", request: () => ({ method: "GET", path: `/identitypools/${label(context().fixture.pool)}/events`, credentials: victim.credentials }) },
      { name: "identity credentials on a developer-only operation (SetIdentityPoolConfiguration)", status: 403, type: "NotAuthorizedException", request: () => ({ method: "POST", path: `/identitypools/${label(context().fixture.pool)}/configuration`, body: JSON.stringify({ PushSync: {} }), credentials: victim.credentials }) },
      { name: "identity credentials on a developer-only operation (ListIdentityPoolUsage)", status: 403, type: "NotAuthorizedException", request: () => ({ method: "GET", path: "/identitypools", credentials: victim.credentials }) },
      { name: "developer credentials on an identity-only operation (RegisterDevice)", status: 403, type: "NotAuthorizedException", request: () => ({ method: "POST", path: `/identitypools/${label(context().fixture.pool)}/identity/${label(victim.identityId)}/device`, body: JSON.stringify({ Platform: "GCM", Token: "t" }), credentials: context().fixture.developer }) },
      { name: "developer credentials on an identity-only operation (SubscribeToDataset)", status: 403, type: "NotAuthorizedException", request: () => ({ method: "POST", path: `${victim.path}/subscriptions/some-device`, credentials: context().fixture.developer }) },
      { name: "developer credentials limited to another pool", status: 403, type: "NotAuthorizedException", request: () => ({ method: "POST", path: victim.path, body: update(patch), credentials: context().fixture.limited }) }
    ]

    for (const testCase of cases) {
      it(`${testCase.name}: ${testCase.status} ${testCase.type}, data unchanged`, async () => {
        const response = await send(context().fixture.target.endpoint, testCase.request())
        expectAwsError(response, testCase.status, testCase.type)
        testCase.check?.(response)
        await unchanged()
      }, timeout)
    }

    interface RawCase {
      readonly name: string
      readonly status: number
      readonly type: string
      readonly bytes: (endpoint: string) => string
    }
    const write = (): RawRequest => ({ method: "POST", path: victim.path, body: update(patch), credentials: victim.credentials })
    const copyOf = (name: string) => (headers: { readonly [name: string]: string }) =>
      Object.entries(headers).filter(([given]) => given.toLowerCase() === name)
    const rawCases: ReadonlyArray<RawCase> = [
      { name: "headers over 16 KB", status: 431, type: "RequestHeaderFieldsTooLargeException", bytes: (endpoint) => requestBytes(endpoint, write(), () => [["X-Padding", "x".repeat(20_000)]]) },
      { name: "a URL over 16 KB", status: 431, type: "RequestHeaderFieldsTooLargeException", bytes: (endpoint) => requestBytes(endpoint, { method: "GET", path: `${victim.path}/records?nextToken=${"x".repeat(20_000)}`, credentials: victim.credentials }) },
      { name: "an unknown method", status: 400, type: "InvalidParameterException", bytes: (endpoint) => requestBytes(endpoint, { ...write(), method: "FROBNICATE" }) },
      { name: "Content-Length with Transfer-Encoding", status: 400, type: "InvalidParameterException", bytes: (endpoint) => requestBytes(endpoint, write(), () => [["Transfer-Encoding", "chunked"]]) },
      { name: "a chunk that is not a chunk", status: 400, type: "InvalidParameterException", bytes: (endpoint) => requestBytes(endpoint, { ...write(), chunked: true }, () => [["Transfer-Encoding", "chunked"]]) },
      { name: "no Host header", status: 400, type: "InvalidParameterException", bytes: (endpoint) => requestBytes(endpoint, { ...write(), tamper: (r) => void delete r.headers["Host"] }) },
      ...["host", "authorization", "x-amz-date", "x-amz-security-token", "content-length"].map((name): RawCase => ({
        name: `a signed write repeating its ${name} header, the copy identical`,
        status: 400,
        type: "InvalidParameterException",
        bytes: (endpoint) => requestBytes(endpoint, write(), copyOf(name))
      }))
    ]

    for (const testCase of rawCases) {
      it(`raw: ${testCase.name}: ${testCase.status} ${testCase.type}, the connection closed, data unchanged`, async () => {
        const response = await sendBytes(context().fixture.target.endpoint, testCase.bytes(context().fixture.target.endpoint))
        expect(response).toBeDefined()
        expectAwsError(response!, testCase.status, testCase.type)
        expect(response!.closed).toBe(true)
        await unchanged()
      }, timeout)
    }

    it("the victim's own signed request succeeds on the wire (the cases above fail for their reason only)", async () => {
      const { fixture } = context()
      const response = await send(fixture.target.endpoint, { method: "GET", path: `${victim.path}/records?maxResults=5&lastSyncCount=0`, credentials: victim.credentials })
      expect(response.status).toBe(200)
      expect(response.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/)
      expect(response.headers["content-type"]).toMatch(/^application\/json/)
      const body = response.json as { Records: Array<{ LastModifiedDate: unknown; SyncCount: unknown }>; DatasetExists: unknown }
      expect(body.DatasetExists).toBe(true)
      expect(typeof body.Records[0]!.LastModifiedDate).toBe("number")
      expect(typeof body.Records[0]!.SyncCount).toBe("number")
      // a limited developer works in its own pool
      const own = await send(fixture.target.endpoint, { method: "GET", path: `/identitypools/${label(fixture.otherPool)}/configuration`, credentials: fixture.limited })
      expect(own.status).toBe(200)
    }, timeout)
  })
}

/**
 * @since 0.1.0
 * @category models
 */
export interface FuzzOptions {
  readonly start: Options["start"]
  /** the mount point; `/fuzz` by default */
  readonly prefix?: string
  /** how many random requests; 2 000 by default */
  readonly requests?: number
  /** the timeout of the test in milliseconds; 60 000 by default */
  readonly timeout?: number
}

/**
 * Registers a fuzz test: random and mutated requests (unsigned, signed, signed then tampered,
 * by an identity of the pool, by a developer limited to another pool) against a running binding.
 * No answer may be a 5xx other than InternalErrorException, every answer is JSON with a request
 * id (errors with the same type in the header and the body), nothing hangs, and the data of an
 * identity the requests could not legitimately touch is unchanged afterwards.
 *
 * @since 0.1.0
 * @category suites
 */
export const fuzz = (name: string, options: FuzzOptions): void => {
  const timeout = options.timeout ?? 60_000
  describe(`HttpSuite.fuzz: ${name}`, () => {
    let fixture: Fixture
    beforeAll(async () => {
      fixture = await startFixture(options.start, options.prefix ?? "/fuzz", false)
    }, timeout)
    afterAll(() => fixture?.close())

    it(`answers ${options.requests ?? 2000} random and mutated requests without a crash, a hang or a stray 5xx`, async () => {
      const { default: fc } = await import("fast-check")
      const { fuzzRequests } = await import("./internal/fuzz.js")
      const endpoint = fixture.target.endpoint
      const victimId = newIdentity()
      const victim = fixture.identity(victimId)
      const victimPath = `/identitypools/${label(fixture.pool)}/identities/${label(victimId)}/datasets/victim`
      const seed = await send(endpoint, { method: "GET", path: `${victimPath}/records`, credentials: victim })
      const token = (seed.json as { SyncSessionToken: string }).SyncSessionToken
      const written = await send(endpoint, {
        method: "POST",
        path: victimPath,
        credentials: victim,
        body: JSON.stringify({ SyncSessionToken: token, RecordPatches: [{ Op: "replace", Key: "a", Value: "1", SyncCount: 0 }, { Op: "replace", Key: "b", Value: "2", SyncCount: 0 }] })
      })
      expect(written.status).toBe(200)
      const state = async () => {
        const listed = await send(endpoint, { method: "GET", path: `${victimPath}/records`, credentials: victim })
        const described = await send(endpoint, { method: "GET", path: `/identitypools/${label(fixture.pool)}/identities/${label(victimId)}/datasets`, credentials: victim })
        const body = listed.json as { Records: unknown; DatasetSyncCount: unknown }
        return { records: body.Records, count: body.DatasetSyncCount, datasets: (described.json as { Datasets: unknown }).Datasets }
      }
      const before = await state()

      const attackerId = newIdentity()
      const arbitrary = fuzzRequests(fc, {
        pool: fixture.pool,
        otherPool: fixture.otherPool,
        victimId,
        attackerId,
        victim,
        attacker: fixture.identity(attackerId),
        limited: fixture.limited
      })
      const seen = new Map<number, number>()
      const check = async (request: RawRequest) => {
        const response = await send(endpoint, request)
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1)
        expect(response.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/)
        if (response.status >= 500) {
          expect({ status: response.status, type: response.headers["x-amzn-errortype"] }).toEqual({ status: 500, type: "InternalErrorException" })
        }
        if (response.status >= 300) {
          expect(response.json).toEqual({ __type: response.headers["x-amzn-errortype"], message: expect.any(String) })
        } else {
          expect(typeof response.json).toBe("object")
        }
      }
      const requests = options.requests ?? 2000
      // most one at a time (fast-check shrinks a failure to its smallest request), the rest all at once
      await fc.assert(fc.asyncProperty(arbitrary, check), { numRuns: Math.ceil(requests * 0.9) })
      await Promise.all(fc.sample(arbitrary, Math.floor(requests * 0.1)).map(check))

      expect(await state()).toEqual(before)
      console.log(`fuzz ${name}: answers by status`, Object.fromEntries([...seen].sort(([a], [b]) => a - b)))
      // both failures and successes were reached, and the server still serves
      expect([...seen.keys()].some((status) => status === 200)).toBe(true)
      expect([...seen.keys()].some((status) => status === 403)).toBe(true)
      expect([...seen.keys()].some((status) => status === 400)).toBe(true)
    }, timeout)
  })
}
