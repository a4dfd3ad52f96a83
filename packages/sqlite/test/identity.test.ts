import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect, Either, Exit, Scope } from "effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { SqliteIdentityStore, SqliteSyncStore } from "@syncalite/sqlite"
import { IdentitySuite, Processes } from "@syncalite/testing"

const directory = mkdtempSync(join(tmpdir(), "syncalite-sqlite-identity-"))
afterEach(Processes.killAll)
afterAll(() => rmSync(directory, { recursive: true, force: true }))

IdentitySuite.run("SqliteIdentityStore in memory", { make: SqliteIdentityStore.layer(":memory:") })

// two connections to one file, as two processes would have
IdentitySuite.run("SqliteIdentityStore over one file (two connections)", {
  make: SqliteIdentityStore.layer({ path: join(directory, "identity.db") }),
  capabilities: { crossProcess: true }
})

const opened = async (file: string) => {
  const scope = Effect.runSync(Scope.make())
  const store = await Effect.runPromise(Scope.extend(SqliteIdentityStore.make({ path: file, busyTimeout: 20_000 }), scope))
  return { store, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

describe("SqliteIdentityStore across processes", () => {
  it("three processes racing GetId for the same new logins get one identity per login", async () => {
    const file = join(directory, "race.db")
    const { close, store } = await opened(file)
    try {
      await IdentitySuite.loginRace(store, (pool, logins) =>
        Array.from({ length: 3 }, () =>
          Processes.start(new URL("./fixtures/identityRacer.ts", import.meta.url), [file, pool, String(logins)])))
    } finally {
      await close()
    }
  }, 240_000)
})

describe("identity merges across processes", () => {
  it("a merge whose process is killed between a dataset's copy and its deletion is finished by a new service, every write kept", async () => {
    const file = join(directory, "merge-crash.db")
    await IdentitySuite.mergeCrash(
      { identityStore: SqliteIdentityStore.layer(file), syncStore: SqliteSyncStore.layer(file) },
      (pool) => Processes.start(new URL("./fixtures/merger.ts", import.meta.url), [file, pool])
    )
  }, 120_000)
})

describe("SqliteIdentityStore transactions", () => {
  it("an operation that fails half-way leaves nothing of it: an identity whose second login is another's", async () => {
    const file = join(directory, "rollback.db")
    const { close, store } = await opened(file)
    const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
    try {
      const pool = "us-east-1:rollback"
      await run(store.createPool({ IdentityPoolId: pool, IdentityPoolName: "rollback", AllowUnauthenticatedIdentities: true }))
      const [a, b] = [{ provider: "a.example", subject: "a" }, { provider: "b.example", subject: "b" }]
      await run(store.linkLogin(pool, b, "us-east-1:owner", 1))
      const created = await Effect.runPromise(Effect.either(store.createIdentity({
        identityId: "us-east-1:late",
        identityPoolId: pool,
        logins: [a, b],
        creationDate: 2,
        lastModifiedDate: 2,
        disabled: false
      })))
      expect(Either.isLeft(created) && created.left._tag).toBe("StorageError")
      expect(await run(store.readIdentity("us-east-1:late"))).toBeUndefined()
      expect(await run(store.findLogin(pool, a))).toBeUndefined()
      expect(await run(store.findLogin(pool, b))).toBe("us-east-1:owner")
      expect((await run(store.listIdentities(pool, undefined, 10))).items.map((identity) => identity.identityId)).toEqual(["us-east-1:owner"])
    } finally {
      await close()
    }
  })

  it("a pool it cannot read is a StorageError naming it, and is left as it was", async () => {
    const file = join(directory, "unreadable.db")
    const { close, store } = await opened(file)
    try {
      const pool = "us-east-1:unreadable"
      await Effect.runPromise(store.createPool({ IdentityPoolId: pool, IdentityPoolName: "x", AllowUnauthenticatedIdentities: true }))
      const raw = new Database(file)
      raw.prepare("UPDATE syncalite_identity_pools SET configuration = ? WHERE pool = ?").run("{\"IdentityPoolId\":1}", pool)
      const read = await Effect.runPromise(Effect.either(store.readPool(pool)))
      expect(Either.isLeft(read) && read.left.message).toBe(`Unreadable value under key identity pool ${pool}`)
      const updated = await Effect.runPromise(Effect.either(store.updatePool(pool, (current) => Either.right(current))))
      expect(Either.isLeft(updated)).toBe(true)
      expect(raw.prepare("SELECT configuration FROM syncalite_identity_pools WHERE pool = ?").pluck().get(pool)).toBe("{\"IdentityPoolId\":1}")
      raw.close()
    } finally {
      await close()
    }
  })
})
