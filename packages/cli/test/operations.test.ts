import { once } from "node:events"
import { type AddressInfo, connect, createServer, type Socket } from "node:net"
import { trace } from "@opentelemetry/api"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SyncStore } from "@syncalite/core"
import { Services } from "@syncalite/testing"
import { readConfig } from "../src/config.js"
import { startServer } from "../src/server.js"
import { tracedStore } from "../src/tracing.js"
import { removeKeys, testPrefix } from "./redisKeys.js"

const settings = {
  PORT: "0",
  SYNCALITE_STORE: "memory",
  SYNCALITE_SECRET: "operations test token secret",
  SYNCALITE_DEV_KEY: "AKIDOPERATIONS",
  SYNCALITE_DEV_SECRET: "operations test developer secret"
}
const redis = await Services.check("redis")
const recordValue = "a record value never logged"
const exporter = new InMemorySpanExporter()

/** A server with metrics on, its log lines, and a developer client. */
const serve = async (extra: { readonly [name: string]: string } = {}) => {
  const lines: Array<string> = []
  const running = await startServer(readConfig({ ...settings, ...extra }), { print: () => undefined, log: { write: (line: string) => void lines.push(line) } })
  const client = new CognitoSyncClient({
    endpoint: running.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: settings.SYNCALITE_DEV_KEY, secretAccessKey: settings.SYNCALITE_DEV_SECRET },
    maxAttempts: 1
  })
  return { running, lines, client }
}

const syncOnce = async (client: CognitoSyncClient) => {
  const ref = { IdentityPoolId: "us-east-1:0e1a2b3c", IdentityId: "us-east-1:0000aaaa", DatasetName: "settings" }
  const { SyncSessionToken } = await client.send(new ListRecordsCommand(ref))
  const updated = await client.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "k", Value: recordValue, SyncCount: 0 }] }))
  return updated.$metadata.requestId
}

