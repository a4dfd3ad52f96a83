import type { AddressInfo } from "node:net"
import { createRequire } from "node:module"
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  ListIdentitiesCommand,
  MergeDeveloperIdentitiesCommand
} from "@aws-sdk/client-cognito-identity"
import { CognitoSyncClient, ListDatasetsCommand, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync"
import { fromCognitoIdentity, fromCognitoIdentityPool } from "@aws-sdk/credential-providers"
import { createLocalJWKSet, jwtVerify } from "jose"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { createCognitoSync, SyncStore } from "@syncalite/core"
import { createServer } from "@syncalite/http"
import { createCognitoIdentity } from "@syncalite/identity"

// each service generates its RSA signing key, slow on a loaded machine
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 })

const require = createRequire(import.meta.url)
const secret = "a secret of sixteen+ characters"
const developer = { accessKeyId: "AKIDIDENTITY", secretAccessKey: "a developer secret of the identity test" }
const region = "us-east-1"
const developerProvider = "login.example.app"

// one store: merging identities moves the datasets Cognito Sync serves
const store = SyncStore.makeMemory()
const sync = createCognitoSync({ tokenSecret: secret, store })
const thirdParty = "login.example.com"
const identity = createCognitoIdentity({
  credentialsSecret: secret,
  syncStore: store,
  // the application's own login: its token is the user's name
  providers: { [thirdParty]: (token) => token }
})
const server = createServer({ sync, identity, developers: [developer], identitySecret: secret, prefix: "/api" })
let endpoint: string
let admin: CognitoIdentityClient

beforeAll(async () => {
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`
  admin = new CognitoIdentityClient({ endpoint, region, credentials: developer, maxAttempts: 1 })
})

afterAll(async () => {
  admin.destroy()
  await new Promise((closed) => server.close(closed))
  await Promise.all([sync.close(), identity.close()])
})

const newPool = async (AllowUnauthenticatedIdentities = true) =>
  (await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: "clients",
    AllowUnauthenticatedIdentities,
    DeveloperProviderName: developerProvider,
    SupportedLoginProviders: { [thirdParty]: "app" }
  }))).IdentityPoolId!

const post = (target: string, body: string, headers: { [name: string]: string } = {}) =>
  fetch(`${endpoint}/`, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityService.${target}`, ...headers },
    body
  })

describe("the AWS SDK v3", () => {
  it("fromCognitoIdentityPool and nothing else: a CognitoSyncClient lists and updates records", async () => {
    const identityPoolId = await newPool()
    const credentials = fromCognitoIdentityPool({ identityPoolId, clientConfig: { region, endpoint } })
    const client = new CognitoSyncClient({ endpoint, region, credentials, maxAttempts: 1 })
    const { identityId } = await credentials()
    const dataset = { IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName: "settings" }
    const listed = await client.send(new ListRecordsCommand(dataset))
    expect(listed.DatasetSyncCount).toBe(0)
    const updated = await client.send(new UpdateRecordsCommand({
      ...dataset,
      SyncSessionToken: listed.SyncSessionToken!,
      RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
    }))
    expect(updated.Records?.map((record) => [record.Key, record.Value, record.SyncCount])).toEqual([["theme", "dark", 1]])
    const again = await client.send(new ListRecordsCommand(dataset))
    expect(again.Records?.map((record) => record.Value)).toEqual(["dark"])
    // the identity is someone: another identity's data is refused with these credentials
    const other = await client.send(new ListRecordsCommand({ ...dataset, IdentityId: `${region}:00000000-0000-0000-0000-000000000000` }))
      .then(() => undefined, (error: Error) => error.name)
    expect(other).toBe("NotAuthorizedException")
    const identities = await admin.send(new ListIdentitiesCommand({ IdentityPoolId: identityPoolId, MaxResults: 60 }))
    expect(identities.Identities?.map((described) => described.IdentityId)).toEqual([identityId])
    client.destroy()
  })

  it("developer-authenticated: a token from the app gives a device credentials; the same user on a second device sees the first device's data", async () => {
    const identityPoolId = await newPool(false)
    const login = async () => {
      const { IdentityId, Token } = await admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: identityPoolId,
        Logins: { [developerProvider]: "user-42" }
      }))
      const credentials = fromCognitoIdentity({
        identityId: IdentityId!,
        logins: { "cognito-identity.amazonaws.com": Token! },
        clientConfig: { region, endpoint }
      })
      return { IdentityId: IdentityId!, client: new CognitoSyncClient({ endpoint, region, credentials, maxAttempts: 1 }) }
    }
    const first = await login()
    const dataset = { IdentityPoolId: identityPoolId, IdentityId: first.IdentityId, DatasetName: "notes" }
    const { SyncSessionToken } = await first.client.send(new ListRecordsCommand(dataset))
    await first.client.send(new UpdateRecordsCommand({
      ...dataset,
      SyncSessionToken: SyncSessionToken!,
      RecordPatches: [{ Op: "replace", Key: "todo", Value: "milk", SyncCount: 0 }]
    }))
    const second = await login()
    expect(second.IdentityId).toBe(first.IdentityId)
    const seen = await second.client.send(new ListRecordsCommand(dataset))
    expect(seen.Records?.map((record) => [record.Key, record.Value])).toEqual([["todo", "milk"]])
    first.client.destroy()
    second.client.destroy()
  })

  it("a pool that forbids unauthenticated identities refuses fromCognitoIdentityPool without logins", async () => {
    const identityPoolId = await newPool(false)
    const credentials = fromCognitoIdentityPool({ identityPoolId, clientConfig: { region, endpoint } })
    const refused = await credentials().then(() => undefined, (error: Error) => error.name)
    expect(refused).toBe("NotAuthorizedException")
  })
})

