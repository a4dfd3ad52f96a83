/**
 * Cognito Identity's state through `syncalite export`, `import` and `migrate`: pools, identities
 * and their logins, the signing key (so that OpenID tokens issued before the move still prove
 * their identity) and a merge still pending, whose datasets the import moves.
 */
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Caller, createCognitoSync, SyncSessionToken } from "@syncalite/core"
import { createCognitoIdentity } from "@syncalite/identity"
import { SqliteIdentityStore, SqliteSyncStore } from "@syncalite/sqlite"
import { run } from "../src/program.js"

const secret = "identity transfer test secret"
const developer = Caller.developer()
const provider = "login.example.app"

const inProcess = async (argv: ReadonlyArray<string>) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await run(argv, { env: {}, out: (text) => out.push(text), err: (text) => err.push(text) })
  return { code, out: out.join("\n"), err: err.join("\n") }
}

/** The identity API and the sync store over one SQLite file, as `syncalite serve` has them. */
const served = (file: string) => ({
  identity: createCognitoIdentity({ credentialsSecret: secret, store: SqliteIdentityStore.layer(file), syncStore: SqliteSyncStore.layer(file) }),
  sync: createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(file) })
})

const write = async (sync: ReturnType<typeof createCognitoSync>, IdentityPoolId: string, IdentityId: string, Value: string) => {
  const ref = { IdentityPoolId, IdentityId, DatasetName: "settings" }
  const { Records, SyncSessionToken: token } = await sync.listRecords(ref)
  await sync.updateRecords({ ...ref, SyncSessionToken: token, RecordPatches: [{ Op: "replace", Key: "theme", Value, SyncCount: Records?.find((record) => record.Key === "theme")?.SyncCount ?? 0 }] })
}

/**
 * A store with a pool, an unauthenticated identity, two developer users of which one was merged
 * into the other, and a write the merged one made after the merge with credentials still valid.
 */
const fill = async (file: string) => {
  const { identity, sync } = served(file)
  const pool = await identity.createIdentityPool({ IdentityPoolName: "transfer", AllowUnauthenticatedIdentities: true, DeveloperProviderName: provider }, developer)
  const IdentityPoolId = pool.IdentityPoolId
  const { IdentityId: device } = await identity.getId({ IdentityPoolId })
  const { Token: deviceToken } = await identity.getOpenIdToken({ IdentityId: device! })
  const alice = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId, Logins: { [provider]: "alice" } }, developer)
  const bob = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId, Logins: { [provider]: "bob" } }, developer)
  await write(sync, IdentityPoolId, alice.IdentityId!, "dark")
  await write(sync, IdentityPoolId, bob.IdentityId!, "light")
  await identity.mergeDeveloperIdentities({ IdentityPoolId, SourceUserIdentifier: "bob", DestinationUserIdentifier: "alice", DeveloperProviderName: provider }, developer)
  // bob's device still holds credentials: its next write lands in bob's dataset, which the merge sweep moves later
  const late = { IdentityPoolId, IdentityId: bob.IdentityId!, DatasetName: "later" }
  const { SyncSessionToken: token } = await sync.listRecords(late)
  await sync.updateRecords({ ...late, SyncSessionToken: token, RecordPatches: [{ Op: "replace", Key: "k", Value: "written after the merge", SyncCount: 0 }] })
  await Promise.all([identity.close(), sync.close()])
  return { IdentityPoolId, device: device!, deviceToken: deviceToken!, alice: alice.IdentityId!, bob: bob.IdentityId! }
}

/** What a copy must answer: the same identities for the same logins, old tokens accepted, the merge's datasets moved. */
const expectCarried = async (file: string, state: Awaited<ReturnType<typeof fill>>) => {
  const { identity, sync } = served(file)
  const { IdentityPoolId } = state
  expect((await identity.describeIdentityPool({ IdentityPoolId }, developer)).DeveloperProviderName).toBe(provider)
  const again = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId, Logins: { [provider]: "alice" } }, developer)
  expect(again.IdentityId).toBe(state.alice)
  const lookup = await identity.lookupDeveloperIdentity({ IdentityPoolId, IdentityId: state.alice, MaxResults: 10 }, developer)
  expect([...lookup.DeveloperUserIdentifierList!].sort()).toEqual(["alice", "bob"])
  const credentials = await identity.getCredentialsForIdentity({ IdentityId: state.device, Logins: { "cognito-identity.amazonaws.com": state.deviceToken } })
  expect(credentials.IdentityId).toBe(state.device)
  const datasets = await sync.listDatasets({ IdentityPoolId, IdentityId: state.alice, MaxResults: 10 })
  expect(datasets.Datasets!.map((dataset) => dataset.DatasetName).sort()).toEqual(["later." + state.bob, "settings", "settings." + state.bob])
  expect((await sync.listDatasets({ IdentityPoolId, IdentityId: state.bob, MaxResults: 10 })).Datasets).toEqual([])
  await Promise.all([identity.close(), sync.close()])
}

