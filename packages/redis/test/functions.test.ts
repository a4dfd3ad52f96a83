/**
 * The store's scripts as Redis Functions, on a redis-server of the test's own (the cases flush its
 * functions and restart it): each script's library is loaded where a call finds none, libraries
 * of two versions live side by side, and a server refusing FCALL gets the scripts' EVAL form.
 */
import type { ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { SyncStore } from "@syncalite/core"
import { RedisSyncStore } from "@syncalite/redis"
import { type ClientLike, makeConnection } from "../src/internal/connection.js"
import { commit, readDataset, script } from "../src/internal/scripts.js"
import { canStartRedis, commitOf, freePort, type RawClient, rawClient, startRedis, stopRedis } from "./helpers.js"

const serverInstalled = canStartRedis("the tests of Redis Functions")

/** @redis/client's class of the errors Redis answers, as the connection tells them: by its name */
class ErrorReply extends Error {}

const newRef = (): SyncStore.DatasetRef => ({ identityPoolId: `us-east-1:${randomUUID()}`, identityId: `us-east-1:${randomUUID()}`, datasetName: "d" })

/** The libraries Redis holds, by name. */
const libraries = async (raw: RawClient): Promise<Array<string>> => {
  const listed = (await raw.sendCommand(["FUNCTION", "LIST"])) as Array<Array<unknown>>
  return listed.map((library) => String(library[library.indexOf("library_name") + 1])).sort()
}

describe.skipIf(!serverInstalled)("Redis Functions", () => {
  let port: number
  let server: ChildProcess
  let url: string
  let raw: RawClient
  beforeAll(async () => {
    port = await freePort()
    server = await startRedis(port)
    url = `redis://127.0.0.1:${port}`
    raw = await rawClient(url)
  })
  afterAll(async () => {
    raw?.destroy()
    if (server !== undefined) await stopRedis(server)
  })

  const withStore = async (redis: RedisSyncStore.RedisInput, body: (store: RedisSyncStore.RedisSyncStoreShape) => Promise<void>) => {
    const scope = await Effect.runPromise(Scope.make())
    const store = await Effect.runPromise(Scope.extend(RedisSyncStore.make({ redis, prefix: `fn-${randomUUID().slice(0, 8)}`, commandTimeout: 1000 }), scope))
    try {
      await body(store)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }

  it("loads a script's library where Redis has none, again after a FUNCTION FLUSH between two commits", async () => {
    await raw.sendCommand(["FUNCTION", "FLUSH"])
    await withStore(url, async (store) => {
      const ref = newRef()
      const first = await Effect.runPromise(store.commit(commitOf(ref, "k", 0, "one")))
      expect(first._tag).toBe("Committed")
      expect(await libraries(raw)).toContain(commit.library)
      await raw.sendCommand(["FUNCTION", "FLUSH"])
      const second = await Effect.runPromise(store.commit(commitOf(ref, "k", 1, "two")))
      expect(second._tag === "Committed" && second.head.syncCount).toBe(2)
      expect(await libraries(raw)).toContain(commit.library)
      const view = await Effect.runPromise(store.readDataset(ref, { since: 0 }))
      expect(view.records.map((record) => [record.key, record.value, record.syncCount])).toEqual([["k", "two", 2]])
      expect(await libraries(raw)).toEqual([commit.library, readDataset.library].sort())
    })
  })

  it("keeps the libraries of two versions of a script side by side, neither replacing the other", async () => {
    const older = script("probe", ["read"], "return {'older', KEYS[1], ARGV[1]}")
    const newer = script("probe", ["read"], "return {'newer', KEYS[1], ARGV[1]}")
    expect(older.library).not.toBe(newer.library)
    const connection = makeConnection(raw as unknown as ClientLike, 1000)
    try {
      const run = (version: typeof older) => Effect.runPromise(connection.script(version, ["key"], ["arg"]))
      expect(await run(older)).toEqual(["older", "key", "arg"])
      expect(await run(newer)).toEqual(["newer", "key", "arg"])
      expect(await run(older)).toEqual(["older", "key", "arg"])
      expect(await libraries(raw)).toEqual(expect.arrayContaining([older.library, newer.library]))
    } finally {
      connection.dispose()
    }
  })

  it("runs a read-only script's function out of memory, as Redis runs reads", async () => {
    await withStore(url, async (store) => {
      const ref = newRef()
      await Effect.runPromise(store.commit(commitOf(ref, "k", 0)))
      await raw.sendCommand(["CONFIG", "SET", "maxmemory", "1"])
      try {
        const view = await Effect.runPromise(store.readDataset(ref, { since: 0 }))
        expect(view.records).toHaveLength(1)
        const refused = await Effect.runPromise(Effect.either(store.commit(commitOf(ref, "k", 1))))
        expect(refused._tag).toBe("Left")
      } finally {
        await raw.sendCommand(["CONFIG", "SET", "maxmemory", "0"])
      }
    })
  })

  it("falls back to EVALSHA on a server refusing FCALL, and stays correct", async () => {
    const client = await rawClient(url)
    const sent: Array<string> = []
    const refusing: ClientLike = {
      get isOpen() {
        return client.isOpen
      },
      get isReady() {
        return client.isReady
      },
      connect: () => client.connect(),
      close: () => client.close(),
      destroy: () => client.destroy(),
      on: (event, listener) => client.on(event, listener),
      off: (event, listener) => client.off(event, listener),
      sendCommand: (args: ReadonlyArray<string>) => {
        sent.push(args[0] === "FUNCTION" ? `FUNCTION ${args[1]}` : args[0]!)
        if (args[0] === "FCALL") return Promise.reject(new ErrorReply(`ERR unknown command 'FCALL', with args beginning with: '${args[1]}'`))
        return client.sendCommand([...args])
      }
    }
    try {
      await raw.sendCommand(["FUNCTION", "FLUSH"])
      await raw.sendCommand(["SCRIPT", "FLUSH"])
      await withStore(refusing as never, async (store) => {
        const ref = newRef()
        const first = await Effect.runPromise(store.commit(commitOf(ref, "k", 0, "one")))
        expect(first._tag).toBe("Committed")
        const stale = await Effect.runPromise(store.commit(commitOf(ref, "k", 0, "lost")))
        expect(stale._tag).toBe("Conflict")
        const second = await Effect.runPromise(store.commit(commitOf(ref, "k", 1, "two")))
        expect(second._tag === "Committed" && second.head.syncCount).toBe(2)
        const view = await Effect.runPromise(store.readDataset(ref, { since: 0 }))
        expect(view.records.map((record) => [record.key, record.value, record.syncCount])).toEqual([["k", "two", 2]])
      })
      expect(sent.filter((command) => command === "FCALL")).toHaveLength(1)
      expect(sent).not.toContain("FUNCTION LOAD")
      expect(sent).toContain("EVALSHA")
      expect(await libraries(raw)).toEqual([])
    } finally {
      if (client.isOpen) client.destroy()
    }
  })

  it("loads the libraries again after Redis restarted", async () => {
    await withStore(url, async (store) => {
      const ref = newRef()
      expect((await Effect.runPromise(store.commit(commitOf(ref, "k", 0))))._tag).toBe("Committed")
      raw.destroy()
      await stopRedis(server)
      server = await startRedis(port)
      raw = await rawClient(url)
      expect(await libraries(raw)).toEqual([])
      // the store's client reconnects on its own
      const deadline = Date.now() + 10_000
      let after = await Effect.runPromise(Effect.either(store.commit(commitOf(ref, "k", 0))))
      while (after._tag === "Left" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        after = await Effect.runPromise(Effect.either(store.commit(commitOf(ref, "k", 0))))
      }
      expect(after._tag === "Right" && after.right._tag).toBe("Committed")
      expect(await libraries(raw)).toContain(commit.library)
    })
  })
})
