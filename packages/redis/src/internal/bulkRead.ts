/**
 * Datasets read for a bulk publish on one Redis, the datasets of one identity sent together, with
 * only what their stream records tell decoded of their heads: the sync count and the date. The
 * store's `readDatasets` decodes whole heads for any reader: about a tenth of the CPU a bulk
 * publish of 10,000 datasets cost the process.
 */
import { Effect } from "effect"
import { type StreamPublisher, SyncStore } from "@syncalite/core"
import { compareKeys, corruption, type Keys, parseRecords, unreadable } from "./codec.js"
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
  return Effect.flatMap(script(readIdentitiesDatasets, heads, args), (reply) => {
    const corrupt = corruption(reply)
    if (corrupt !== undefined) return Effect.fail(corrupt)
    if (!Array.isArray(reply) || reply.length !== 2 * refs.length) {
      return Effect.fail(new SyncStore.StorageError({ message: "Unexpected answer of the readIdentitiesDatasets script" }))
    }
    const datasets: Array<StreamPublisher.BulkDataset | undefined> = []
    for (let i = 0; i < refs.length; i++) {
      const line: unknown = reply[2 * i]
      if (line === null) {
        datasets.push(undefined)
        continue
      }
      const head = headFigures(line)
      if (head === undefined) return Effect.fail(unreadable(keys.heads(base(refs[i]!)), `head of dataset ${refs[i]!.datasetName}`))
      const records = parseRecords(reply[2 * i + 1])
      if (records === undefined) return Effect.fail(unreadable(keys.records(base(refs[i]!), refs[i]!.datasetName), "records"))
      datasets.push({ syncCount: head.syncCount, lastModifiedDate: head.lastModifiedDate, records: records.sort((a, b) => compareKeys(a.key, b.key)) })
    }
    return Effect.succeed(datasets)
  })
}
