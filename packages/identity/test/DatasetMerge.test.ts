/**
 * The datasets of merged identities: a write that races the move, a write to the survivor's copy,
 * and what the source receives after the merge, all end up in the survivor.
 */
import { type Duration, Effect } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { createCognitoSync, SyncStore } from "@syncalite/core"
import { createCognitoIdentity } from "@syncalite/identity"

// each service generates its RSA signing key, slow on a loaded machine
vi.setConfig({ testTimeout: 30_000 })

const secret = "a secret of sixteen+ characters"
const provider = "login.example.app"

const closing: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closing.splice(0)) await close()
})

/** A sync service and an identity service over one sync store, two developer users with a dataset `settings` each. */
const setUp = async (
  options: {
    /** the sync store as the identity service sees it */
    readonly wrap?: (store: SyncStore.SyncStoreShape) => SyncStore.SyncStoreShape
    readonly mergeSweepInterval?: Duration.DurationInput
  } = {}
) => {
  const memory = SyncStore.makeMemory()
  const sync = createCognitoSync({ tokenSecret: secret, store: memory })
  const identity = createCognitoIdentity({
    credentialsSecret: secret,
    syncStore: options.wrap?.(memory) ?? memory,
    ...(options.mergeSweepInterval === undefined ? {} : { mergeSweepInterval: options.mergeSweepInterval })
  })
  closing.push(() => identity.close(), () => sync.close())
  const { IdentityPoolId } = await identity.createIdentityPool({
    IdentityPoolName: "merges",
    AllowUnauthenticatedIdentities: false,
    DeveloperProviderName: provider
  })
  const identityOf = async (user: string) =>
    (await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId, Logins: { [provider]: user } })).IdentityId!
  const ref = (IdentityId: string, DatasetName = "settings") => ({ IdentityPoolId, IdentityId, DatasetName })
  const write = async (IdentityId: string, values: { readonly [key: string]: string }, DatasetName = "settings") => {
    const { Records = [], SyncSessionToken } = await sync.listRecords(ref(IdentityId, DatasetName))
    const counts = new Map(Records.map((record) => [record.Key, record.SyncCount]))
    await sync.updateRecords({
      ...ref(IdentityId, DatasetName),
      SyncSessionToken,
      RecordPatches: Object.entries(values).map(([Key, Value]) => ({ Op: "replace" as const, Key, Value, SyncCount: counts.get(Key) ?? 0 }))
    })
  }
  const names = async (IdentityId: string) =>
    ((await sync.listDatasets({ IdentityPoolId, IdentityId })).Datasets ?? []).map((dataset) => dataset.DatasetName)
  const values = async (IdentityId: string, DatasetName: string) =>
    Object.fromEntries(((await sync.listRecords(ref(IdentityId, DatasetName))).Records ?? []).map((record) => [record.Key, record.Value]))
  const [source, destination] = [await identityOf("source"), await identityOf("destination")]
  await write(source, { a: "1" })
  await write(destination, { mine: "1" })
  const merge = () =>
    identity.mergeDeveloperIdentities({
      IdentityPoolId,
      DeveloperProviderName: provider,
      SourceUserIdentifier: "source",
      DestinationUserIdentifier: "destination"
    })
  return { IdentityPoolId, sync, source, destination, write, names, values, merge }
}

describe("merging identities moves their datasets", () => {
  it("a write to the source between the copy and the deletion is copied too: the survivor's merged dataset has it", async () => {
    let race: (() => Promise<void>) | undefined
    const deletions: Array<string> = []
    const { destination, merge, names, source, values, write } = await setUp({
      wrap: (store) => ({
        ...store,
        restore: (items) =>
          Effect.tap(store.restore(items), () =>
            Effect.promise(async () => {
              const once = race
              race = undefined
              await once?.()
            })),
        deleteDatasetAt: (ref, syncCount, now) => Effect.tap(store.deleteDatasetAt(ref, syncCount, now), (done) => void deletions.push(done._tag))
      })
    })
    race = () => write(source, { b: "raced" })
    await merge()
    expect(deletions).toEqual(["Changed", "Deleted"])
    expect(await names(source)).toEqual([])
    expect(await names(destination)).toEqual(["settings", `settings.${source}`])
    expect(await values(destination, `settings.${source}`)).toEqual({ a: "1", b: "raced" })
    expect(await values(destination, "settings")).toEqual({ mine: "1" })
  })

  it("a write to the source in the same millisecond as the record it replaces is copied too", async () => {
    let underlying: SyncStore.SyncStoreShape | undefined
    let race: (() => Effect.Effect<unknown, SyncStore.StorageError>) | undefined
    const { IdentityPoolId, destination, merge, names, source, values } = await setUp({
      wrap: (store) => {
        underlying = store
        return {
          ...store,
          restore: (items) =>
            Effect.tap(store.restore(items), () => {
              const once = race
              race = undefined
              return once?.() ?? Effect.void
            })
        }
      }
    })
    race = () =>
      Effect.gen(function*() {
        const ref = { identityPoolId: IdentityPoolId, identityId: source, datasetName: "settings" }
        const { head, records } = yield* underlying!.readDataset(ref, { since: 0 })
        const a = records.find((record) => record.key === "a")!
        const committed = yield* underlying!.commit({
          ref,
          session: { id: "same-millisecond", expiresAt: a.lastModifiedDate + 60_000 },
          conditions: [{ key: "a", syncCount: a.syncCount }],
          writes: [{ key: "a", value: "same millisecond" }],
          modifiedBy: head!.lastModifiedBy,
          now: a.lastModifiedDate,
          limits: { datasetsPerIdentity: 100, recordsPerDataset: 100, bytesPerDataset: 1_000_000 }
        })
        expect(committed._tag).toBe("Committed")
      })
    await merge()
    expect(await names(source)).toEqual([])
    expect(await values(destination, `settings.${source}`)).toEqual({ a: "same millisecond" })
  })

  it("what the source writes after the merge is moved by the sweep into the merged dataset, beside the survivor's own writes to it", async () => {
    const { destination, IdentityPoolId, merge, names, source, sync, values, write } = await setUp({ mergeSweepInterval: "100 millis" })
    await merge()
    const merged = `settings.${source}`
    expect(await values(destination, merged)).toEqual({ a: "1" })
    // a device of the survivor writes to the merged dataset; one of the source, whose credentials are still valid, writes on
    await write(destination, { a: "folded" }, merged)
    const seen = (await sync.listRecords({ IdentityPoolId, IdentityId: destination, DatasetName: merged })).DatasetSyncCount
    await write(source, { late: "1" })
    await write(source, { later: "1" }, "other")
    for (let i = 0; i < 100 && (await names(source)).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await names(source)).toEqual([])
    expect(await names(destination)).toEqual([`other.${source}`, "settings", merged])
    expect(await values(destination, merged)).toEqual({ a: "folded", late: "1" })
    expect(await values(destination, `other.${source}`)).toEqual({ later: "1" })
    // a device of the survivor that synced the merged dataset before is given what was folded in since
    const since = await sync.listRecords({ IdentityPoolId, IdentityId: destination, DatasetName: merged, LastSyncCount: seen })
    expect(since.DatasetSyncCount).toBeGreaterThan(seen!)
    expect((since.Records ?? []).map((record) => record.Key)).toEqual(["late"])
  })
})
