/**
 * A port of the mobile clients' synchronize algorithm (Android DefaultDataset, iOS
 * AWSCognitoDataset, JS CognitoSyncDataset; SPEC B §2): pull with the last sync count, resolve
 * conflicts, push dirty records with the session token of the pull, and on
 * ResourceConflictException rewind and retry, up to 3 times.
 */
import { describe, expect, it } from "vitest"
import { Caller, type CognitoSyncClient } from "@syncalite/core"
import { facade, newIdentity } from "./helpers.js"

const MAX_RETRY = 3

interface LocalRecord {
  readonly value: string | null
  readonly syncCount: number
  readonly dirty: boolean
  readonly deviceLastModifiedDate: number
}

interface RemoteRecord {
  readonly Key: string
  readonly Value?: string
  readonly SyncCount: number
  readonly DeviceLastModifiedDate?: Date
}

interface Conflict {
  readonly key: string
  readonly local: LocalRecord
  readonly remote: RemoteRecord
}

/** Picks the value to keep; the default is "most recent change wins" on device dates. */
type ConflictHandler = (conflict: Conflict) => string | null

const latestWins: ConflictHandler = ({ local, remote }) =>
  local.deviceLastModifiedDate >= (remote.DeviceLastModifiedDate?.getTime() ?? 0) ? local.value : remote.Value ?? null

class Device {
  records = new Map<string, LocalRecord>()
  lastSyncCount = 0
  /** what each synchronize attempt ended with, for assertions */
  readonly log: Array<string> = []
  private clock = 0

  constructor(
    readonly name: string,
    readonly sync: CognitoSyncClient,
    readonly ref: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string },
    readonly caller: Caller.Caller,
    readonly onConflict: ConflictHandler = latestWins
  ) {}

  /** A local edit while offline; device clocks move on with every edit. */
  put(key: string, value: string | null, at = this.clock + 1) {
    this.clock = Math.max(this.clock, at)
    const known = this.records.get(key)
    this.records.set(key, { value, syncCount: known?.syncCount ?? 0, dirty: true, deviceLastModifiedDate: at })
  }

  get(key: string): string | null | undefined {
    return this.records.get(key)?.value
  }

  dirtyKeys(): Array<string> {
    return [...this.records].filter(([, r]) => r.dirty).map(([key]) => key).sort()
  }

  /** Pulls every page changed since the last sync count, as the clients do. */
  private async pull() {
    const first = await this.sync.listRecords(
      { ...this.ref, LastSyncCount: this.lastSyncCount, MaxResults: 1024 },
      this.caller
    )
    const records = [...first.Records]
    let page = first
    while (page.NextToken !== undefined) {
      page = await this.sync.listRecords(
        { ...this.ref, LastSyncCount: this.lastSyncCount, MaxResults: 1024, NextToken: page.NextToken },
        this.caller
      )
      expect(page.DatasetSyncCount).toBe(first.DatasetSyncCount)
      expect(page.SyncSessionToken).toBe(first.SyncSessionToken)
      records.push(...page.Records)
    }
    return { records, datasetSyncCount: first.DatasetSyncCount, token: first.SyncSessionToken }
  }

  /**
   * One synchronize. `beforePush` runs between pull and push of each attempt (another device
   * acting in between); the returned number is how many attempts it took.
   */
  async synchronize(beforePush?: (attempt: number) => Promise<void>): Promise<number> {
    for (let attempt = 1, retries = MAX_RETRY;; attempt++, retries--) {
      const { datasetSyncCount, records, token } = await this.pull()
      for (const remote of records) {
        const local = this.records.get(remote.Key)
        const remoteValue = remote.Value ?? null
        const remoteDate = remote.DeviceLastModifiedDate?.getTime() ?? 0
        if (local !== undefined && local.dirty && local.value !== remoteValue) {
          // resolved records keep the remote SyncCount, so the push carries the server's count
          const chosen = this.onConflict({ key: remote.Key, local, remote })
          this.records.set(remote.Key, {
            value: chosen,
            syncCount: remote.SyncCount,
            dirty: chosen !== remoteValue,
            deviceLastModifiedDate: chosen === remoteValue
              ? remoteDate
              : chosen === local.value
              ? local.deviceLastModifiedDate
              : ++this.clock
          })
        } else {
          // not a conflict (clean, or dirty with the same value): take the remote record
          this.records.set(remote.Key, {
            value: remoteValue,
            syncCount: remote.SyncCount,
            dirty: false,
            deviceLastModifiedDate: remoteDate
          })
        }
      }
      this.lastSyncCount = datasetSyncCount

      const dirty = this.dirtyKeys()
      if (dirty.length === 0) {
        this.log.push(`${attempt}: nothing to push`)
        return attempt
      }
      await beforePush?.(attempt)
      const patches = dirty.map((key) => {
        const record = this.records.get(key)!
        const common = { Key: key, SyncCount: record.syncCount, DeviceLastModifiedDate: new Date(record.deviceLastModifiedDate) }
        return record.value === null
          ? { ...common, Op: "remove" as const }
          : { ...common, Op: "replace" as const, Value: record.value }
      })
      try {
        const pushed = await this.sync.updateRecords({ ...this.ref, SyncSessionToken: token, RecordPatches: patches }, this.caller)
        let newest = 0
        for (const record of pushed.Records) {
          const sent = this.records.get(record.Key)
          this.records.set(record.Key, {
            value: record.Value ?? null,
            syncCount: record.SyncCount,
            dirty: false,
            deviceLastModifiedDate: sent?.deviceLastModifiedDate ?? 0
          })
          newest = Math.max(newest, record.SyncCount)
        }
        // fast-forward only when nobody else wrote in between
        if (newest === this.lastSyncCount + 1) this.lastSyncCount = newest
        this.log.push(`${attempt}: pushed ${dirty.join(",")}`)
        return attempt
      } catch (error) {
        if ((error as Error).name !== "ResourceConflictException") throw error
        this.log.push(`${attempt}: ${(error as Error).message}`)
        if (retries === 0) throw new Error(`${this.name}: exceeded maximum retries`)
        const highest = Math.max(...patches.map((patch) => patch.SyncCount))
        if (this.lastSyncCount > highest) this.lastSyncCount = highest
      }
    }
  }
}

