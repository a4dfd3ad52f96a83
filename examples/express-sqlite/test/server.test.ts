import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CognitoSyncClient, ListIdentityPoolUsageCommand, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { issueIdentityCredentials } from "@syncalite/http"
import { HttpSuite } from "@syncalite/testing"
import { main } from "../src/server.js"

const secret = "example server test secret"
const pool = "us-east-1:0e1a2b3c"
const env = {
  PORT: "0",
  LOG_LEVEL: "silent",
  SYNCALITE_SECRET: secret,
  SYNCALITE_DEV_KEY: "AKIDEXAMPLESERVER",
  SYNCALITE_DEV_SECRET: "example developer secret",
  SYNCALITE_POOLS: `${pool}, us-east-1:0e1a2b3d`,
  SYNCALITE_STORE: `sqlite:${join(mkdtempSync(join(tmpdir(), "syncalite-server-")), "syncalite.db")}`
}
const credentials = (identityPoolId: string, identityId: string) => issueIdentityCredentials({ secret, identityPoolId, identityId })

describe("examples/express-sqlite: syncalite serve on Express", () => {
  let running: Awaited<ReturnType<typeof main>>
  const printed: Array<string> = []
  beforeAll(async () => {
    running = await main(env, (line) => printed.push(line))
  })
  afterAll(() => running.close())

  it("keeps its state in the SQLite file SYNCALITE_STORE names, and says where it listens", async () => {
    expect(running.config.store).toBe(env.SYNCALITE_STORE)
    expect(printed.join("\n")).toContain(`on ${running.endpoint}`)
    expect(await (await fetch(`${running.endpoint}/readyz`)).json()).toEqual({ ok: true })
  })

  it("syncs two devices end to end: one on the AWS SDK v3, one on the sync manager", async () => {
    const identityId = "us-east-1:0000aaaa"
    const phone = new CognitoSyncClient({ endpoint: running.endpoint, region: "us-east-1", credentials: credentials(pool, identityId), maxAttempts: 1 })
    const ref = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: "settings" }
    const { SyncSessionToken } = await phone.send(new ListRecordsCommand(ref))
    await phone.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }] }))

    const tablet = await HttpSuite.syncManager(running.endpoint, pool, identityId, credentials(pool, identityId), "settings")
    await tablet.synchronize()
    expect(await tablet.get("theme")).toBe("dark")
    await tablet.put("volume", "7")
    await tablet.synchronize()

    const listed = await phone.send(new ListRecordsCommand({ ...ref, LastSyncCount: 1 }))
    expect(listed.Records).toMatchObject([{ Key: "volume", Value: "7", SyncCount: 2 }])
    phone.destroy()
  })

  it("serves only the pools of SYNCALITE_POOLS, to identities and to the developer", async () => {
    const outsider = new CognitoSyncClient({ endpoint: running.endpoint, region: "us-east-1", credentials: credentials("us-east-1:ffff", "us-east-1:01"), maxAttempts: 1 })
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
