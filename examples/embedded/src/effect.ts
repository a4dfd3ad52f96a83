/**
 * Embedding with Effect: the service from layers, a write, a stale write that conflicts, and
 * its resolution by pulling the server's record and writing again with its sync count.
 *
 *   npx tsx examples/embedded/src/effect.ts
 */
import { Caller, CognitoSync } from "@syncalite/core"
import { Console, Effect } from "effect"
import { pathToFileURL } from "node:url"

export const program = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  const dataset = { IdentityPoolId: "us-east-1:0e1a2b3c", IdentityId: "us-east-1:0000bbbb", DatasetName: "progress" }
  const phone = Caller.identity(dataset.IdentityPoolId, dataset.IdentityId)

  const first = yield* sync.listRecords(dataset, phone)
  yield* sync.updateRecords({
    ...dataset,
    SyncSessionToken: first.SyncSessionToken,
    RecordPatches: [{ Op: "replace", Key: "level", Value: "1", SyncCount: 0 }]
  }, phone)

  // a second device still believes "level" is new: its write conflicts
  const stale = yield* sync.listRecords({ ...dataset, LastSyncCount: 1 }, phone)
  const conflict = yield* Effect.flip(sync.updateRecords({
    ...dataset,
    SyncSessionToken: stale.SyncSessionToken,
    RecordPatches: [{ Op: "replace", Key: "level", Value: "2", SyncCount: 0 }]
  }, phone))
  yield* Console.log(`${conflict._tag}: ${conflict.message}`)

  // resolution: pull everything, take the server's sync count for the key, write again
  const pulled = yield* sync.listRecords(dataset, phone)
  const server = pulled.Records.find((record) => record.Key === "level")!
  const resolved = yield* sync.updateRecords({
    ...dataset,
    SyncSessionToken: pulled.SyncSessionToken,
    RecordPatches: [{ Op: "replace", Key: "level", Value: "2", SyncCount: server.SyncCount }]
  }, phone)
  yield* Console.log(`level = ${resolved.Records[0]!.Value} at sync count ${resolved.Records[0]!.SyncCount}`)
  return resolved.Records
})

export const main = () =>
  Effect.runPromise(Effect.provide(
    program,
    CognitoSync.layerMemory({ config: { tokenSecret: process.env.SYNCALITE_SECRET ?? "an example secret, not for production" } })
  ))

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main()
