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
