/**
 * One server of the HTTP benchmark, in a process of its own: `node --import tsx bench/http-server.ts <kind> <port>`.
 * Kinds: the bare JSON echoes (`node-echo`, `koa-echo`, `express-echo`), the node:http echo behind
 * the server's SigV4 check alone (`sigv4-echo`), the same echo after the hashing alone that any
 * SigV4 check does (`hashes-echo`; the node:http echoes answer a GET `<bytes>` bytes, the fourth
 * argument), and Cognito Sync on the memory store (`standalone`, `koa`, `express`). Tells its
 * parent over IPC once it listens; answers `cpu` with its CPU usage, and `profile-start` and
 * `profile-stop` (the CPU profile taken in between, from the inspector) for `profile.ts`.
 */
import { timingSafeEqual } from "node:crypto"
import * as http from "node:http"
import { type Profiler, Session } from "node:inspector/promises"
import { findSourceMap, type SourceMapping } from "node:module"
import { bodyParser } from "@koa/bodyparser"
import express from "express"
import Koa from "koa"
import { Caller, createCognitoSync, Sha256 } from "@syncalite/core"
import { cognitoSync as expressCognitoSync } from "@syncalite/express"
import { Server, Sigv4 } from "@syncalite/http"
import { cognitoSync as koaCognitoSync } from "@syncalite/koa"
import { benchSecret, listRef, seedRecords } from "./http-shared.js"

const [kind, port, bytes] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 0)]

const answer = (res: http.ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  res.end(body)
}

/** Whether a request may be answered: the SigV4 check, or the work of one. */
type Check = (req: http.IncomingMessage, body: Buffer) => boolean | Promise<boolean>

const sigv4Check = (): Check => {
  const verify = Sigv4.verifier({ identitySecret: benchSecret })
  return async (req, body) => (await verify({ method: req.method!, url: req.url!, headers: req.headers, body })) !== undefined
}

const header = (req: http.IncomingMessage, name: string) => String(req.headers[name] ?? "")

/**
 * The hashing every SigV4 check does and nothing of the rest: SHA-256 of the body and of a text
 * about as long as the request's canonical request (made of its method, path, session token,
 * `Authorization`, date and the body's hash, with no parsing), the HMAC-SHA256 of a string to sign
 * under a signing key kept from before, compared with the signature sent, as bytes. The key is not
 * the signer's, so the comparison fails: the request is answered either way, for the work is what
 * is measured.
 */
const hashesCheck = (): Check => {
  const mac = Sha256.hmac("a signing key kept for the day")
  const emptyHash = Sha256.hashHex("")
  return (req, body) => {
    const [authorization, date] = [header(req, "authorization"), header(req, "x-amz-date")]
    const payload = body.length === 0 ? emptyHash : Sha256.hashHex(body)
    const canonical = `${req.method}\n${req.url}\n${header(req, "x-amz-security-token")}\n${authorization}\n${date}\n${payload}`
    const computed = mac(`AWS4-HMAC-SHA256\n${date}\n${date.slice(0, 8)}/us-east-1/cognito-sync/aws4_request\n${Sha256.hashHex(canonical)}`)
    const sent = Buffer.from(authorization.slice(-64), "hex")
    if (sent.length === computed.length) timingSafeEqual(sent, computed)
    return true
  }
}

/**
 * The node:http JSON echo: a body is parsed and sent back, an empty one (a GET) answered
 * `<bytes>` bytes; behind `check` when one is given, so that echoes differ in the check alone and
 * can be sent the same requests.
 */
const nodeEcho = (check?: Check): http.RequestListener => {
  const listAnswer = JSON.stringify({ data: "x".repeat(Math.max(0, bytes - 11)) })
  return (req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      const echo = (passed = true) =>
        passed ? answer(res, 200, body.length === 0 ? listAnswer : JSON.stringify(JSON.parse(body.toString("utf8")))) : answer(res, 403, "{}")
      if (check === undefined) return echo()
      const passed = check(req, body)
      if (typeof passed === "boolean") return echo(passed)
      void passed.then(echo)
    })
  }
}

const koaEcho = (): http.RequestListener => {
  const app = new Koa()
  app.use(bodyParser())
  app.use((ctx) => void (ctx.body = ctx.request.body))
  return app.callback()
}

const expressEcho = (): http.RequestListener => {
  const app = express()
  app.use(express.json())
  app.post("/echo", (req, res) => void res.json(req.body))
  return app
}

const syncServer = async (framework: "standalone" | "koa" | "express"): Promise<http.RequestListener> => {
  const sync = createCognitoSync({ tokenSecret: benchSecret })
  // the dataset ListRecords reads
  const device = Caller.identity(listRef.IdentityPoolId, listRef.IdentityId)
  const { SyncSessionToken } = await sync.listRecords(listRef, device)
  await sync.updateRecords({ ...listRef, SyncSessionToken, RecordPatches: seedRecords }, device)
  const options = { sync, identitySecret: benchSecret }
  if (framework === "standalone") return Server.listener((await import("@syncalite/http")).Handler.make(options))
  if (framework === "koa") {
    const app = new Koa()
    app.use(koaCognitoSync(options))
    return app.callback()
  }
  const app = express()
  app.use(expressCognitoSync(options))
  return app
}

const listener = kind === "node-echo"
  ? nodeEcho()
  : kind === "sigv4-echo"
  ? nodeEcho(sigv4Check())
  : kind === "hashes-echo"
  ? nodeEcho(hashesCheck())
  : kind === "koa-echo"
  ? koaEcho()
  : kind === "express-echo"
  ? expressEcho()
  : await syncServer(kind as "standalone" | "koa" | "express")

const server = http.createServer({ keepAliveTimeout: 60_000 }, listener)
server.listen(port, "127.0.0.1", () => process.send?.({ listening: port }))
process.on("disconnect", () => process.exit(0))

/** A profile's frames where their TypeScript was written, rather than in what tsx made of it. */
const inSources = (profile: Profiler.Profile): Profiler.Profile => {
  for (const { callFrame } of profile.nodes) {
    const entry = callFrame.url.startsWith("file:") ? findSourceMap(callFrame.url)?.findEntry(callFrame.lineNumber, callFrame.columnNumber) : undefined
    if (entry === undefined || !("originalSource" in entry)) continue
    const { originalSource, originalLine, originalColumn } = entry as SourceMapping
    callFrame.url = originalSource
    callFrame.lineNumber = originalLine
    callFrame.columnNumber = originalColumn
  }
  return profile
}

// the parent measures this process's CPU time around a run, or profiles it
const profiler = new Session()
process.on("message", async (message) => {
  if (message === "cpu") process.send?.({ cpu: process.cpuUsage() })
  if (message === "profile-start") {
    profiler.connect()
    await profiler.post("Profiler.enable")
    // a tenth of the default interval: some 10,000 samples a second of busy CPU
    await profiler.post("Profiler.setSamplingInterval", { interval: 100 })
    await profiler.post("Profiler.start")
    process.send?.({ profiling: true })
  }
  if (message === "profile-stop") {
    const { profile } = await profiler.post("Profiler.stop")
    profiler.disconnect()
    process.send?.({ profile: inSources(profile) })
  }
})
