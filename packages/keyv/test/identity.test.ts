import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import KeyvPostgres from "@keyv/postgres"
import KeyvRedis from "@keyv/redis"
import KeyvSqlite from "@keyv/sqlite"
import Keyv from "keyv"
import { afterAll, describe } from "vitest"
import { KeyvIdentityStore } from "@syncalite/keyv"
import { IdentitySuite, Services } from "@syncalite/testing"

const redis = await Services.check("redis")
const postgres = await Services.check("postgres")

const namespace = `syncalite-keyv-identity-${randomUUID().slice(0, 8)}`

IdentitySuite.run("KeyvIdentityStore over Keyv's in-memory Map", {
  make: async () => ({ store: KeyvIdentityStore.make(new Keyv()) })
})

describe("@keyv/sqlite", () => {
  const directory = mkdtempSync(join(tmpdir(), "syncalite-keyv-identity-"))
  const file = join(directory, "keyv.sqlite")
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  IdentitySuite.run("KeyvIdentityStore over @keyv/sqlite (a file, two connections)", {
    make: async () => {
      const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 }), { namespace })
      return { store: KeyvIdentityStore.make(keyv), close: () => keyv.disconnect() }
    },
    capabilities: { crossProcess: true }
  })
})

describe.skipIf(!redis.available)("@keyv/redis", () => {
  afterAll(async () => {
    const keyv = new Keyv(new KeyvRedis(redis.url), { namespace })
    await keyv.clear()
    await keyv.disconnect()
  })

  IdentitySuite.run("KeyvIdentityStore over @keyv/redis (two clients)", {
    make: async () => {
      const keyv = new Keyv(new KeyvRedis(redis.url), { namespace })
      return { store: KeyvIdentityStore.make(keyv), close: () => keyv.disconnect() }
    },
    capabilities: { crossProcess: true }
  })
})

describe.skipIf(!postgres.available)("@keyv/postgres", () => {
  // @keyv/postgres keeps one pool per URL for the whole process, and disconnect() ends it: end it once
  const table = `syncalite_keyv_identity_${randomUUID().slice(0, 8)}`
  const open = () => new Keyv(new KeyvPostgres({ uri: postgres.url, table }), { namespace })
  afterAll(async () => {
    const keyv = open()
    await (keyv.store as KeyvPostgres).query(`DROP TABLE IF EXISTS ${table}`)
    await keyv.disconnect()
  })

  IdentitySuite.run("KeyvIdentityStore over @keyv/postgres", {
    make: async () => ({ store: KeyvIdentityStore.make(open()) }),
    capabilities: { crossProcess: true }
  })
})
