/**
 * Records read back from their stored JSON: the quick reading of the layout the commit script
 * writes answers what JSON.parse answers for any record, and a value that is not a record reads
 * as none.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { inKeyOrder, parseRecords, recordTail } from "../src/internal/codec.js"

/** what the commit script stores: its prefix, then the tail the process sends */
const stored = (r: { key: string; value: string | null; syncCount: number; lastModifiedDate: number; lastModifiedBy: string; device?: number | undefined }) =>
  `{"syncCount":${r.syncCount},"valueBytes":${r.value === null ? -1 : Buffer.byteLength(r.value)},${
    recordTail(r.key, r.value, r.lastModifiedDate, r.lastModifiedBy, r.device)
  }`

const asParsed = (json: string) => {
  const { valueBytes: _, ...record } = JSON.parse(json)
  return record
}

const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom('a"b', "a\\b", "\n\t", "\ud800", "é", ""))

describe("parseRecords", () => {
  it("reads every record as JSON.parse does: escapes, any Unicode, lone surrogates, tombstones, device dates", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: text,
            value: fc.option(text, { nil: null }),
            syncCount: fc.nat(),
            lastModifiedDate: fc.oneof(fc.nat(), fc.double({ min: -1e15, max: 1e15, noNaN: true })),
            lastModifiedBy: text,
            device: fc.option(fc.oneof(fc.nat(), fc.double({ min: -1e15, max: 1e15, noNaN: true })), { nil: undefined })
          }),
          { maxLength: 5 }
        ),
        (records) => {
          const found = records.map(stored)
          expect(parseRecords(found)).toStrictEqual(found.map(asParsed))
        }
      ),
      { numRuns: 500 }
    )
  })

  it("reads a record of another field order through JSON", () => {
    const json = '{"key":"k","syncCount":3,"value":"v","lastModifiedBy":"me","lastModifiedDate":5}'
    expect(parseRecords([json])).toStrictEqual([{ key: "k", value: "v", syncCount: 3, lastModifiedDate: 5, lastModifiedBy: "me" }])
  })

  it("answers undefined for a list holding anything that is not a record", () => {
    const good = stored({ key: "k", value: "v", syncCount: 1, lastModifiedDate: 2, lastModifiedBy: "me" })
    for (
      const bad of [
        good.replace('"lastModifiedDate":2', '"lastModifiedDate":2.1.1'),
        good.replace('"key":"k"', '"key":"\\q"'),
        good.replace('"value":"v"', '"value":7'),
        good.slice(0, -1),
        "not json",
        42,
        null
      ]
    ) {
      expect(parseRecords([good, bad])).toBeUndefined()
    }
    expect(parseRecords("[]")).toBeUndefined()
  })
})

describe("inKeyOrder", () => {
  const records = (...keys: Array<string>) => keys.map((key) => ({ key, value: "v", syncCount: 1, lastModifiedDate: 0, lastModifiedBy: "me" }))

  it("puts records in code-unit order, whatever order they came in", () => {
    fc.assert(
      fc.property(fc.uniqueArray(text), (keys) => {
        const expected = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        expect(inKeyOrder(records(...keys)).map((record) => record.key)).toEqual(expected)
      }),
      { numRuns: 300 }
    )
  })

  it("sorts the records Redis answers in byte order where that is not code-unit order", () => {
    // U+FF21 is one code unit above the surrogates of U+1F600, but its UTF-8 bytes come first
    expect(inKeyOrder(records("a", "\uff21", "\u{1f600}")).map((record) => record.key)).toEqual(["a", "\u{1f600}", "\uff21"])
  })
})
