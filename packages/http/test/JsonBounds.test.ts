import * as http from "node:http"
import { Hash } from "@smithy/hash-node"
import { SignatureV4 } from "@smithy/signature-v4"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Caller, createCognitoSync } from "@syncalite/core"
import { Handler, IdentityCredentials, Server } from "@syncalite/http"
import { exceededInText, exceededInValue } from "../src/internal/jsonBounds.js"

const pool = "us-east-1:0e1a2b3c"
const identity = "us-east-1:0000aaaa"
const path = `/identitypools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(identity)}/datasets/nested`
const secret = "json bounds test secret 0123"
const sync = createCognitoSync({ tokenSecret: secret })
afterAll(() => sync.close())

const device = Caller.identity(pool, identity)
const json = (response: { readonly body: string }) => JSON.parse(response.body) as Record<string, unknown>
const nested = (levels: number) => `{"SyncSessionToken":"x","RecordPatches":${"[".repeat(levels)}${"]".repeat(levels)}}`
const post = (handler: Handler.Handler, body: string | { parsed: unknown }) =>
  handler.handle({
    method: "POST",
    url: path,
    headers: { "content-type": "application/json", "content-length": String(typeof body === "string" ? Buffer.byteLength(body) : 1) },
    ...(typeof body === "string" ? { body } : { parsedBody: body.parsed })
  })
const refusal = (response: { readonly status: number; readonly body: string }) => ({ status: response.status, ...json(response) })

describe("JSON bodies are bounded before anything recursive reads them", () => {
  const handler = Handler.make({ sync, authenticate: () => device })

  it("answers a body nested 5 000 levels deep with 400 InvalidParameterException, not 500", async () => {
    expect(refusal(await post(handler, nested(5_000)))).toEqual({
      status: 400,
      __type: "InvalidParameterException",
      message: "The request body nests JSON deeper than 32 levels"
    })
  })

  it("answers the same for a body the application already parsed", async () => {
    let deep: unknown = []
    for (let level = 0; level < 5_000; level++) deep = [deep]
    expect(refusal(await post(handler, { parsed: { SyncSessionToken: "x", RecordPatches: deep } }))).toEqual({
      status: 400,
      __type: "InvalidParameterException",
      message: "The request body nests JSON deeper than 32 levels"
    })
  })

  it("answers a body of too many values with 400, however flat", async () => {
    const body = `{"SyncSessionToken":"x","RecordPatches":[${Array(20_000).fill("0").join(",")}]}`
    expect(refusal(await post(handler, body))).toEqual({
      status: 400,
      __type: "InvalidParameterException",
      message: "The request body holds more than 16384 JSON values"
    })
  })

  it("takes its bounds from the options", async () => {
    const strict = Handler.make({ sync, authenticate: () => device, maxJsonDepth: 2, maxJsonValues: 10 })
    expect(json(await post(strict, `{"SyncSessionToken":"x","RecordPatches":[[]]}`))["message"]).toBe(
      "The request body nests JSON deeper than 2 levels"
    )
    expect(json(await post(strict, `{"SyncSessionToken":"x","RecordPatches":[1,2,3,4,5,6,7,8,9]}`))["message"]).toBe(
      "The request body holds more than 10 JSON values"
    )
    const loose = Handler.make({ sync, authenticate: () => device, maxJsonDepth: 6_000 })
    // within a loose bound the body is parsed, and refused by validation for what it holds
    expect(json(await post(loose, nested(5_000)))["message"]).toMatch(/^1 validation error detected: Value .* at 'recordPatches\.1\.member' failed to satisfy constraint: Member must be a structure$/)
  })

  it("leaves valid bodies as they were: a full UpdateRecords of 1 024 patches, brackets inside strings", async () => {
    const { SyncSessionToken } = json(await handler.handle({ method: "GET", url: `${path}/records`, headers: {} }))
    const patches = Array.from({ length: 1024 }, (_, i) => ({ Op: "replace", Key: `k${i}`, Value: i === 0 ? "[[[[{{{{\"\\\"[" : "v", SyncCount: 0 }))
    const written = await post(handler, JSON.stringify({ SyncSessionToken, DeviceId: "d", RecordPatches: patches }))
    expect(written.status).toBe(200)
    expect((json(written)["Records"] as Array<{ Key: string; Value: string }>)[0]).toMatchObject({ Key: "k0", Value: "[[[[{{{{\"\\\"[" })
  })

  it("counts a text as it counts the value it is written from", () => {
    const bounds = fc.record({ maxDepth: fc.integer({ min: 1, max: 6 }), maxValues: fc.integer({ min: 1, max: 40 }) })
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), bounds, fc.boolean(), (value, limits, spaced) => {
      const text = Buffer.from(JSON.stringify(value, null, spaced ? 2 : undefined))
      expect(exceededInText(text, limits) === undefined).toBe(exceededInValue(value, limits) === undefined)
    }), { numRuns: 2_000 })
  })
})