const setup = (options: { readonly onConflictB?: ConflictHandler; readonly maxRecordsPerPage?: number } = {}) => {
  const sync = facade(options.maxRecordsPerPage === undefined ? {} : { limits: { maxRecordsPerPage: options.maxRecordsPerPage } })
  const me = newIdentity()
  const ref = me.ref("game")
  // two devices of the same identity
  const a = new Device("A", sync, ref, me.caller)
  const b = new Device("B", sync, ref, me.caller, options.onConflictB)
  return { sync, a, b, ref }
}

/** Both devices hold the same data, the same last sync count, and nothing dirty. */
const expectConverged = async (sync: CognitoSyncClient, ref: Device["ref"], ...devices: Array<Device>) => {
  const server = await sync.listRecords(ref)
  const all = [...server.Records]
  for (let next = server.NextToken; next !== undefined;) {
    const page = await sync.listRecords({ ...ref, NextToken: next })
    all.push(...page.Records)
    next = page.NextToken
  }
  const serverState = Object.fromEntries(all.map((r) => [r.Key, r.Value ?? null]))
  for (const device of devices) {
    expect(device.dirtyKeys()).toEqual([])
    expect(device.lastSyncCount).toBe(server.DatasetSyncCount)
    expect(Object.fromEntries([...device.records].map(([key, r]) => [key, r.value]))).toEqual(serverState)
    for (const record of all) expect(device.records.get(record.Key)?.syncCount).toBe(record.SyncCount)
  }
  return serverState
}