describe("Cognito Identity's state in export, import and migrate", () => {
  it("export then import: pools, identities, logins and the key carried; a pending merge moved; a second import the same", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-identity-transfer-"))
    const [source, copy, lines] = [join(folder, "source.db"), join(folder, "copy.db"), join(folder, "export.jsonl")]
    const state = await fill(source)
    const exported = await inProcess(["export", "--from", `sqlite:${source}`, "--out", lines])
    expect(exported.code).toBe(0)
    expect(exported.err.split("\n")[1]).toBe("syncalite export: Cognito Identity: 1 identity pools, 2 identities, 2 logins, 1 pending merges")
    const tags = readFileSync(lines, "utf8").trim().split("\n").map((line) => JSON.parse(line)._tag as string)
    expect(tags.slice(tags.indexOf("SigningKey"))).toEqual(["SigningKey", "IdentityPool", "CognitoIdentity", "CognitoIdentity", "PendingMerge"])
    expect(tags.slice(0, tags.indexOf("SigningKey")).every((tag) => tag === "Pool" || tag === "Identity")).toBe(true)
    for (let run = 0; run < 2; run++) {
      const imported = await inProcess(["import", "--to", `sqlite:${copy}`, "--in", lines, "--page", "3"])
      expect(imported.code).toBe(0)
      expect(imported.err.split("\n")[1]).toBe("syncalite import: Cognito Identity: 1 identity pools, 2 identities, 2 logins, 1 pending merges")
    }
    await expectCarried(copy, state)
  }, 60_000)

  it("import into a store that keeps another signing key says what that means", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-identity-transfer-"))
    const [source, copy, lines] = [join(folder, "source.db"), join(folder, "copy.db"), join(folder, "export.jsonl")]
    await fill(source)
    await fill(copy)
    expect((await inProcess(["export", "--from", `sqlite:${source}`, "--out", lines])).code).toBe(0)
    const imported = await inProcess(["import", "--to", `sqlite:${copy}`, "--in", lines])
    expect(imported.code).toBe(0)
    expect(imported.err).toContain("syncalite import: the target keeps the signing key it had: OpenID tokens issued before the move are refused")
  }, 60_000)

  it("migrate copies and verifies the identity state after the datasets", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-identity-transfer-"))
    const [source, copy] = [join(folder, "source.db"), join(folder, "copy.db")]
    const state = await fill(source)
    const migrated = await inProcess(["migrate", "--from", `sqlite:${source}`, "--to", `sqlite:${copy}`, "--checkpoint", join(folder, "checkpoint.json"), "--progress", "none"])
    expect(migrated.code).toBe(0)
    expect(migrated.out.split("\n")[1]).toBe("syncalite migrate: copied and verified Cognito Identity: 1 identity pools, 2 identities, 2 logins, 1 pending merges")
    await expectCarried(copy, state)
  }, 60_000)

  it("a store that never served the identity API exports no identity line", async () => {
    const folder = mkdtempSync(join(tmpdir(), "syncalite-identity-transfer-"))
    const file = join(folder, "sync-only.db")
    const sync = createCognitoSync({ tokenSecret: secret, store: SqliteSyncStore.layer(file) })
    const ref = { IdentityPoolId: "us-east-1:0e1a", IdentityId: "us-east-1:0001", DatasetName: "d" }
    const token = SyncSessionToken.mint(secret, { identityPoolId: ref.IdentityPoolId, identityId: ref.IdentityId, datasetName: ref.DatasetName }, { id: "s", expiresAt: Date.now() + 60_000 })
    await sync.updateRecords({ ...ref, SyncSessionToken: token, RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }] })
    await sync.close()
    const exported = await inProcess(["export", "--from", `sqlite:${file}`])
    expect(exported.code).toBe(0)
    expect(exported.out.split("\n").map((line) => JSON.parse(line)._tag)).toEqual(["Pool", "Identity"])
    expect(exported.err.split("\n")).toHaveLength(1)
    // an export reads; it stores no signing key in a store that has none
    const read = await Effect.runPromise(Effect.scoped(Effect.flatMap(SqliteIdentityStore.make(file), (store) => store.readSigningKey())))
    expect(read).toBeUndefined()
  })
})
