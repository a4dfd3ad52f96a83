import type { SyncStore } from "@syncalite/core"

/**
 * What one connection last read or wrote of the datasets it commits to: each dataset's head and
 * the records its commits named, and how many live datasets each identity has.
 *
 * It is valid exactly while no other connection has committed to the file, which SQLite tells
 * with `PRAGMA data_version` (unchanged by the connection's own commits): a commit or a read
 * checks it inside its transaction, and forgets everything when it moved. A process that is the
 * file's only writer then reads a dataset once, not at every commit; processes sharing the file
 * read what the others changed. Changes of the connection's own writes are learnt once they ran
 * without error, so that the next writes of the same group commit see them; a write or a group
 * that fails, and anything unexpected, forgets everything. It also keeps the merged dataset
 * names each read found, until a dataset of any identity becomes live or is deleted here.
 */
export interface KnownDataset {
  readonly id: number
  head: SyncStore.DatasetHead
  /** the stored record of each key looked up or written (undefined: absent) */
  readonly records: Map<string, SyncStore.StoredRecord | undefined>
}

const MAX_DATASETS = 256
const MAX_RECORDS = 256

export const makeKnown = () => {
  const datasets = new Map<string, KnownDataset>()
  const liveCounts = new Map<string, number>()
  const merged = new Map<string, ReadonlyArray<string>>()
  let version: unknown

  const forget = () => {
    datasets.clear()
    liveCounts.clear()
    merged.clear()
  }

  return {
    forget,
    /** inside a transaction: forgets everything if another connection committed since */
    check: (current: unknown) => {
      if (current !== version) {
        forget()
        version = current
      }
    },
    dataset: (key: string): KnownDataset | undefined => datasets.get(key),
    remember: (key: string, dataset: KnownDataset) => {
      if (dataset.records.size > MAX_RECORDS) dataset.records.clear()
      if (datasets.get(key) === dataset) return
      if (!datasets.has(key) && datasets.size >= MAX_DATASETS) datasets.delete(datasets.keys().next().value!)
      datasets.set(key, dataset)
    },
    forgetDataset: (key: string) => void datasets.delete(key),
    liveCount: (identity: string): number | undefined => liveCounts.get(identity),
    setLiveCount: (identity: string, count: number) => {
      if (!liveCounts.has(identity) && liveCounts.size >= MAX_DATASETS) liveCounts.delete(liveCounts.keys().next().value!)
      liveCounts.set(identity, count)
    },
    /** a dataset of `identity` became live (its live datasets are now `count`) or was deleted (undefined) */
    liveChanged: (identity: string, count: number | undefined) => {
      merged.clear()
      if (count === undefined) liveCounts.delete(identity)
      else liveCounts.set(identity, count)
    },
    mergedNames: (key: string): ReadonlyArray<string> | undefined => merged.get(key),
    setMergedNames: (key: string, names: ReadonlyArray<string>) => {
      if (!merged.has(key) && merged.size >= MAX_DATASETS) merged.delete(merged.keys().next().value!)
      merged.set(key, names)
    }
  }
}
