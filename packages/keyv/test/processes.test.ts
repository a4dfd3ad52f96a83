import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import KeyvPostgres from "@keyv/postgres"
import KeyvRedis from "@keyv/redis"
import Keyv from "keyv"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { createCognitoSync } from "@syncalite/core"
import { KeyvSyncStore } from "@syncalite/keyv"
import { Processes, Services } from "@syncalite/testing"

const redis = await Services.check("redis")
const postgres = await Services.check("postgres")
const secret = "a keyv adapter test secret"
const directory = mkdtempSync(join(tmpdir(), "syncalite-keyv-"))
afterEach(Processes.killAll)
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const ref = { IdentityPoolId: "us-east-1:0000c0de", IdentityId: "us-east-1:00000001", DatasetName: "counter" }

/** Processes racing read-modify-write loops on one dataset; then the counter tells whether an update was lost. */
const race = async (store: string, namespace: string, open: () => Keyv) => {
  const [processes, loops, per] = [3, 2, 6]
  const children = Array.from(
    { length: processes },
    (_, i) => Processes.start(new URL("./fixtures/counter.ts", import.meta.url), [store, namespace, String(i), String(loops), String(per), secret])
  )
  await Promise.all(children.map((child) => child.line((line) => line === "ready")))
  for (const child of children) child.process.stdin.write("go\n")
  const tallies = await Promise.all(children.map(async (child) => JSON.parse(await child.line((line) => line.startsWith("{"), 60_000))))
  for (const child of children) expect((await child.exited).code, child.stderr()).toBe(0)
  const updates = tallies.reduce((sum, tally) => sum + tally.updates, 0)
  expect(updates).toBe(processes * loops * per)
  const keyv = open()
  const sync = createCognitoSync({ tokenSecret: secret, store: KeyvSyncStore.layer(keyv, { disconnect: false }) })
  const listed = await sync.listRecords(ref)
  const value = (key: string) => listed.Records.find((record) => record.Key === key)?.Value
  expect(Number(value("counter"))).toBe(updates)
  expect(listed.DatasetSyncCount).toBe(updates)
  for (let p = 0; p < processes; p++) {
    for (let l = 0; l < loops; l++) expect(value(`p${p}-l${l}`)).toBe(String(tallies[p].perLoop[l]))
  }
  await sync.close()
  return keyv
}

describe("no lost update across processes", () => {
  it("over @keyv/sqlite (one file)", async () => {
    const file = join(directory, "counter.sqlite")
    const namespace = `counter-${randomUUID().slice(0, 8)}`
    const KeyvSqlite = (await import("@keyv/sqlite")).default
    const keyv = await race(`sqlite:${file}`, namespace, () => new Keyv(new KeyvSqlite({ uri: `sqlite://${file}` }), { namespace }))
    await keyv.disconnect()
  }, 90_000)

  it.skipIf(!redis.available)("over @keyv/redis", async () => {
    const namespace = `syncalite-counter-${randomUUID().slice(0, 8)}`
    const keyv = await race(`redis:${redis.url}`, namespace, () => new Keyv(new KeyvRedis(redis.url), { namespace }))
    await keyv.clear()
    await keyv.disconnect()
  }, 90_000)

  it.skipIf(!postgres.available)("over @keyv/postgres", async () => {
    const namespace = `syncalite-counter-${randomUUID().slice(0, 8)}`
    const table = namespace.replace(/-/g, "_")
    const keyv = await race(`postgres:${postgres.url}`, namespace, () => new Keyv(new KeyvPostgres({ uri: postgres.url, table }), { namespace }))
    await (keyv.store as KeyvPostgres).query(`DROP TABLE IF EXISTS ${table}`)
    await keyv.disconnect()
  }, 90_000)
})
