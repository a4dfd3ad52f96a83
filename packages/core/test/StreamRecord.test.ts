import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { StreamPublisher } from "@syncalite/core"

const text = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }))
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, 1_796_434_343_392))

const write = fc.record({
  ref: fc.record({ identityPoolId: text, identityId: text, datasetName: text }),
  operation: fc.constantFrom("replace" as const, "remove" as const),
  syncCount: number,
  lastModifiedDate: number,
  records: fc.option(
    fc.array(
      fc.record(
        {
          key: text,
          value: fc.option(text, { nil: null }),
          syncCount: number,
          lastModifiedDate: number,
          lastModifiedBy: text,
          deviceLastModifiedDate: number
        },
        { requiredKeys: ["key", "value", "syncCount", "lastModifiedDate", "lastModifiedBy"] }
      ),
      { maxLength: 4 }
    ),
    { nil: undefined }
  )
})

describe("stream records", () => {
  it("an inline record's JSON is JSON.stringify of the record, whatever its text and numbers", () => {
    fc.assert(
      fc.property(write, (write) => {
        const { json, record } = StreamPublisher.encodeInline(write)
        expect(json).toBe(JSON.stringify(record))
      }),
      { numRuns: 2000 }
    )
  })
})
