/** What the store in memory holds: its pools, their identities and their datasets, as mutable maps. */
import type { DatasetHead, PoolState, StoredRecord } from "./storeModel.js"

interface DatasetState {
  head: DatasetHead
  readonly records: Map<string, StoredRecord>
  /** the records ordered by key, kept in step with `records` */
  readonly sorted: Array<StoredRecord>
}

export interface IdentityState {
  readonly datasets: Map<string, DatasetState>
  readonly devices: Map<string, { readonly platform: string; readonly token: string }>
  readonly subscriptions: Map<string, Array<string>>
}

export interface PoolEntry {
  state: PoolState
  sessions: number
  readonly identities: Map<string, IdentityState>
}
