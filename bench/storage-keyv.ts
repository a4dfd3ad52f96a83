/**
 * The Keyv adapter (`@syncalite/keyv`) over each Keyv store it is tested with: UpdateRecords of 1
 * record and ListRecords of the 10 records changed since N (of 100), through the Promise facade,
 * at 1 and at 64 requests in flight, each beside the same kind of store doing the least any
 * document store does for it, through Keyv, in the same run: a get and a set of one key per
 * caller for a write, a get for a read. No target: the adapter reads and rewrites whole
 * documents (the identity's, and the dataset's records), the price of working over any store.
 *
 * Keyv's Map and @keyv/sqlite (a file in the temp directory) always run; @keyv/redis and
 * @keyv/postgres when REDIS_URL and POSTGRES_URL answer (the defaults are this machine's), under
 * a namespace or table of their own, removed afterwards.
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import KeyvPostgres from "@keyv/postgres"
import KeyvRedis from "@keyv/redis"
import KeyvSqlite from "@keyv/sqlite"
import Keyv from "keyv"
import { KeyvSyncStore } from "@syncalite/keyv"
import { Services } from "@syncalite/testing"
import { compare, type Operation, prepareList, prepareUpdate, report } from "./storage-facade.js"

interface Backend {
  readonly name: string
  /** a Keyv over the store, under a namespace of its own */
  readonly open: (namespace: string) => Keyv
  /** removes what the run wrote, beyond the namespaces it cleared */
  readonly clean: () => Promise<void>
  /** whether every Keyv over the store shares one connection, ended by the first disconnect */
  readonly shared?: boolean
}

/** The document a baseline writes: about the size of a small identity document. */
const document = { version: 1, value: JSON.stringify({ datasets: { bench: { syncCount: 1, records: "r/1" } } }).padEnd(300) }

const backends = async (directory: string): Promise<ReadonlyArray<Backend>> => {
  const run = randomUUID().slice(0, 8)
  const list: Array<Backend> = [
    { name: "Keyv's in-memory Map", open: (namespace) => new Keyv({ namespace }), clean: async () => undefined },
    {
      name: "@keyv/sqlite (sqlite3, rollback journal)",
      open: (namespace) => new Keyv(new KeyvSqlite({ uri: `sqlite://${join(directory, "keyv.sqlite")}`, busyTimeout: 10_000 }), { namespace }),
      clean: async () => undefined
    }
  ]
  const redis = await Services.check("redis")
  if (redis.available) {
    list.push({
      name: "@keyv/redis",
      open: (namespace) => new Keyv(new KeyvRedis(redis.url), { namespace: `syncalite-bench-${run}-${namespace}` }),
      clean: async () => undefined
    })
  } else {
    console.log(`@keyv/redis skipped: Redis does not answer at ${redis.url} (set REDIS_URL)`)
  }
  const postgres = await Services.check("postgres")
  if (postgres.available) {
    const table = `syncalite_bench_${run}`
    list.push({
      name: "@keyv/postgres",
      open: (namespace) => new Keyv(new KeyvPostgres({ uri: postgres.url, table }), { namespace }),
      // @keyv/postgres keeps one pool per URL for the whole process
      shared: true,
      clean: async () => {
        const keyv = new Keyv(new KeyvPostgres({ uri: postgres.url, table }))
        await (keyv.store as KeyvPostgres).query(`DROP TABLE IF EXISTS ${table}`)
        await keyv.disconnect()
      }
    })
  } else {
    console.log(`@keyv/postgres skipped: PostgreSQL does not answer at ${postgres.url} (set POSTGRES_URL)`)
  }
  return list
}

export const benchStorageKeyv = async () => {
  console.log(
    "\n# storage: Keyv adapter, Promise facade, beside the same store through Keyv (a get and a set per write, a get per read);" +
      "\n# side by side in 5 interleaved rounds"
  )
  const directory = mkdtempSync(join(tmpdir(), "syncalite-bench-keyv-"))
  try {
    for (const backend of await backends(directory)) {
      const opened: Array<Keyv> = []
      const open = (namespace: string) => {
        const keyv = backend.open(namespace)
        opened.push(keyv)
        return keyv
      }
      try {
        const raw = open("raw")
        const rawWrite: Operation = async (caller) => {
          await raw.get(`w${caller}`)
          await raw.set(`w${caller}`, document)
        }
        const rawRead: Operation = (caller) => raw.get(`w${caller}`)
        for (const inFlight of [1, 64]) {
          for (let caller = 0; caller < inFlight; caller++) await raw.set(`w${caller}`, document)
          const store = (name: string) => KeyvSyncStore.layer(open(`${name}-${inFlight}`), { disconnect: false })
          {
            const { baselines, figures } = await compare(
              inFlight,
              [await prepareUpdate("UpdateRecords", store("update"), inFlight)],
              [{ name: "get + set", operation: rawWrite }]
            )
            report(`${backend.name}: UpdateRecords, ${inFlight} in flight`, figures[0]!, baselines)
          }
          {
            const { baselines, figures } = await compare(
              inFlight,
              [await prepareList("ListRecords", store("list"))],
              [{ name: "get", operation: rawRead }]
            )
            report(`${backend.name}: ListRecords, ${inFlight} in flight`, figures[0]!, baselines)
          }
        }
      } finally {
        for (const keyv of opened) await keyv.clear()
        for (const keyv of backend.shared === true ? opened.slice(0, 1) : opened) await keyv.disconnect()
        await backend.clean()
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}