/**
 * A device of the AWS SDK v2: `AWS.CognitoIdentityCredentials` against the server, and the
 * amazon-cognito-js sync manager on one dataset, its cache in a Map; `merged` holds what its
 * `onDatasetsMerged` was told.
 */
const v2Device = async (params: { IdentityPoolId: string; IdentityId?: string; Logins?: { [provider: string]: string } }, datasetName: string) => {
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1"
  const AWS = require("aws-sdk")
  require("amazon-cognito-js")
  AWS.config.update({ region, maxRetries: 0 })
  AWS.config.cognitosync = { endpoint }
  const credentials = new AWS.CognitoIdentityCredentials(params, { region, endpoint })
  AWS.config.credentials = credentials
  await credentials.getPromise()
  const items = new Map<string, string>()
  function DataStore(this: { store: unknown }) {
    this.store = {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: unknown) => void items.set(key, String(value)),
      removeItem: (key: string) => void items.delete(key)
    }
  }
  DataStore.prototype = Object.create(AWS.CognitoSyncManager.StoreLocalStorage.prototype)
  const manager = new AWS.CognitoSyncManager({ DataStore })
  const dataset = await new Promise<any>((resolve, reject) =>
    manager.openOrCreateDataset(datasetName, (error: unknown, opened: unknown) => (error ? reject(error) : resolve(opened))))
  const merged: Array<ReadonlyArray<string>> = []
  return {
    identityId: credentials.identityId as string,
    merged,
    put: (key: string, value: string) =>
      new Promise<void>((resolve, reject) => dataset.put(key, value, (error: unknown) => (error ? reject(error) : resolve()))),
    synchronize: () =>
      new Promise<void>((resolve, reject) =>
        dataset.synchronize({
          onSuccess: () => resolve(),
          onFailure: reject,
          onConflict: reject,
          onDatasetsMerged: (_dataset: unknown, names: ReadonlyArray<string>, done: (go: boolean) => void) => {
            merged.push(names)
            done(false)
          }
        }))
  }
}

describe("the AWS SDK v2 and the amazon-cognito-js sync manager", () => {
  it("AWS.CognitoIdentityCredentials gets credentials, with which the sync manager synchronizes a dataset", async () => {
    const identityPoolId = await newPool()
    const device = await v2Device({ IdentityPoolId: identityPoolId }, "profile")
    expect(device.identityId).toMatch(/^us-east-1:/)
    await device.put("name", "Ada")
    await device.synchronize()
    const stored = await sync.listRecords({ IdentityPoolId: identityPoolId, IdentityId: device.identityId, DatasetName: "profile" })
    expect(stored.Records?.map((record) => [record.Key, record.Value])).toEqual([["name", "Ada"]])
  })
})

