/**
 * A device as the Cognito sync-manager clients model one: a local copy of a dataset, the last
 * sync count it saw, and the synchronize loop (pull, resolve conflicts, push, retry on conflict).
 * `sync` is anything with the two calls the loop needs, so the same device works over the
 * Promise facade or an Effect runtime.
 */
export interface SyncCalls {
  readonly listRecords: (input: {
    IdentityPoolId: string
    IdentityId: string
    DatasetName: string
    LastSyncCount?: number
  }) => Promise<{
    readonly Records: ReadonlyArray<{ readonly Key: string; readonly Value?: string; readonly SyncCount: number }>
    readonly DatasetSyncCount: number
    readonly SyncSessionToken: string
  }>
  readonly updateRecords: (input: {
    IdentityPoolId: string
    IdentityId: string
    DatasetName: string
    SyncSessionToken: string
    DeviceId?: string
    RecordPatches: Array<{ Op: "replace" | "remove"; Key: string; Value?: string; SyncCount: number }>
  }) => Promise<{ readonly Records: ReadonlyArray<{ readonly Key: string; readonly SyncCount: number }> }>
}

interface LocalRecord {
  value: string | undefined
  syncCount: number
  dirty: boolean
}

/** Picks the value to keep when a local edit meets a remote one. */
export type ConflictResolver = (key: string, local: string | undefined, remote: string | undefined) => string | undefined

export class Device {
  readonly records = new Map<string, LocalRecord>()
  lastSyncCount = 0

  constructor(
    readonly name: string,
    readonly dataset: { IdentityPoolId: string; IdentityId: string; DatasetName: string },
    readonly sync: SyncCalls,
    readonly resolve: ConflictResolver = (_key, local) => local
  ) {}

  put(key: string, value: string | undefined) {
    const record = this.records.get(key)
    this.records.set(key, { value, syncCount: record?.syncCount ?? 0, dirty: true })
  }

  get(key: string): string | undefined {
    return this.records.get(key)?.value
  }

  /** Pulls remote changes, resolves conflicts, pushes local changes; retries up to 3 times on a conflict. */
  async synchronize(log: (line: string) => void = () => undefined): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const pulled = await this.sync.listRecords({ ...this.dataset, LastSyncCount: this.lastSyncCount })
      for (const remote of pulled.Records) {
        const local = this.records.get(remote.Key)
        if (local?.dirty && local.value !== remote.Value) {
          const value = this.resolve(remote.Key, local.value, remote.Value)
          log(`${this.name}: conflict on ${remote.Key}: local ${local.value}, remote ${remote.Value} -> ${value}`)
          this.records.set(remote.Key, { value, syncCount: remote.SyncCount, dirty: value !== remote.Value })
        } else {
          this.records.set(remote.Key, { value: remote.Value, syncCount: remote.SyncCount, dirty: false })
        }
      }
      this.lastSyncCount = pulled.DatasetSyncCount
      const dirty = [...this.records].filter(([, record]) => record.dirty)
      if (dirty.length === 0) return
      try {
        const pushed = await this.sync.updateRecords({
          ...this.dataset,
          SyncSessionToken: pulled.SyncSessionToken,
          RecordPatches: dirty.map(([Key, record]) =>
            record.value === undefined
              ? { Op: "remove" as const, Key, SyncCount: record.syncCount }
              : { Op: "replace" as const, Key, Value: record.value, SyncCount: record.syncCount }
          )
        })
        for (const written of pushed.Records) {
          const record = this.records.get(written.Key)
          this.records.set(written.Key, { value: record?.value, syncCount: written.SyncCount, dirty: false })
        }
        this.lastSyncCount = Math.max(this.lastSyncCount, ...pushed.Records.map((record) => record.SyncCount))
        log(`${this.name}: pushed ${dirty.map(([key]) => key).join(", ")}; dataset at sync count ${this.lastSyncCount}`)
        return
      } catch (error) {
        if ((error as Error).name !== "ResourceConflictException") throw error
        log(`${this.name}: ${(error as Error).message}; pulling again`)
      }
    }
    throw new Error(`${this.name}: still conflicting after 3 attempts`)
  }
}
