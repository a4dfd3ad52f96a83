/**
 * Reading what the push hub publishes: the scan of a publication without escapes reads what
 * JSON reads, whatever the device ids, and the rest is read as JSON; either into one list of
 * devices and one of entry ids, each part naming its range.
 */
import { describe, expect, it } from "vitest"
import { type Publication, readPublication, scanPublication, writePart } from "../src/internal/pushPublication.js"

type Part = { k?: string; e: [string, string]; d: Array<string>; i: Array<string | null> }

/** the parts of a publication as JSON reads them, as the hub reads them */
const read = (parts: ReadonlyArray<Part>): Publication => {
  const devices = parts.flatMap((part) => part.d)
  let from = 0
  return {
    parts: parts.map((part) => ({ k: part.k, datasetName: part.e[0], syncCount: part.e[1], from, to: (from += part.d.length) })),
    devices,
    ids: parts.flatMap((part) => part.i)
  }
}

/** a publication as the hub writes it (pushBatches.ts) */
const publication = (parts: ReadonlyArray<Part>): string => {
  const pieces: Array<string> = []
  for (const part of parts) {
    const devices = part.d.map((device) => JSON.stringify(device))
    writePart(pieces, part.k === undefined ? "" : JSON.stringify(part.k), JSON.stringify(part.e), devices, part.i, 0, devices.length)
  }
  return `[${pieces.join("")}]`
}

const plain: ReadonlyArray<Part> = [
  { e: ["bench", "1"], d: ["d"], i: ["1733350000000-0"] },
  { k: "syncalite:{us-east-1:a|us-east-1:b}", e: ["bench", "2"], d: ["d", "e"], i: ["1733350000000-1", null] },
  { e: ["a.b:c-d_e", "12345678901"], d: ["x", "null", "a]b", "c,d", "{}", "é ü ✓", ""], i: ["1-0", null, "2-5", null, "3-17", "4-0", "5-0"] },
  { e: ["empty", "0"], d: [], i: [] }
]

describe("a push publication", () => {
  it("without escapes is scanned as JSON reads it, one part or many, failed appends included", () => {
    for (const parts of [plain.slice(0, 1), plain.slice(1, 2), plain]) {
      const text = publication(parts)
      expect(scanPublication(text)).toEqual(read(JSON.parse(text)))
      expect(readPublication(text)).toEqual(read(JSON.parse(text)))
    }
  })

  it("is written part after part from the devices and answers of a whole batch, any answer but an id written null", () => {
    const devices = ["a", "b", "c", "d"].map((device) => JSON.stringify(device))
    const answers = ["1-0", "", "1-1", ["WRONGTYPE Operation against a key holding the wrong kind of value"]]
    const pieces: Array<string> = []
    writePart(pieces, "", "[\"x\",\"1\"]", devices, answers, 0, 1)
    writePart(pieces, JSON.stringify("syncalite:{p|i}"), "[\"y\",\"2\"]", devices, answers, 1, 4)
    const text = `[${pieces.join("")}]`
    expect(JSON.parse(text)).toEqual([
      { e: ["x", "1"], d: ["a"], i: ["1-0"] },
      { k: "syncalite:{p|i}", e: ["y", "2"], d: ["b", "c", "d"], i: [null, "1-1", null] }
    ])
    expect(scanPublication(text)).toEqual(read(JSON.parse(text)))
  })

  it("with escapes is left to JSON, and read the same", () => {
    const parts: ReadonlyArray<Part> = [
      { e: ["bench", "2"], d: ["a\"b", "back\\slash", "line\nbreak", "tab\there", "\u0001"], i: ["1-0", "1-1", null, "1-3", "1-4"] },
      { k: "a\"quote:{x|y}", e: ["bench", "3"], d: ["d"], i: ["1-5"] },
      ...plain
    ]
    const text = publication(parts)
    expect(scanPublication(text)).toBeUndefined()
    expect(readPublication(text)).toEqual(read(JSON.parse(text)))
  })

  it("leaves out what is not of its form, and reads nothing from what is no JSON", () => {
    const good = plain[0]!
    expect(readPublication(JSON.stringify([{ e: ["x"], d: [], i: [] }, good, { d: [], i: [] }, 7]))).toEqual(read([good]))
    expect(readPublication(JSON.stringify({ e: good.e, d: good.d, i: good.i }))).toEqual(read([]))
    for (const text of ["", "[", "not json", "[{\"e\":[\"bench\",\"1\"],\"d\":[\"d\"],\"i\":[\"1-0\"]}", "[{\"e\":[\"bench\",\"1\"],\"d\":[\"d\"],\"i\":[\"1-0\"]}]]"]) {
      expect(readPublication(text)).toEqual(read([]))
    }
  })

  it("keeps each device with its own entry id: a part with fewer ids than devices is left to JSON, its devices past them given none", () => {
    const text = "[{\"e\":[\"x\",\"1\"],\"d\":[\"a\",\"b\"],\"i\":[\"1-0\"]},{\"e\":[\"y\",\"2\"],\"d\":[\"c\",7],\"i\":[\"1-1\",\"1-2\"]}]"
    expect(scanPublication(text)).toBeUndefined()
    expect(readPublication(text)).toEqual({
      parts: [{ k: undefined, datasetName: "x", syncCount: "1", from: 0, to: 2 }, { k: undefined, datasetName: "y", syncCount: "2", from: 2, to: 3 }],
      devices: ["a", "b", "c"],
      ids: ["1-0", null, "1-1"]
    })
  })
})
