import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import {
  CognitoSyncClient,
  ListIdentityPoolUsageCommand,
  ListRecordsCommand,
  RegisterDeviceCommand,
  SetIdentityPoolConfigurationCommand,
  UpdateRecordsCommand
} from "@aws-sdk/client-cognito-sync"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createCognitoSync } from "@syncalite/core"
import { HttpSuite, Services } from "@syncalite/testing"
import { credentialsFor } from "../src/credentials.js"
import { readEnvironment } from "../src/environment.js"
import { main } from "../src/server.js"
import { storeLayer } from "../src/store.js"
import { removeKeys, testPrefix } from "./redisKeys.js"

const redis = await Services.check("redis")
const secret = "example server test secret"
const pool = "us-east-1:0e1a2b3c"
const env = {
  PORT: "0",
  SYNCALITE_SECRET: secret,
  SYNCALITE_DEV_KEY: "AKIDEXAMPLESERVER",
  SYNCALITE_DEV_SECRET: "example developer secret",
  SYNCALITE_POOLS: `${pool}, us-east-1:0e1a2b3d`,
  SYNCALITE_MAX_PUSH_TOKEN: "64",
  SYNCALITE_STORE: `sqlite:${join(mkdtempSync(join(tmpdir(), "syncalite-server-")), "syncalite.db")}`
}

describe("examples/express-sqlite: configuration", () => {
  it("generates what is unset, and says so", () => {
    const environment = readEnvironment({}, "memory")
    expect(environment).toMatchObject({ port: 8080, store: "memory", pools: undefined, developer: { accountId: "developer" } })
    expect(environment.generated.map(([name]) => name)).toEqual(["SYNCALITE_SECRET", "SYNCALITE_DEV_KEY", "SYNCALITE_DEV_SECRET"])
    expect(readEnvironment(env, "memory")).toMatchObject({ port: 0, secret, pools: [pool, "us-east-1:0e1a2b3d"], generated: [] })
  })

  it("refuses what cannot work, with a message that says why", () => {
    expect(() => readEnvironment({ PORT: "http" }, "memory")).toThrow(/PORT=http is not a port number/)
    expect(() => readEnvironment({ SYNCALITE_SECRET: "short" }, "memory")).toThrow(/at least 16 characters/)
    expect(() => readEnvironment({ SYNCALITE_DEV_SECRET: "x" }, "memory")).toThrow(/SYNCALITE_DEV_KEY is not/)
    expect(() => readEnvironment({ SYNCALITE_POOLS: "mypool" }, "memory")).toThrow(/"mypool" is not an identity pool id/)
  })

  it("SYNCALITE_STORE: memory, a SQLite file (its folder made), Redis; anything else is refused", async () => {
    const redisPrefix = testPrefix()
    const describeThrough = async (spec: string) => {
      const sync = createCognitoSync({ tokenSecret: secret, store: await storeLayer(spec, { redisPrefix }) })
      const ref = { IdentityPoolId: pool, IdentityId: `us-east-1:${randomBytes(4).toString("hex")}`, DatasetName: "probe" }
      const { SyncSessionToken } = await sync.listRecords(ref)
      await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }] })
      const { Dataset } = await sync.describeDataset(ref)
      await sync.close()
      return Dataset
    }
    expect(await describeThrough("memory")).toMatchObject({ NumRecords: 1 })
    const file = join(mkdtempSync(join(tmpdir(), "syncalite-example-")), "nested", "syncalite.db")
    expect(await describeThrough(`sqlite:${file}`)).toMatchObject({ NumRecords: 1 })
    expect(existsSync(file)).toBe(true)
    if (redis.available) {
      try {
        expect(await describeThrough(redis.url)).toMatchObject({ NumRecords: 1 })
      } finally {
        // the keys went under the prefix given, not the default one
        expect(await removeKeys(redis.url, redisPrefix)).toBeGreaterThan(0)
      }
    }
    await expect(storeLayer("sqlite:")).rejects.toThrow(/give the database file/)
    await expect(storeLayer("mongodb://x")).rejects.toThrow(/unknown store/)
  })

  it("a store that cannot be opened stops the start, with the store's reason", async () => {
    // the prefix is refused before any connection, so no Redis is needed here
    await expect(main({ ...env, SYNCALITE_STORE: "redis://127.0.0.1:6379", SYNCALITE_REDIS_PREFIX: "a{b}" }, () => undefined))
      .rejects.toThrow(/The key prefix may not contain braces: a\{b\}/)
  })

  it("credentials: one set per identity, for the server's secret", () => {
    expect(() => credentialsFor([pool], { SYNCALITE_SECRET: secret })).toThrow(/usage: npm run credentials/)
    expect(() => credentialsFor([pool, "us-east-1:01"], {})).toThrow(/set SYNCALITE_SECRET/)
    const credentials = credentialsFor([pool, "us-east-1:01", "60"], { SYNCALITE_SECRET: secret })
    expect(credentials.expiration.getTime() - Date.now()).toBeLessThanOrEqual(60_000)
  })
})

