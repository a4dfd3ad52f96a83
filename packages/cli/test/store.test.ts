import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { createCognitoSync } from "@syncalite/core"
import { Services } from "@syncalite/testing"
import { storeLayer } from "../src/store.js"
import { removeKeys, testPrefix } from "./redisKeys.js"

const redis = await Services.check("redis")
const secret = "store test secret"

describe("SYNCALITE_STORE", () => {
  it("memory, a SQLite file (its folder made), Redis under the prefix given", async () => {
    const redisPrefix = testPrefix()
    const describeThrough = async (spec: string) => {
      const sync = createCognitoSync({ tokenSecret: secret, store: await storeLayer(spec, { redisPrefix }) })
      const ref = { IdentityPoolId: "us-east-1:0e1a2b3c", IdentityId: `us-east-1:${randomBytes(4).toString("hex")}`, DatasetName: "probe" }
      const { SyncSessionToken } = await sync.listRecords(ref)
      await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }] })
      const { Dataset } = await sync.describeDataset(ref)
      await sync.close()
      return Dataset
    }
    expect(await describeThrough("memory")).toMatchObject({ NumRecords: 1 })
    const file = join(mkdtempSync(join(tmpdir(), "syncalite-cli-")), "nested", "syncalite.db")
    expect(await describeThrough(`sqlite:${file}`)).toMatchObject({ NumRecords: 1 })
    expect(existsSync(file)).toBe(true)
    if (redis.available) {
      try {
        expect(await describeThrough(redis.url)).toMatchObject({ NumRecords: 1 })
      } finally {
        expect(await removeKeys(redis.url, redisPrefix)).toBeGreaterThan(0)
      }
    }
  })

  it("anything else is refused, saying what to give", async () => {
    await expect(storeLayer("sqlite:")).rejects.toThrow(/names no file; give the database file, as in sqlite:.\/data\/syncalite.db/)
    const file = join(mkdtempSync(join(tmpdir(), "syncalite-cli-")), "a-file")
    writeFileSync(file, "")
    await expect(storeLayer(`sqlite:${file}/data/syncalite.db`)).rejects.toThrow(/the folder .*\/a-file\/data cannot be made \(ENOTDIR\); give a path where you may write/)
    await expect(storeLayer("mongodb://x")).rejects.toThrow("is not a store URL; give memory, sqlite:<path>, redis://host:port or redis+cluster://host:port[,host:port…] (--store or SYNCALITE_STORE)")
    await expect(storeLayer("mongodb://admin:hunter2@x")).rejects.toThrow("SYNCALITE_STORE=mongodb://admin:****@x is not a store URL")
  })
})
