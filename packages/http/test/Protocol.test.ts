import { describe, expect, it } from "vitest"
import { Protocol, Router } from "@syncalite/http"

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
