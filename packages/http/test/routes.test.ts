import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { CognitoSync } from "@syncalite/core"
import { Router } from "@syncalite/http"
import { readModel, renderRoutes, routesPath } from "../scripts/generate-routes.js"

describe("the route table", () => {
  it("is what the generator writes from the API model (npm run generate --workspace packages/http)", () => {
    expect(readFileSync(routesPath, "utf8")).toBe(renderRoutes(readModel()))
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