describe("examples/express-sqlite: the server", () => {
  let running: Awaited<ReturnType<typeof main>>
  const printed: Array<string> = []
  beforeAll(async () => {
    running = await main(env, (line) => printed.push(line))
  })
  afterAll(() => running.close())

  it("keeps its state in the SQLite file SYNCALITE_STORE names (by default sqlite:./data/syncalite.db)", () => {
    expect(running.environment.store).toBe(env.SYNCALITE_STORE)
    expect(readEnvironment({}, "sqlite:./data/syncalite.db").store).toBe("sqlite:./data/syncalite.db")
  })

  it("prints the endpoint and a snippet with the developer credentials", () => {
    expect(printed.join("\n")).toContain(`on ${running.endpoint}`)
    expect(printed.join("\n")).toContain(`endpoint: "${running.endpoint}"`)
    expect(printed.join("\n")).toContain(`accessKeyId: "AKIDEXAMPLESERVER"`)
  })

  it("syncs two devices end to end: one on the AWS SDK v3, one on the sync manager, with credentials from `npm run credentials`", async () => {
    const identityId = "us-east-1:0000aaaa"
    const credentials = credentialsFor([pool, identityId], env)
    const phone = new CognitoSyncClient({ endpoint: running.endpoint, region: "us-east-1", credentials, maxAttempts: 1 })
    const ref = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: "settings" }
    const { SyncSessionToken } = await phone.send(new ListRecordsCommand(ref))
    await phone.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }] }))

    const tablet = await HttpSuite.syncManager(running.endpoint, pool, identityId, credentialsFor([pool, identityId], env), "settings")
    await tablet.synchronize()
    expect(await tablet.get("theme")).toBe("dark")
    await tablet.put("volume", "7")
    await tablet.synchronize()

    const listed = await phone.send(new ListRecordsCommand({ ...ref, LastSyncCount: 1 }))
    expect(listed.Records).toMatchObject([{ Key: "volume", Value: "7", SyncCount: 2 }])
    phone.destroy()
  })

  it("takes its limits from the environment: SYNCALITE_MAX_PUSH_TOKEN", async () => {
    const developer = new CognitoSyncClient({
      endpoint: running.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: env.SYNCALITE_DEV_KEY, secretAccessKey: env.SYNCALITE_DEV_SECRET },
      maxAttempts: 1
    })
    await developer.send(new SetIdentityPoolConfigurationCommand({
      IdentityPoolId: pool,
      PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/example"] }
    }))
    developer.destroy()
    const identity = { IdentityPoolId: pool, IdentityId: "us-east-1:0000bbbb" }
    const phone = new CognitoSyncClient({
      endpoint: running.endpoint,
      region: "us-east-1",
      credentials: credentialsFor([pool, identity.IdentityId], env),
      maxAttempts: 1
    })
    await expect(phone.send(new RegisterDeviceCommand({ ...identity, Platform: "GCM", Token: "t".repeat(64) }))).resolves
      .toMatchObject({ DeviceId: expect.any(String) })
    await expect(phone.send(new RegisterDeviceCommand({ ...identity, Platform: "GCM", Token: "t".repeat(65) }))).rejects
      .toMatchObject({ name: "InvalidParameterException" })
    phone.destroy()
  })

  it("serves only the pools of SYNCALITE_POOLS, to identities and to the developer", async () => {
    const outsider = new CognitoSyncClient({
      endpoint: running.endpoint,
      region: "us-east-1",
      credentials: credentialsFor(["us-east-1:ffff", "us-east-1:01"], env),
      maxAttempts: 1
    })
    await expect(outsider.send(new ListRecordsCommand({ IdentityPoolId: "us-east-1:ffff", IdentityId: "us-east-1:01", DatasetName: "d" }))).rejects.toMatchObject({ name: "NotAuthorizedException" })
    outsider.destroy()
    const developer = new CognitoSyncClient({
      endpoint: running.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: env.SYNCALITE_DEV_KEY, secretAccessKey: env.SYNCALITE_DEV_SECRET },
      maxAttempts: 1
    })
    const usage = await developer.send(new ListIdentityPoolUsageCommand({}))
    expect(usage.IdentityPoolUsages!.map((pool) => pool.IdentityPoolId)).toEqual([pool])
    developer.destroy()
  })
})

describe("examples/express-sqlite: the process", () => {
  const root = fileURLToPath(new URL("..", import.meta.url))
  const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url))

  it("`npm start` serves, and shuts down cleanly on SIGTERM", async () => {
    const child = spawn(tsx, ["src/server.ts"], { cwd: root, env: { ...process.env, PORT: "0", SYNCALITE_SECRET: secret } })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()))
    const deadline = Date.now() + 20_000
    while (!/on (http:\/\/\S+)/.test(output) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50))
    const endpoint = /on (http:\/\/\S+)/.exec(output)?.[1]
    expect(endpoint, output).toBeDefined()
    expect(await (await fetch(`${endpoint}/healthz`)).json()).toEqual({ ok: true })
    child.kill("SIGTERM")
    const [code] = await once(child, "exit")
    expect(code).toBe(0)
    expect(output).toContain("SIGTERM, shutting down")
  }, 30_000)

  it("`npm run credentials` prints one JSON object", async () => {
    const child = spawn(tsx, ["src/credentials.ts", pool, "us-east-1:0000aaaa"], { cwd: root, env: { ...process.env, SYNCALITE_SECRET: secret } })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()))
    const [code] = await once(child, "exit")
    expect(code).toBe(0)
    const printed = JSON.parse(output) as { [key: string]: unknown }
    expect(Object.keys(printed).sort()).toEqual(["accessKeyId", "expiration", "secretAccessKey", "sessionToken"])
  }, 30_000)
})
