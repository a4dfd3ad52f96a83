import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as SyncStore from "../src/SyncStore.js"

const bytesOf = (text: string): number => Buffer.byteLength(text, "utf8")

/** The figures read plainly from the records stored: every record summed afresh. */
const figuresOf = (stored: ReadonlyMap<string, string | null>): SyncStore.DatasetFigures => {
  const figures = { numRecords: 0, dataStorage: 0, entries: 0, entryBytes: 0 }
  for (const [key, value] of stored) {
    const size = bytesOf(key) + (value === null ? 0 : bytesOf(value))
    figures.entries++
    figures.entryBytes += size
    if (value !== null) {
      figures.numRecords++
      figures.dataStorage += size
    }
  }
  return figures
}

const write = fc.record({
  key: fc.constantFrom("a", "key", "é", "日本"),
  value: fc.option(fc.string({ unit: "binary", maxLength: 6 }), { nil: null })
})

describe("the figures of a dataset", () => {
  it("written record by record, by sizes alone, are the figures of the records stored", () => {
    fc.assert(
      fc.property(fc.array(write, { maxLength: 30 }), (writes) => {
        const stored = new Map<string, string | null>()
        const figures: SyncStore.DatasetFigures = { numRecords: 0, dataStorage: 0, entries: 0, entryBytes: 0 }
        for (const { key, value } of writes) {
          const before = stored.get(key)
          const was = before === undefined ? undefined : before === null ? -1 : bytesOf(before)
          SyncStore.writeFigures(figures, bytesOf(key), was, value === null ? -1 : bytesOf(value))
          stored.set(key, value)
          expect(figures).toEqual(figuresOf(stored))
        }
      })
    )
  })

  it("are refused past the records limit first, then past the bytes limit, and not at either", () => {
    const figures = { numRecords: 1, dataStorage: 5, entries: 3, entryBytes: 9 }
    const limits = { datasetsPerIdentity: 20, recordsPerDataset: 3, bytesPerDataset: 9 }
    expect(SyncStore.figuresRefused(figures, limits)).toBeUndefined()
    expect(SyncStore.figuresRefused({ ...figures, entryBytes: 10 }, limits)).toEqual({
      _tag: "LimitExceeded",
      limit: "bytes",
      value: 10
    })
    expect(SyncStore.figuresRefused({ ...figures, entries: 4, entryBytes: 10 }, limits)).toEqual({
      _tag: "LimitExceeded",
      limit: "records",
      value: 4
    })
  })
})

describe("the decision of a commit", () => {
  const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }
  const commitOf = (writes: ReadonlyArray<{ key: string; value: string | null }>): SyncStore.DatasetCommit => ({
    ref: { identityPoolId: "us-east-1:pool", identityId: "us-east-1:identity", datasetName: "d" },
    session: { id: "session", expiresAt: 2_000_000_000_000 },
    conditions: [],
    writes,
    modifiedBy: "someone",
    now: 1_700_000_000_000,
    limits
  })

  it("stores one record a key, the last write of a key written twice, in the order keys first came", () => {
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 8 }), (writes) => {
        const decision = SyncStore.decideCommit(undefined, () => undefined, 0, commitOf(writes))
        if (decision._tag !== "Committed") throw new Error(`expected Committed, got ${decision._tag}`)
        const last = new Map<string, string | null>()
        for (const { key, value } of writes) last.set(key, value)
        expect(decision.records.map((record) => [record.key, record.value])).toEqual([...last])
        expect(decision.records.every((record) => record.syncCount === 1 && record.lastModifiedBy === "someone")).toBe(true)
        const { numRecords, dataStorage, entries, entryBytes } = decision.head
        expect({ numRecords, dataStorage, entries, entryBytes }).toEqual(figuresOf(last))
      })
    )
  })
})