describe("ClientLoop", () => {
  it("resolves two devices' offline edits of the same key: the second pusher gets 409, re-pulls and wins (B 39)", async () => {
    const { a, b, ref, sync } = setup()
    a.put("level", "1")
    a.put("coins", "10")
    expect(await a.synchronize()).toBe(1)
    expect(await b.synchronize()).toBe(1)
    expect(b.get("level")).toBe("1")

    // offline: both edit "level"; B's edit is the later one
    a.put("level", "from-A", 100)
    b.put("level", "from-B", 200)
    b.put("coins", "11", 201)

    // B pulls, then A pushes before B does
    const attempts = await b.synchronize(async (attempt) => {
      if (attempt === 1) expect(await a.synchronize()).toBe(1)
    })
    expect(attempts).toBe(2)
    expect(b.log).toEqual([
      "1: nothing to push",
      "1: Current SyncCount for: level is: 2 not: 1",
      "2: pushed coins,level"
    ])
    expect(await a.synchronize()).toBe(1)
    const state = await expectConverged(sync, ref, a, b)
    expect(state).toEqual({ level: "from-B", coins: "11" })
    await sync.close()
  })

  it("lets the conflict handler keep the remote value, leaving nothing to push", async () => {
    const { a, b, ref, sync } = setup({ onConflictB: ({ remote }) => remote.Value ?? null })
    a.put("k", "base")
    await a.synchronize()
    await b.synchronize()
    a.put("k", "from-A", 100)
    b.put("k", "from-B", 200)
    await a.synchronize()
    expect(await b.synchronize()).toBe(1)
    expect(b.log[b.log.length - 1]).toBe("1: nothing to push")
    await a.synchronize()
    expect(await expectConverged(sync, ref, a, b)).toEqual({ k: "from-A" })
    await sync.close()
  })

  it("resolves a removal against an edit", async () => {
    const { a, b, ref, sync } = setup()
    a.put("k", "base")
    await a.synchronize()
    await b.synchronize()
    a.put("k", null, 100)
    b.put("k", "edited", 200)
    await a.synchronize()
    expect(await b.synchronize()).toBe(1)
    await a.synchronize()
    expect(await expectConverged(sync, ref, a, b)).toEqual({ k: "edited" })
    await sync.close()
  })

  it("converges when a dirty local record has the server's value but a stale count (B 39)", async () => {
    const { a, b, ref, sync } = setup()
    a.put("k", "v")
    await a.synchronize()
    await b.synchronize()
    // both set the same new value offline; A's push makes k@2 while B still holds k@1
    a.put("k", "same", 100)
    b.put("k", "same", 200)
    const attempts = await b.synchronize(async (attempt) => {
      if (attempt === 1) await a.synchronize()
    })
    // the 409 for an identical value, then a pull that returns k@2 although its value is unchanged
    expect(b.log).toEqual([
      "1: nothing to push",
      "1: Current SyncCount for: k is: 2 not: 1",
      "2: nothing to push"
    ])
    expect(attempts).toBe(2)
    expect(await expectConverged(sync, ref, a, b)).toEqual({ k: "same" })
    await sync.close()
  })

  it("converges when the local last sync count is ahead of the stale record (rewind after 409)", async () => {
    const { a, b, ref, sync } = setup()
    a.put("k", "v")
    a.put("other", "x")
    await a.synchronize()
    a.put("k", "same")
    await a.synchronize()
    a.put("other", "y")
    await a.synchronize()
    // B's local database is inconsistent: it is "synced" to 3 yet holds k dirty at count 1
    b.lastSyncCount = 3
    b.records.set("k", { value: "same", syncCount: 1, dirty: true, deviceLastModifiedDate: 1 })
    b.records.set("other", { value: "y", syncCount: 3, dirty: false, deviceLastModifiedDate: 1 })

    expect(await b.synchronize()).toBe(2)
    expect(b.log).toEqual([
      "1: Current SyncCount for: k is: 2 not: 1",
      "2: nothing to push"
    ])
    expect(await expectConverged(sync, ref, a, b)).toEqual({ k: "same", other: "y" })
    await sync.close()
  })

  it("gives up after 3 retries when another device keeps winning, then succeeds on a later sync", async () => {
    const { a, b, ref, sync } = setup()
    a.put("k", "base")
    await a.synchronize()
    await b.synchronize()
    b.put("k", "from-B", 1_000)
    let interference = 0
    await expect(b.synchronize(async () => {
      a.put("k", `from-A-${++interference}`, interference)
      await a.synchronize()
    })).rejects.toThrow("B: exceeded maximum retries")
    expect(interference).toBe(1 + MAX_RETRY)
    expect(b.log.filter((line) => line.includes("Current SyncCount"))).toHaveLength(1 + MAX_RETRY)

    expect(await b.synchronize()).toBe(1)
    await a.synchronize()
    expect(await expectConverged(sync, ref, a, b)).toEqual({ k: "from-B" })
    await sync.close()
  })

  it("synchronizes a dataset larger than one page", async () => {
    const { a, b, ref, sync } = setup({ maxRecordsPerPage: 128 })
    for (let i = 0; i < 300; i++) a.put(`key${i}`, `value${i}`)
    expect(await a.synchronize()).toBe(1)
    expect(await b.synchronize()).toBe(1)
    expect(b.records.size).toBe(300)
    for (let i = 0; i < 300; i += 2) b.put(`key${i}`, `changed${i}`)
    await b.synchronize()
    expect(await a.synchronize()).toBe(1)
    expect(a.get("key298")).toBe("changed298")
    expect(a.get("key299")).toBe("value299")
    await expectConverged(sync, ref, a, b)
    await sync.close()
  })
})
