/**
 * `syncalite export` and `syncalite import`: a store's content as JSON Lines, to a file or
 * through a pipe between two processes, and back into another store the same dataset by
 * dataset; a line that is no item refused with its number.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { SyncStore } from "@syncalite/core"
import { SqliteSyncStore } from "@syncalite/sqlite"
import { run } from "../src/program.js"
import { type Content, datasetOf, fill, rest } from "./content.js"
import { bin, exited, repository } from "./process.js"

const inProcess = async (argv: ReadonlyArray<string>) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await run(argv, { env: {}, out: (text) => out.push(text), err: (text) => err.push(text) })
  return { code, out: out.join("\n"), err: err.join("\n") }
}

const filled = async (file: string, identities: number, perIdentity: number) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(SqliteSyncStore.make(file), (store) => fill(store, identities, perIdentity))))

/** Both files hold the same datasets and the same pools and identities, as the port answers them. */
const expectSame = (one: string, two: string, content: Content) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const [a, b] = [yield* SqliteSyncStore.make(one), yield* SqliteSyncStore.make(two)]
    for (const ref of content.datasets) expect(yield* datasetOf(b, ref)).toEqual(yield* datasetOf(a, ref))
    expect(yield* rest(b, content)).toEqual(yield* rest(a, content))
  })))

describe("syncalite export and import", () => {
  it("export: one item a line, pools first, every line an item of the store", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-transfer-"))
    const file = join(folder, "source.db")
    const content = await filled(file, 7, 3)
    const exported = await inProcess(["export", "--from", `sqlite:${file}`, "--page", "2"])
    expect(exported.code).toBe(0)
    const items = exported.out.split("\n").map((line) => Schema.decodeUnknownSync(Schema.parseJson(SyncStore.StoreItemSchema))(line))
    expect(items.map((item) => item._tag)).toEqual([...content.pools.map(() => "Pool"), ...content.identities.map(() => "Identity")])
    expect(items.flatMap((item) => (item._tag === "Identity" ? item.datasets : [])).length).toBe(21)
    expect(exported.err).toBe("syncalite export: 2 pools, 7 identities, 21 datasets, 63 records, 21 tombstones, 3 devices, 3 subscriptions")
  })

  it("export --out then import --in: another store holding the same, dataset by dataset", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-transfer-"))
    const [source, copy, lines] = [join(folder, "source.db"), join(folder, "copy.db"), join(folder, "export.jsonl")]
    const content = await filled(source, 30, 4)
    expect(await inProcess(["export", "--from", `sqlite:${source}`, "--out", lines])).toMatchObject({ code: 0, out: "" })
    expect(existsSync(`${lines}.partial`)).toBe(false)
    const imported = await inProcess(["import", "--to", `sqlite:${copy}`, "--in", lines, "--page", "7"])
    expect(imported).toMatchObject({ code: 0, err: "syncalite import: 2 pools, 30 identities, 120 datasets, 360 records, 120 tombstones, 10 devices, 10 subscriptions" })
    await expectSame(source, copy, content)
  })

  it("syncalite export | syncalite import, two processes and a pipe", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-transfer-"))
    const [source, copy] = [join(folder, "source.db"), join(folder, "copy.db")]
    const content = await filled(source, 12, 2)
    const command = (args: ReadonlyArray<string>) => spawn(process.execPath, ["--import", "tsx", bin, ...args], { cwd: repository })
    const exporting = command(["export", "--from", `sqlite:${source}`])
    const importing = command(["import", "--to", `sqlite:${copy}`])
    exporting.stdout!.pipe(importing.stdin!)
    let said = ""
    importing.stderr!.on("data", (chunk: Buffer) => void (said += chunk.toString()))
    expect(await exited(exporting)).toMatchObject({ code: 0 })
    expect(await exited(importing)).toMatchObject({ code: 0 })
    expect(said.trim()).toBe("syncalite import: 2 pools, 12 identities, 24 datasets, 72 records, 24 tombstones, 4 devices, 4 subscriptions")
    await expectSame(source, copy, content)
  }, 60_000)

  it("import refuses a line that is not an item, saying which, and a file it cannot read", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-transfer-"))
    const lines = join(folder, "bad.jsonl")
    const pool = JSON.stringify({ _tag: "Pool", identityPoolId: "us-east-1:0e1a", configuration: SyncStore.emptyPool, syncSessionsCount: 0 })
    writeFileSync(lines, `${pool}\n\n{"_tag":"Identity","identityPoolId":"us-east-1:0e1a"}\n`)
    const refused = await inProcess(["import", "--to", "memory", "--in", lines])
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(new RegExp(`^syncalite: ${lines}, line 3, is not an item of a syncalite export: .*identityId`))
    expect(refused.err.split("\n")).toHaveLength(1)
    const missing = await inProcess(["import", "--to", "memory", "--in", join(folder, "none.jsonl")])
    expect(missing).toMatchObject({ code: 1, err: `syncalite: cannot read --in ${join(folder, "none.jsonl")}: no such file, or not readable` })
    expect(readFileSync(lines, "utf8")).toContain(pool)
  })

  it("a malformed or unreachable store: one line saying which, exit code 1", async () => {
    expect(await inProcess(["export", "--from", "redis+cluster://nope"])).toMatchObject({
      code: 1,
      err: "syncalite: cannot open the store redis+cluster://nope: Not a host:port of a Redis Cluster URL: nope"
    })
    expect(await inProcess(["import", "--to", "redis+cluster://127.0.0.1:1", "--in", "/dev/null"])).toMatchObject({
      code: 1,
      err: "syncalite: cannot open the store redis+cluster://127.0.0.1:1: Could not connect to Redis at redis+cluster://127.0.0.1:1: All the root nodes are unavailable"
    })
    const wrong = await inProcess(["migrate", "--from", "memory", "--to", "memory", "--page", "0"])
    expect(wrong).toMatchObject({ code: 1, err: "syncalite: --page 0: give a whole number from 1 to 10000" })
  })
})
