import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { type CpuProfile, shares } from "../../bench/profile-shares.js"
import { root } from "./workspace.js"

const source = (path: string) => pathToFileURL(`${root}${path}`).href

/** A profile of one call tree: each node's children by id, and microseconds sampled in each. */
const profileOf = (
  frames: ReadonlyArray<{ readonly id: number; readonly parent?: number; readonly name?: string; readonly url?: string; readonly line?: number; readonly micros?: number }>
): CpuProfile => ({
  nodes: frames.map((frame) => ({
    id: frame.id,
    callFrame: { functionName: frame.name ?? "", url: frame.url ?? "", lineNumber: frame.line ?? 0, columnNumber: 0 },
    children: frames.filter((child) => child.parent === frame.id).map((child) => child.id)
  })),
  samples: frames.filter((frame) => frame.micros !== undefined).map((frame) => frame.id),
  timeDeltas: frames.filter((frame) => frame.micros !== undefined).map((frame) => frame.micros!)
})

describe("bench/profile-shares: a CPU profile by share", () => {
  const profile = profileOf([
    { id: 1, name: "(root)" },
    { id: 2, parent: 1, name: "(garbage collector)", micros: 50 },
    { id: 3, parent: 1, name: "(idle)", micros: 1_000 },
    { id: 4, parent: 1, name: "parserOnIncoming", url: "node:_http_server", micros: 110 },
    { id: 5, parent: 4, name: "emit", url: "node:events" },
    { id: 6, parent: 5, url: source("packages/http/src/Handler.ts"), line: 40, micros: 30 },
    { id: 7, parent: 6, url: source("packages/http/src/internal/verification.ts"), micros: 20 },
    // a built-in and Node's crypto work for their caller: SigV4 here, the operation below
    { id: 8, parent: 7, name: "hash", url: "node:internal/crypto/hash" },
    { id: 9, parent: 8, name: "oneShotDigest", micros: 70 },
    { id: 10, parent: 6, url: source("packages/core/src/operations/ListRecords.ts"), micros: 40 },
    { id: 11, parent: 10, url: source("packages/core/src/Sha256.ts") },
    { id: 12, parent: 11, name: "oneShotDigest", micros: 60 },
    { id: 13, parent: 10, url: source("packages/core/src/internal/memoryStore.ts"), micros: 15 },
    { id: 14, parent: 10, url: source("node_modules/effect/dist/esm/ParseResult.js"), micros: 25 },
    { id: 15, parent: 10, url: source("node_modules/effect/dist/esm/internal/fiberRuntime.js"), micros: 35 },
    // the protocol module is read by function: encodeOutput writes, decodeInput reads
    { id: 16, parent: 6, name: "encodeOutput", url: source("packages/http/src/Protocol.ts"), micros: 40 },
    { id: 17, parent: 6, name: "decodeInput", url: source("packages/http/src/Protocol.ts"), micros: 5 },
    { id: 18, parent: 16, name: "recordsOutputJson", url: source("packages/http/src/internal/recordsJson.ts"), micros: 5 }
  ])
  const measured = shares(profile)

  it("counts busy time only, idle left out", () => {
    expect(measured.busyMicros).toBe(505)
    expect(measured.gcMicros).toBe(50)
  })

  it("gives each sample to the first frame of a category from the sampled one up", () => {
    expect(Object.fromEntries(measured.byCategory)).toEqual({
      SigV4: 90,
      routing: 30,
      validation: 30,
      operation: 135,
      store: 15,
      encoding: 45,
      "node:http": 110,
      other: 50
    })
  })

  it("lists functions with the built-ins they called", () => {
    const top = measured.byFunction[0]!
    expect(top.category).toBe("node:http")
    expect(measured.byFunction.find((entry) => entry.where === "packages/core/src/operations/ListRecords.ts:1")?.micros).toBe(100)
  })
})
