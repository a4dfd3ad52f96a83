import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect, Either } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { makeGroupCommit } from "../src/internal/groupCommit.js"

const directory = mkdtempSync(join(tmpdir(), "syncalite-group-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

let files = 0
/** A WAL database that is never checkpointed, so that its WAL tells how many transactions committed. */
const open = () => {
  const path = join(directory, `group-${files++}.db`)
  const db = new Database(path, { timeout: 0 })
  db.pragma("journal_mode = WAL")
  db.pragma("wal_autocheckpoint = 0")
  db.exec("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES (1, 0);")
  db.exec("CREATE TABLE items (name TEXT PRIMARY KEY)")
  let aborts = 0
  const group = makeGroupCommit(db, () => aborts++)
  const increment = db.transaction(() => {
    db.prepare("UPDATE counter SET n = n + 1 WHERE id = 1").run()
    return db.prepare("SELECT n FROM counter WHERE id = 1").pluck().get() as number
  })
  const insert = db.transaction((name: string, fail: boolean) => {
    db.prepare("INSERT INTO items (name) VALUES (?)").run(name)
    if (fail) throw new Error(`refused ${name}`)
    return name
  })
  const items = () => db.prepare("SELECT name FROM items ORDER BY name").pluck().all()
  // one page changes per transaction here: a transaction appends one frame of a page and its header
  const walFrames = () => (statSync(`${path}-wal`).size - 32) / (db.pragma("page_size", { simple: true }) as number + 24)
  return { path, db, group, increment, insert, items, walFrames, aborts: () => aborts }
}

/** Runs every effect at once, as concurrent callers do, and answers how each ended. */
const together = <A>(effects: ReadonlyArray<Effect.Effect<A, unknown>>) =>
  Effect.runPromise(Effect.all(effects.map(Effect.either), { concurrency: "unbounded" }))

describe("group commits", () => {
  it("writes asked for together: the first commits alone at once, the others in one transaction, each answered its own outcome", async () => {
    const { db, group, increment, walFrames } = open()
    const before = walFrames()
    const outcomes = await together(Array.from({ length: 10 }, () => group(increment)))
    expect(outcomes).toEqual(Array.from({ length: 10 }, (_, i) => Either.right(i + 1)))
    // two commits (the first write's, then the group's), where one transaction per write would append ten
    expect(walFrames() - before).toBe(2)
    db.close()
  })

  it("a write alone is answered at once, in a transaction of its own", async () => {
    const { db, group, increment, walFrames } = open()
    const before = walFrames()
    for (let i = 1; i <= 3; i++) expect(await Effect.runPromise(group(increment))).toBe(i)
    expect(walFrames() - before).toBe(3)
    db.close()
  })

  it("a write that throws in a group is rolled back alone and fails alone", async () => {
    const { aborts, db, group, insert, items } = open()
    const outcomes = await together([
      group(insert, "leader", false),
      group(insert, "a", false),
      group(insert, "b", true),
      group(insert, "c", false)
    ])
    expect(outcomes.map((outcome) => Either.isRight(outcome) ? outcome.right : (outcome.left as Error).message)).toEqual([
      "leader",
      "a",
      "refused b",
      "c"
    ])
    expect(items()).toEqual(["a", "c", "leader"])
    expect(aborts()).toBe(1)
    db.close()
  })

  it("a group that cannot begin fails every write in it and keeps none, and the connection works again after", async () => {
    const { aborts, db, group, insert, items, path } = open()
    const other = new Database(path)
    other.exec("BEGIN IMMEDIATE")
    const outcomes = await together(["x", "y", "z"].map((name) => group(insert, name, false)))
    for (const outcome of outcomes) {
      expect(Either.isLeft(outcome)).toBe(true)
      expect(Either.isLeft(outcome) && (outcome.left as { code?: unknown }).code).toBe("SQLITE_BUSY")
    }
    expect(aborts()).toBe(2) // the first write, alone, then the group of the others
    other.exec("ROLLBACK")
    other.close()
    expect(items()).toEqual([])
    expect(await together(["x", "y"].map((name) => group(insert, name, false)))).toEqual([Either.right("x"), Either.right("y")])
    expect(items()).toEqual(["x", "y"])
    db.close()
  })
})
