import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect, Either, Exit, Scope } from "effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { SqliteIdentityStore } from "@syncalite/sqlite"
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

describe("SqliteIdentityStore transactions", () => {
  it("an operation that fails half-way leaves nothing of it: a merge stopped by an unreadable link", async () => {
    const file = join(directory, "rollback.db")
    const { close, store } = await opened(file)
    const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
    try {
      const pool = "us-east-1:rollback"
      await run(store.createPool({ IdentityPoolId: pool, IdentityPoolName: "rollback", AllowUnauthenticatedIdentities: true }))
      const [a, b, c] = [{ provider: "a.example", subject: "a" }, { provider: "b.example", subject: "b" }, { provider: "c.example", subject: "c" }]
      await run(store.linkLogin(pool, a, "us-east-1:source", 1))
      await run(store.linkLogin(pool, b, "us-east-1:source", 2))
      await run(store.linkLogin(pool, c, "us-east-1:destination", 3))
      // the link of the source's second login is made unreadable behind the store's back
      const raw = new Database(file)
      const changed = raw.prepare("UPDATE syncalite_identity SET value = ? WHERE key LIKE ?").run("{\"broken\":true}", "%/b.example/b")
      raw.close()
      expect(changed.changes).toBe(1)

      const merged = await Effect.runPromise(Effect.either(store.mergeIdentity("us-east-1:source", "us-east-1:destination", 4)))
      expect(Either.isLeft(merged) && merged.left._tag).toBe("StorageError")
      expect((await run(store.readIdentity("us-east-1:destination")))?.logins).toEqual([c])
      expect((await run(store.readIdentity("us-east-1:source")))?.logins).toEqual([a, b])
      expect(await run(store.findLogin(pool, a))).toBe("us-east-1:source")
    } finally {
      await close()
    }
  })
})