describe("nested bodies do not hold the event loop", () => {
  let server: http.Server
  let origin: string
  const credentials = IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId: identity, ttlSeconds: 600 })
  const agent = new http.Agent({ keepAlive: true })

  beforeAll(async () => {
    const listener = Server.listener(Handler.make({ sync, identitySecret: secret }))
    server = http.createServer((req, res) => {
      if (req.url === "/healthz") res.end(JSON.stringify({ ok: true }))
      else listener(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    origin = `127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    agent.destroy()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const signed = async (method: string, target: string, body: string) => {
    const signer = new SignatureV4({ service: "cognito-sync", region: "us-east-1", credentials, sha256: Hash.bind(null, "sha256") })
    const request = await signer.sign({
      method,
      protocol: "http:",
      hostname: "127.0.0.1",
      path: target,
      query: {},
      headers: { host: origin, "content-type": "application/json", ...(body === "" ? {} : { "content-length": String(Buffer.byteLength(body)) }) },
      body
    })
    return { method, path: target, headers: request.headers, body }
  }

  const send = (request: { method: string; path: string; headers: { [name: string]: string }; body: string }) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const [host, port] = origin.split(":")
      const req = http.request({ agent, host, port, method: request.method, path: request.path, headers: request.headers }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
        res.on("error", reject)
      })
      req.on("error", reject)
      req.end(request.body)
    })

  it("answers /healthz and another client's signed ListRecords within 200 ms while four clients send 2 MB nested bodies", { retry: 2, timeout: 60_000 }, async () => {
    const flood = await signed("POST", path, nested(1_000_000))
    expect(Buffer.byteLength(flood.body)).toBeGreaterThan(1_900_000)
    expect(refusal(await send(flood))).toMatchObject({ status: 400, __type: "InvalidParameterException" })
    let flooding = true
    let refused = 0
    const sender = async () => {
      while (flooding) {
        const answer = await send(flood)
        if (answer.status === 400) refused++
      }
    }
    const senders = [sender(), sender(), sender(), sender()]
    const slowest = { healthz: 0, listRecords: 0 }
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      for (let probe = 0; probe < 10; probe++) {
        let started = performance.now()
        const health = await send({ method: "GET", path: "/healthz", headers: {}, body: "" })
        slowest.healthz = Math.max(slowest.healthz, performance.now() - started)
        expect(health.status).toBe(200)
        started = performance.now()
        const listed = await send(await signed("GET", `${path}/records`, ""))
        slowest.listRecords = Math.max(slowest.listRecords, performance.now() - started)
        expect(listed.status).toBe(200)
      }
    } finally {
      flooding = false
      await Promise.all(senders)
    }
    console.log(`while ${refused} nested 2 MB bodies were refused, the slowest answers took (ms)`, slowest)
    expect(refused).toBeGreaterThan(4)
    expect(slowest.healthz).toBeLessThan(200)
    expect(slowest.listRecords).toBeLessThan(200)
  })
})
