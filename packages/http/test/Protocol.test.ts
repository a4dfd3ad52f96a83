import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Protocol, Router } from "@syncalite/http"
import { epochSeconds } from "../src/internal/recordsJson.js"

const route = Router.routes.find((candidate) => candidate.operation === "ListRecords")!

describe("Protocol.encodeOutput", () => {
  it("writes every Date as epoch seconds with its milliseconds, at any depth, and drops undefined members", () => {
    const output = {
      Records: [
        { Key: "a", SyncCount: 1, LastModifiedDate: new Date(1_700_000_000_123), LastModifiedBy: "me", Value: "x" },
        { Key: "b", SyncCount: 2, LastModifiedDate: new Date(1_700_000_001_000), DeviceLastModifiedDate: new Date(5) }
      ],
      NextToken: undefined,
      MergedDatasetNames: ["m"],
      Nested: { Deeper: [[new Date(-1_500)]], Kept: null },
      Count: 2
    }
    const response = Protocol.encodeOutput(route, output, "request-id")
    expect(response.body).toBe(
      "{\"Records\":[{\"Key\":\"a\",\"SyncCount\":1,\"LastModifiedDate\":1700000000.123,\"LastModifiedBy\":\"me\",\"Value\":\"x\"}," +
        "{\"Key\":\"b\",\"SyncCount\":2,\"LastModifiedDate\":1700000001,\"DeviceLastModifiedDate\":0.005}]," +
        "\"MergedDatasetNames\":[\"m\"],\"Nested\":{\"Deeper\":[[-1.5]],\"Kept\":null},\"Count\":2}"
    )
    expect(response.status).toBe(route.status)
    expect(response.headers).toEqual({ "content-type": "application/json", "x-amzn-RequestId": "request-id" })
  })

  it("leaves the output it is given as it was", () => {
    const date = new Date(1_700_000_000_123)
    const record = { Key: "a", LastModifiedDate: date }
    const output = { Records: [record], Other: { Plain: 1 } }
    Protocol.encodeOutput(route, output, "request-id")
    expect(output).toEqual({ Records: [{ Key: "a", LastModifiedDate: date }], Other: { Plain: 1 } })
    expect(output.Records[0]).toBe(record)
    expect(record.LastModifiedDate).toBe(date)
  })

  it("answers an empty object for no output", () => {
    expect(Protocol.encodeOutput(route, undefined, "request-id").body).toBe("{}")
  })
})

/** any UTF-16 text, lone surrogates and control characters included */
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
  fc.string({ unit: fc.constantFrom("a", "\"", "\\", "\n", "\u0000", "\u007f", "é", "\u2028", "\ud800") })
)
const MAX_DATE = 8_640_000_000_000_000
const anyDate = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 33 * 1000 + 10_000 }),
  fc.integer({ min: -MAX_DATE, max: MAX_DATE }),
  fc.constantFrom(0, 1, 999, 1000, 2 ** 33 * 1000 - 1, 2 ** 33 * 1000, -1, NaN)
).map((millis) => new Date(millis))
/** a record's members in the order the core makes them, each of them there or not */
const anyRecord = fc.record({
  Key: anyText,
  SyncCount: fc.oneof(fc.integer(), fc.double()),
  LastModifiedDate: anyDate,
  LastModifiedBy: anyText,
  Value: anyText,
  DeviceLastModifiedDate: anyDate
}, { requiredKeys: [] })

describe("Protocol.encodeOutput of records", () => {
  it("writes a Date's epoch seconds as JSON.stringify writes them, at any time", () => {
    fc.assert(fc.property(anyDate, (date) => {
      expect(epochSeconds(date)).toBe(JSON.stringify(date.getTime() / 1000))
    }), { numRuns: 20_000 })
  })

  it("writes an output of records as JSON.stringify writes it with its Dates as epoch seconds", () => {
    const output = fc.record({
      Records: fc.array(anyRecord, { maxLength: 6 }),
      NextToken: anyText,
      Count: fc.integer(),
      MergedDatasetNames: fc.array(anyText, { maxLength: 3 }),
      DatasetExists: fc.boolean()
    }, { requiredKeys: ["Records"] })
    fc.assert(fc.property(output, (value) => {
      const wire = Protocol.encodeOutput(route, value, "request-id").body
      expect(wire).toBe(JSON.stringify(Protocol.toWire(value)))
    }), { numRuns: 2_000 })
  })

  it("writes records of another shape the generic way, and only the model's members of a record", () => {
    const date = new Date(1_700_000_000_500)
    const complete = { Key: "a", SyncCount: 1, LastModifiedDate: date, LastModifiedBy: "me" }
    for (const record of [{ ...complete, Key: 1 }, { ...complete, LastModifiedDate: 1 }, { ...complete, Value: null }, { Key: "a" }, [1], null, date]) {
      const output = { Records: [record], Count: 1 }
      expect(Protocol.encodeOutput(route, output, "request-id").body).toBe(JSON.stringify(Protocol.toWire(output)))
    }
    const extra = { Records: [{ Key: "a", SyncCount: 1, LastModifiedDate: date, LastModifiedBy: "me", Extra: "not in the model" }] }
    expect(JSON.parse(Protocol.encodeOutput(route, extra, "request-id").body)).toEqual({
      Records: [{ Key: "a", SyncCount: 1, LastModifiedDate: 1_700_000_000.5, LastModifiedBy: "me" }]
    })
  })
})
