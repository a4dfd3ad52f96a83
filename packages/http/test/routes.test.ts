import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { CognitoSync } from "@syncalite/core"
import { Router } from "@syncalite/http"
import { routesDiff } from "../scripts/generate-routes.js"

type Input = Schema.Struct<Schema.Struct.Fields>

/** The input schema of an operation, as core validates it. */
const inputOf = async (operation: string): Promise<Input> => {
  const module = (await import(`../../core/src/operations/${operation}.ts`)) as Record<string, unknown>
  return module[`${operation}Input`] as Input
}

const labelsOf = (route: Router.Route) =>
  route.path.filter((segment) => segment.startsWith("{")).map((segment) => segment.slice(1, -1))

// The table is generated from the API model (`npm run generate`), which is not in this repository;
// `npm run generate -- --check` compares it with the model where the model is. Here it is held to
// what core validates, which was written from the same model by hand.
describe("the route table", () => {
  it("places every member of an operation's input exactly once: a label, a query parameter, a header or the body", async () => {
    for (const route of Router.routes) {
      const places = [...labelsOf(route), ...Object.values(route.query).map((q) => q.member), ...Object.values(route.headers), ...route.body]
      expect(new Set(places).size, route.operation).toBe(places.length)
      expect(places.sort(), route.operation).toEqual(Object.keys((await inputOf(route.operation)).fields).sort())
    }
  })

  it("gives query parameters core's types, and finds timestamps in the body only", async () => {
    for (const route of Router.routes) {
      const fields = (await inputOf(route.operation)).fields
      for (const { member, type } of Object.values(route.query)) {
        const schema = Schema.Struct({ [member]: fields[member]! }) as unknown as Schema.Schema<unknown>
        const decoded = Schema.decodeUnknownEither(schema)({ [member]: 1 })
        expect(decoded._tag === "Right" ? "integer" : "string", `${route.operation}.${member}`).toBe(type)
      }
      for (const path of route.timestamps) expect(route.body, route.operation).toContain(path[0])
      expect(route.status).toBe(200)
    }
  })

  it("covers the 17 operations of the service, each with its own method and path", () => {
    expect(Router.routes.map((route) => route.operation).sort()).toEqual(Object.keys(CognitoSync.operationNames).sort())
    expect(new Set(Router.routes.map((route) => `${route.method} ${route.path.join("/")}`)).size).toBe(17)
    for (const route of Router.routes) expect(CognitoSync.operations[route.serviceMethod]).toBeTypeOf("function")
  })

  it("places every member where the model does", () => {
    const byName = Object.fromEntries(Router.routes.map((route) => [route.operation, route]))
    expect(byName["UpdateRecords"]).toMatchObject({
      method: "POST",
      headers: { "x-amz-client-context": "ClientContext" },
      body: ["DeviceId", "RecordPatches", "SyncSessionToken"],
      timestamps: [["RecordPatches", "*", "DeviceLastModifiedDate"]]
    })
    expect(byName["ListRecords"]!.query).toEqual({
      lastSyncCount: { member: "LastSyncCount", type: "integer" },
      maxResults: { member: "MaxResults", type: "integer" },
      nextToken: { member: "NextToken", type: "string" },
      syncSessionToken: { member: "SyncSessionToken", type: "string" }
    })
    expect(byName["RegisterDevice"]!.path).toEqual(["identitypools", "{IdentityPoolId}", "identity", "{IdentityId}", "device"])
    expect(byName["GetBulkPublishDetails"]!.method).toBe("POST")
  })
})

describe("npm run generate -- --check", () => {
  it("passes a table that agrees and prints the lines of one that does not", () => {
    expect(routesDiff("a\nb\n", "a\nb\n")).toBe("")
    const diff = routesDiff("a\nb\n", "a\nc\n")
    expect(diff).toContain("-b")
    expect(diff).toContain("+c")
    expect(diff).toContain("(committed)")
  })
})

describe("Router.match", () => {
  it("resolves labels, still percent-encoded, and ignores empty segments", () => {
    const found = Router.match("GET", "//identitypools/us-east-1%3Aabc/identities/us-east-1%3A01/datasets/d%3A1/records/")
    expect(found).toMatchObject({
      _tag: "Found",
      route: { operation: "ListRecords" },
      labels: { IdentityPoolId: "us-east-1%3Aabc", IdentityId: "us-east-1%3A01", DatasetName: "d%3A1" }
    })
  })

  it("tells an unknown path from a method the path does not take", () => {
    expect(Router.match("GET", "/identitypools/p/nothing")).toEqual({ _tag: "NotFound" })
    expect(Router.match("GET", "/identitypools/p/identities/i/datasets/d/../x")).toEqual({ _tag: "NotFound" })
    expect(Router.match("PUT", "/identitypools/p/events")).toEqual({ _tag: "MethodNotAllowed", allow: ["GET", "POST"] })
    expect(Router.match("GET", "/identitypools/p/bulkpublish")).toEqual({ _tag: "MethodNotAllowed", allow: ["POST"] })
  })
})
