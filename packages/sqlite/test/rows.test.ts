import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { SyncSessionToken } from "@syncalite/core"
import { encodeKey, recordOf, sessionsCodec } from "../src/internal/rows.js"

/** The column's text as a plain JSON array, what every encoding must equal. */
const plain = (consumed: SyncSessionToken.ConsumedSessions) =>
  JSON.stringify([consumed.floor, ...consumed.sessions.flatMap((session) => [session.id, session.expiresAt])])

describe("consumed sessions column", () => {
  it("whatever commits consume and deletions prune, and whatever was read in between, each text is the JSON of its sessions and reads back as them", () => {
    const step = fc.oneof(
      fc.record({ consume: fc.string({ maxLength: 6 }), lifetime: fc.integer({ min: -5, max: 200 }) }),
      fc.record({ prune: fc.integer({ min: 0, max: 100 }) }),
      fc.constant({ read: true } as const)
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), fc.integer({ min: 1, max: 3 }), (steps, datasets) => {
        const codec = sessionsCodec()
        const consumed = Array.from({ length: datasets }, () => SyncSessionToken.noneConsumed)
        const columns = consumed.map((value, dataset) => codec.encode(value, dataset))
        steps.forEach((step, now) => {
          const dataset = now % datasets
          if ("read" in step) {
            // a text read from the file: equal to the last one, yet another string
            consumed[dataset] = codec.decode(` ${columns[dataset]!}`.slice(1), "k", dataset)
            return
          }
          // a commit consumes a session; a deletion keeps the sessions not yet expired
          consumed[dataset] = "prune" in step
            ? SyncSessionToken.prune(consumed[dataset]!, now + step.prune)
            : SyncSessionToken.consume(consumed[dataset]!, { id: step.consume, expiresAt: now + step.lifetime }, now)
          columns[dataset] = codec.encode(consumed[dataset]!, dataset)
          expect(columns[dataset]).toBe(plain(consumed[dataset]!))
          expect(sessionsCodec().decode(columns[dataset], "k", dataset)).toEqual(consumed[dataset])
        })
      }),
      { numRuns: 300 }
    )
  })
})

describe("record keys", () => {
  it("any string, lone surrogates and keys longer than a call's arguments included, comes back exactly from its blob", () => {
    const long = fc.string({ unit: "binary", minLength: 4000, maxLength: 6000 })
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)) }), long), (key) => {
        expect(recordOf([encodeKey(key), "v", 1, 2, "by", null], "d").key).toBe(key)
      })
    )
  })
})
