/**
 * Datasets read for a bulk publish on one Redis, the datasets of one identity sent together, with
 * only what their stream records tell decoded of their heads: the sync count and the date. The
 * store's `readDatasets` decodes whole heads for any reader: about a tenth of the CPU a bulk
 * publish of 10,000 datasets cost the process.
 */
import { Effect } from "effect"
import { type StreamPublisher, SyncStore } from "@syncalite/core"
import { datasetPairs, type Keys } from "./codec.js"
import type { Connection } from "./connection.js"
import { readIdentitiesDatasets } from "./streamScripts.js"

/** How many fields a head line has (scripts.ts), tab separated. */
const HEAD_FIELDS = 14

/** The sync count and the date of a head line (its fields 1 and 4), or undefined when it is not one. */
const headFigures = (line: unknown): { readonly syncCount: number; readonly lastModifiedDate: number } | undefined => {
  if (typeof line !== "string") return undefined
  const tabs: Array<number> = []
  for (let at = line.indexOf("\t"); at !== -1; at = line.indexOf("\t", at + 1)) tabs.push(at)
  if (tabs.length !== HEAD_FIELDS - 1) return undefined
  const figure = (field: number) => {
    const text = line.slice(tabs[field - 1]! + 1, tabs[field])
    return text === "" ? NaN : Number(text)
  }
  const syncCount = figure(1)
  const lastModifiedDate = figure(4)
  return Number.isNaN(syncCount + lastModifiedDate) ? undefined : { syncCount, lastModifiedDate }
}

/** The most datasets of one identity a script takes in one HMGET (Lua's `unpack` is limited by its stack). */
const PER_HMGET = 500

/** Reads datasets whose keys one script may all reach (one Redis, not a Cluster). */
export const makeBulkRead = (script: Connection["script"], keys: Keys) =>
(
  refs: ReadonlyArray<SyncStore.DatasetRef>
): Effect.Effect<Array<StreamPublisher.BulkDataset | undefined>, SyncStore.StorageError> => {
  if (refs.length === 0) return Effect.succeed([])
  // the datasets of one identity come listed together: each run of them is sent once, by its keys' common parts
  const heads: Array<string> = []
  const args: Array<string> = []
  for (let i = 0; i < refs.length;) {
    const { identityId, identityPoolId } = refs[i]!
    const base = keys.identity(identityPoolId, identityId)
    const prefix = keys.records(base, "")
    let last = i + 1
    while (
      last < refs.length && last - i < PER_HMGET && refs[last]!.identityId === identityId &&
      refs[last]!.identityPoolId === identityPoolId
    ) last++
    heads.push(keys.heads(base))
    args.push(prefix, String(last - i))
    for (; i < last; i++) args.push(refs[i]!.datasetName)
  }
  const base = (ref: SyncStore.DatasetRef) => keys.identity(ref.identityPoolId, ref.identityId)
  return script(readIdentitiesDatasets, heads, args, (reply) => {
    const datasets = datasetPairs(
      reply,
      refs.length,
      "readIdentitiesDatasets",
      (i) => ({ heads: keys.heads(base(refs[i]!)), records: keys.records(base(refs[i]!), refs[i]!.datasetName), name: refs[i]!.datasetName }),
      (_, line) => headFigures(line),
      (head, records): StreamPublisher.BulkDataset => ({ syncCount: head.syncCount, lastModifiedDate: head.lastModifiedDate, records })
    )
    return datasets instanceof SyncStore.StorageError ? Effect.fail(datasets) : Effect.succeed(datasets)
  })
}