describe("merged identities", () => {
  it("MergeDeveloperIdentities: the survivor has settings and settings.<source>, ListRecords names it, the sync manager's merge callback fires", async () => {
    const identityPoolId = await newPool(false)
    const user = async (name: string) => {
      const { IdentityId, Token } = await admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: identityPoolId,
        Logins: { [developerProvider]: name }
      }))
      return { IdentityId: IdentityId!, Logins: { "cognito-identity.amazonaws.com": Token! } }
    }
    const [source, destination] = [await user("src"), await user("dst")]
    for (const [who, value] of [[source, "source"], [destination, "destination"]] as const) {
      const device = await v2Device({ IdentityPoolId: identityPoolId, ...who }, "settings")
      expect(device.identityId).toBe(who.IdentityId)
      await device.put("owner", value)
      await device.put("second", value)
      await device.synchronize()
    }
    const merged = await admin.send(new MergeDeveloperIdentitiesCommand({
      IdentityPoolId: identityPoolId,
      DeveloperProviderName: developerProvider,
      SourceUserIdentifier: "src",
      DestinationUserIdentifier: "dst"
    }))
    expect(merged.IdentityId).toBe(destination.IdentityId)

    const credentials = fromCognitoIdentity({ identityId: destination.IdentityId, logins: destination.Logins, clientConfig: { region, endpoint } })
    const client = new CognitoSyncClient({ endpoint, region, credentials, maxAttempts: 1 })
    const mergedName = `settings.${source.IdentityId}`
    const datasets = await client.send(new ListDatasetsCommand({ IdentityPoolId: identityPoolId, IdentityId: destination.IdentityId }))
    expect(datasets.Datasets?.map((dataset) => dataset.DatasetName)).toEqual(["settings", mergedName])
    const parent = await client.send(new ListRecordsCommand({ IdentityPoolId: identityPoolId, IdentityId: destination.IdentityId, DatasetName: "settings" }))
    expect(parent.MergedDatasetNames).toEqual([mergedName])
    const moved = await client.send(new ListRecordsCommand({ IdentityPoolId: identityPoolId, IdentityId: destination.IdentityId, DatasetName: mergedName }))
    expect(moved.DatasetSyncCount).toBe(1)
    expect(moved.Records?.map((record) => [record.Key, record.Value, record.SyncCount])).toEqual([["owner", "source", 1], ["second", "source", 1]])
    // the source identity is gone: its datasets with it
    const gone = await sync.listDatasets({ IdentityPoolId: identityPoolId, IdentityId: source.IdentityId })
    expect(gone.Datasets).toEqual([])
    client.destroy()

    // told of the merged dataset, the app stops this synchronization to fold it in first
    const device = await v2Device({ IdentityPoolId: identityPoolId, ...destination }, "settings")
    const stopped = await device.synchronize().then(() => "synchronized", (error: Error) => error.message)
    expect(stopped).toBe("Cancelled due to .onDatasetsMerged result.")
    expect(device.merged).toEqual([[mergedName]])
  })

  it("an unauthenticated device that logs in with another identity's login merges into it, datasets included", async () => {
    const identityPoolId = await newPool()
    const write = async (credentials: ReturnType<typeof fromCognitoIdentityPool>, value: string) => {
      const client = new CognitoSyncClient({ endpoint, region, credentials, maxAttempts: 1 })
      const { identityId } = await credentials()
      const dataset = { IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName: "game" }
      const { SyncSessionToken } = await client.send(new ListRecordsCommand(dataset))
      await client.send(new UpdateRecordsCommand({
        ...dataset,
        SyncSessionToken: SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "level", Value: value, SyncCount: 0 }]
      }))
      client.destroy()
      return identityId
    }
    const Logins = { [thirdParty]: "player-7" }
    const user = await write(fromCognitoIdentityPool({ identityPoolId, logins: Logins, clientConfig: { region, endpoint } }), "9")
    const guest = await write(fromCognitoIdentityPool({ identityPoolId, clientConfig: { region, endpoint } }), "3")
    expect(guest).not.toBe(user)
    const answer = await admin.send(new GetCredentialsForIdentityCommand({ IdentityId: guest, Logins }))
    expect(answer.IdentityId).toBe(user)
    const datasets = await sync.listDatasets({ IdentityPoolId: identityPoolId, IdentityId: user })
    expect(datasets.Datasets?.map((dataset) => dataset.DatasetName)).toEqual(["game", `game.${guest}`])
    const moved = await sync.listRecords({ IdentityPoolId: identityPoolId, IdentityId: user, DatasetName: `game.${guest}` })
    expect(moved.Records?.map((record) => record.Value)).toEqual(["3"])
  })
})