describe("operations", () => {
  let server: Awaited<ReturnType<typeof serve>>
  let requestId: string | undefined
  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
    server = await serve({ SYNCALITE_METRICS: "on" })
    requestId = await syncOnce(server.client)
  })
  afterAll(async () => {
    server.client.destroy()
    await server.running.close()
    trace.disable()
  })

  it("a JSON log line per request: method, operation, status, duration, request id, caller kind; no secret, no record value", () => {
    const requests = server.lines.map((line) => JSON.parse(line) as { [key: string]: unknown }).filter((line) => line["msg"] === "request")
    expect(requests.map((line) => line["operation"])).toEqual(["ListRecords", "UpdateRecords"])
    expect(requests[1]).toMatchObject({ level: 30, method: "POST", operation: "UpdateRecords", status: 200, caller: "developer", requestId })
    expect(requests[1]!["durationMs"]).toBeTypeOf("number")
    const all = server.lines.join("")
    for (const secret of [recordValue, settings.SYNCALITE_SECRET, settings.SYNCALITE_DEV_SECRET]) expect(all).not.toContain(secret)
  })

  it("/healthz answers alive, /readyz that the store answers", async () => {
    expect(await (await fetch(`${server.running.endpoint}/healthz`)).json()).toEqual({ ok: true })
    const ready = await fetch(`${server.running.endpoint}/readyz`)
    expect([ready.status, await ready.json()]).toEqual([200, { ok: true }])
  })

  it("node's own refusals answered AWS-shaped: headers over 16 KB get 431 with the error type and a request id", async () => {
    const { port } = new URL(server.running.endpoint)
    const socket = connect(Number(port), "127.0.0.1")
    socket.end(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"x".repeat(20_000)}\r\n\r\n`)
    let answer = ""
    for await (const chunk of socket) answer += String(chunk)
    const [head, body] = answer.split("\r\n\r\n")
    expect(head).toMatch(/^HTTP\/1\.1 431 /)
    expect(head).toMatch(/\r\nx-amzn-ErrorType: RequestHeaderFieldsTooLargeException\r\n/i)
    expect(head).toMatch(/\r\nx-amzn-RequestId: \S+/i)
    expect(JSON.parse(body!)).toMatchObject({ __type: "RequestHeaderFieldsTooLargeException", message: expect.any(String) })
  })

  it("/metrics: requests by operation and status, latency, open connections", async () => {
    const response = await fetch(`${server.running.endpoint}/metrics`)
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/)
    const text = await response.text()
    expect(text).toContain(`syncalite_requests_total{operation="UpdateRecords",status="200"} 1`)
    expect(text).toContain(`syncalite_requests_total{operation="ListRecords",status="200"} 1`)
    expect(text).toMatch(/syncalite_request_duration_seconds_count\{operation="UpdateRecords"\} 1/)
    expect(text).toMatch(/syncalite_open_connections \d+/)
    expect(text).toContain("syncalite_store_errors_total")
  })

  it("a span per operation, with the store calls it made as its children", () => {
    const spans = exporter.getFinishedSpans()
    const update = spans.find((span) => span.name === "CognitoSync/UpdateRecords")
    expect(update?.attributes).toMatchObject({ "rpc.service": "CognitoSync", "rpc.method": "UpdateRecords" })
    const children = spans.filter((span) => span.parentSpanContext?.spanId === update!.spanContext().spanId).map((span) => span.name)
    expect(children).toContain("SyncStore/commit")
    expect(children.every((name) => name.startsWith("SyncStore/"))).toBe(true)
  })

  it("a failing store call: counted, logged, its span marked as an error", async () => {
    const counted: Array<string> = []
    const store = tracedStore({ ...SyncStore.makeMemory(), listDatasets: () => Effect.fail(new SyncStore.StorageError({ message: "disk on fire" })) }, (call) => counted.push(call))
    await expect(Effect.runPromise(store.listDatasets("us-east-1:0e1a2b3c", "us-east-1:0000aaaa"))).rejects.toThrow(/disk on fire/)
    expect(counted).toEqual(["listDatasets"])
    const span = exporter.getFinishedSpans().find((span) => span.name === "SyncStore/listDatasets")
    expect(span?.status).toMatchObject({ code: 2, message: "StorageError" })
  })

  it("/metrics is off unless SYNCALITE_METRICS=on", async () => {
    const off = await serve()
    try {
      expect((await fetch(`${off.running.endpoint}/metrics`)).status).toBe(404)
    } finally {
      off.client.destroy()
      await off.running.close()
    }
  })
})


/** A TCP proxy to `target` that can be cut: the store becomes unreachable without stopping it. */
const proxy = async (target: URL) => {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on("error", () => undefined).once("close", () => sockets.delete(socket))
    }
    client.pipe(upstream).pipe(client)
  }).listen(0, "127.0.0.1")
  await once(server, "listening")
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => {
      server.close()
      for (const socket of sockets) socket.destroy()
    }
  }
}

describe.skipIf(!redis.available)("operations: a store that stops answering", () => {
  it("/readyz answers 503 while /healthz still answers; the failed calls are counted", async () => {
    const link = await proxy(new URL(redis.url))
    const prefix = testPrefix()
    const { running, client } = await serve({ SYNCALITE_METRICS: "on", SYNCALITE_STORE: link.url, SYNCALITE_REDIS_PREFIX: prefix, LOG_LEVEL: "silent" })
    try {
      expect((await fetch(`${running.endpoint}/readyz`)).status).toBe(200)
      link.cut()
      const ready = await fetch(`${running.endpoint}/readyz`)
      expect([ready.status, await ready.json()]).toEqual([503, { ok: false }])
      expect((await fetch(`${running.endpoint}/healthz`)).status).toBe(200)
      await expect(syncOnce(client)).rejects.toMatchObject({ name: "InternalErrorException" })
      expect(await (await fetch(`${running.endpoint}/metrics`)).text()).toMatch(/syncalite_store_errors_total\{call="readDataset"\} 1/)
    } finally {
      client.destroy()
      await running.close()
      await removeKeys(redis.url, prefix)
    }
  }, 30_000)
})