describe("the wire", () => {
  it("GET /.well-known/jwks.json under the mount path publishes the key the OpenID tokens verify with", async () => {
    const identityPoolId = await newPool()
    const { IdentityId, Token } = await admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: identityPoolId,
      Logins: { [developerProvider]: "jwks-user" }
    }))
    const response = await fetch(`${endpoint}/.well-known/jwks.json`)
    expect(response.status).toBe(200)
    const { payload } = await jwtVerify(Token!, createLocalJWKSet(await response.json() as never), { audience: identityPoolId })
    expect(payload.sub).toBe(IdentityId)
  })

  it("unsigned calls are served unsigned; the developer's calls need a cognito-identity signature", async () => {
    const identityPoolId = await newPool()
    const unsigned = await post("GetId", JSON.stringify({ IdentityPoolId: identityPoolId }))
    expect(unsigned.status).toBe(200)
    expect(unsigned.headers.get("content-type")).toBe("application/x-amz-json-1.1")
    const { IdentityId } = await unsigned.json() as { IdentityId: string }
    const credentials = await post("GetCredentialsForIdentity", JSON.stringify({ IdentityId }))
    const body = await credentials.json() as { Credentials: { Expiration: unknown } }
    expect(typeof body.Credentials.Expiration).toBe("number")

    const refused = await post("ListIdentities", JSON.stringify({ IdentityPoolId: identityPoolId, MaxResults: 10 }))
    expect(refused.status).toBe(400)
    expect(await refused.json()).toEqual({ __type: "NotAuthorizedException", message: expect.any(String) })
    expect(refused.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException")

    // identity credentials are no developer's: signed with them, a developer call is refused
    const answer = await admin.send(new GetCredentialsForIdentityCommand({ IdentityId }))
    const asIdentity = new CognitoIdentityClient({
      endpoint,
      region,
      maxAttempts: 1,
      credentials: {
        accessKeyId: answer.Credentials!.AccessKeyId!,
        secretAccessKey: answer.Credentials!.SecretKey!,
        sessionToken: answer.Credentials!.SessionToken!
      }
    })
    const listed = await asIdentity.send(new ListIdentitiesCommand({ IdentityPoolId: identityPoolId, MaxResults: 10 }))
      .then(() => undefined, (error: Error) => error.name)
    expect(listed).toBe("NotAuthorizedException")
    asIdentity.destroy()
  })

  it("errors are awsJson1_1's: 400 for the caller's, the model's names, an unknown operation, a malformed body", async () => {
    const unknownPool = await post("GetId", JSON.stringify({ IdentityPoolId: `${region}:00000000-0000-0000-0000-000000000000` }))
    expect(unknownPool.status).toBe(400)
    expect((await unknownPool.json() as { __type: string }).__type).toBe("ResourceNotFoundException")
    const invalid = await post("GetId", JSON.stringify({ IdentityPoolId: 42 }))
    expect(invalid.status).toBe(400)
    expect((await invalid.json() as { __type: string }).__type).toBe("InvalidParameterException")
    const notJson = await post("GetId", "{")
    expect((await notJson.json() as { __type: string }).__type).toBe("InvalidParameterException")
    const unknown = await post("AssumeEverything", "{}")
    expect(unknown.status).toBe(400)
    expect((await unknown.json() as { __type: string }).__type).toBe("UnknownOperationException")
    const lowerCase = await post("getId", "{}")
    expect((await lowerCase.json() as { __type: string }).__type).toBe("UnknownOperationException")
    // the v3 client reads them as the model's exceptions
    const refused = await admin.send(new GetIdCommand({ IdentityPoolId: `${region}:00000000-0000-0000-0000-000000000000` }))
      .then(() => undefined, (error: Error & { $metadata: { httpStatusCode: number } }) => [error.name, error.$metadata.httpStatusCode])
    expect(refused).toEqual(["ResourceNotFoundException", 400])
  })

  it("a request without the target header is Cognito Sync's", async () => {
    const response = await fetch(`${endpoint}/`, { method: "POST", body: "{}" })
    expect((await response.json() as { __type: string }).__type).toBe("UnknownOperationException")
    expect(response.status).toBe(404)
  })
})
