/**
 * HTTP figures: ListRecords and UpdateRecords, signed with SigV4 by identity credentials, on the
 * memory store, through the standalone server, Koa and Express, each beside the bare framework
 * answering a JSON echo of the same payload size, measured in the same run.
 *
 * autocannon at 50 keep-alive connections in this process; every server in a process of its own
 * (the two share the machine's cores, as in BENCH.md). Requests are signed before a run starts,
 * so that the load generator does no more work per request for a binding than for an echo:
 * the ListRecords request is one signed GET sent again and again; each UpdateRecords request
 * adds a record to one of 1,000 datasets (50 identities), with a sync session token minted for it.
 * Each line also gives the server's CPU time per request beside the bare server's, and their
 * ratio: with client and server sharing the cores, the view a busy machine distorts least.
 * Each figure is the median of its rounds; each ratio the median of the rounds' ratios, a figure
 * and its baseline measured one after the other (the other way round every other round), with
 * the lowest and highest beside it: a shared machine's speed drifts by a fifth from minute to
 * minute, which a ratio of two medians measured minutes apart carries and a ratio within a round
 * does not.
 * Beside the standalone server: node:http answering the same requests after the server's SigV4
 * check alone, what any server verifying these signatures costs at the least, against the same
 * node:http echo without the check sent the same signed requests (what the check adds, and only
 * that: a signed request costs the load generator and node:http's parser more than the bare
 * echo's small one), and for information against the bare echo. Under it, the floor of any
 * check: the same echo after the hashing alone that a SigV4 check does (the body's SHA-256, a
 * canonical request's, the HMAC of a string to sign, compared as bytes), against the unchecked
 * echo, and the check against it.
 * Targets against the bare server: throughput at least 50% / 40% (ListRecords / UpdateRecords)
 * standalone with its CPU per request at most 2x / 2.5x, 65% / 55% on Koa, 85% / 80% on
 * Express, 80% for the SigV4 check + echo against the unchecked echo; p99 at most 2x everywhere,
 * printed beside the ratio of mean latencies, which the throughputs set (Little's law).
 * First, SigV4 verification in process (`http-verify.ts`); `npm run bench -- http:verify` runs
 * that alone.
 */
import { fork } from "node:child_process"
import { once } from "node:events"
import * as net from "node:net"
import { Hash } from "@smithy/hash-node"
import { SignatureV4 } from "@smithy/signature-v4"
import autocannon from "autocannon"
import { SyncSessionToken } from "@syncalite/core"
import { issueIdentityCredentials } from "@syncalite/http"
import { benchPool, benchSecret, listRef } from "./http-shared.js"
import { benchVerification } from "./http-verify.js"
import { fmt, median } from "./measure.js"

const CONNECTIONS = 50
const WARMUP_SECONDS = 2
const SECONDS = 3
/** binding and bare server alternate this many times, each in a fresh process: medians of figures, medians of each round's ratios */
const ROUNDS = 5
/** the devices writing, and how many distinct writes they send to one server (at most 20 x 1024 each) */
const IDENTITIES = 50
const UPDATES = 100_000

export interface Prepared {
  readonly method: string
  readonly path: string
  readonly headers: { [name: string]: string }
  readonly body?: string
}

/** A port free on the loopback interface now. */
export const freePort = async (): Promise<number> => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const label = (value: string) => encodeURIComponent(value)

const sign = async (
  port: number,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  request: { method: string; path: string; query?: { [name: string]: string }; body?: string }
): Promise<Prepared> => {
  const signer = new SignatureV4({ service: "cognito-sync", region: "us-east-1", credentials, sha256: Hash.bind(null, "sha256") })
  const headers: { [name: string]: string } = { host: `127.0.0.1:${port}` }
  // content-length is left unsigned (autocannon writes it), as the v2 SDK leaves it
  if (request.body !== undefined) headers["content-type"] = "application/json"
  const signed = await signer.sign({
    method: request.method,
    protocol: "http:",
    hostname: "127.0.0.1",
    port,
    path: request.path,
    query: request.query ?? {},
    headers,
    ...(request.body === undefined ? {} : { body: request.body })
  })
  const search = new URLSearchParams(request.query ?? {}).toString()
  return {
    method: request.method,
    path: search === "" ? request.path : `${request.path}?${search}`,
    headers: signed.headers as { [name: string]: string },
    ...(request.body === undefined ? {} : { body: request.body })
  }
}

/** The signed requests: one ListRecords, and `count` UpdateRecords, each a key of its own. */
export const prepare = async (port: number, count = UPDATES) => {
  const now = Date.now()
  const reader = issueIdentityCredentials({ secret: benchSecret, identityPoolId: benchPool, identityId: listRef.IdentityId, ttlSeconds: 3600 })
  const list = await sign(port, reader, {
    method: "GET",
    path: `/identitypools/${label(listRef.IdentityPoolId)}/identities/${label(listRef.IdentityId)}/datasets/${listRef.DatasetName}/records`,
    query: { lastSyncCount: "0" }
  })
  // 50 devices (identities) x 20 datasets; each write adds a key of its own (sync count 0, so it
  // never conflicts) to one of the datasets, in turn; signed identity by identity (the signer
  // caches a few signing keys), sent so that consecutive writes go to different datasets
  const updates = new Array<Prepared>(count)
  for (let i = 0; i < IDENTITIES; i++) {
    const identityId = `us-east-1:${(0x100000 + i).toString(16)}`
    const credentials = issueIdentityCredentials({ secret: benchSecret, identityPoolId: benchPool, identityId, ttlSeconds: 3600 })
    for (let n = 0; n * IDENTITIES + i < count; n++) {
      const ref = { identityPoolId: benchPool, identityId, datasetName: `bench-${n % 20}` }
      const token = SyncSessionToken.mint(benchSecret, ref, { id: `bench${i}x${n}`, expiresAt: now + 3_600_000 + n })
      const body = JSON.stringify({
        SyncSessionToken: token,
        RecordPatches: [{ Op: "replace", Key: `key${n}`, Value: `value ${i}.${n}`, SyncCount: 0, DeviceLastModifiedDate: now / 1000 }]
      })
      updates[n * IDENTITIES + i] = await sign(port, credentials, {
        method: "POST",
        path: `/identitypools/${label(benchPool)}/identities/${label(identityId)}/datasets/${ref.datasetName}`,
        body
      })
    }
  }
  return { list, updates }
}

/** A server of the benchmark: its address, the CPU seconds its process has used so far, and its answer to a message. */
export interface Running {
  readonly url: string
  readonly cpuSeconds: () => Promise<number>
  /** sends `message` to the server's process and answers what it sends back */
  readonly ask: (message: string) => Promise<unknown>
}

/** Runs `kind` in a process of its own on `port` for the duration of `use`. */
export const withServer = async <A>(kind: string, port: number, use: (server: Running) => Promise<A>, bytes = 0): Promise<A> => {
  const child = fork(new URL("./http-server.ts", import.meta.url), [kind, String(port), String(bytes)], { stdio: "inherit" })
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve())
      child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)))
    })
    const ask = async (message: string) => {
      const answer = once(child, "message")
      child.send(message)
      return (await answer)[0] as unknown
    }
    const cpuSeconds = async () => {
      const { cpu } = (await ask("cpu")) as { cpu: NodeJS.CpuUsage }
      return (cpu.user + cpu.system) / 1e6
    }
    return await use({ url: `http://127.0.0.1:${port}`, cpuSeconds, ask })
  } finally {
    const exited = once(child, "exit")
    child.kill()
    await exited
  }
}

export interface Load {
  readonly perSecond: number
  readonly p99: number
  /**
   * the mean latency, in milliseconds: with every connection sending its next request once
   * answered, the connections over the throughput (Little's law), so that its ratio to the
   * baseline's is the inverse of the throughputs' and a p99 ratio can be read against it
   */
  readonly mean: number
  /** the server's CPU time per request, in microseconds: what a busy machine distorts least */
  readonly cpuPerRequest: number
  readonly non2xx: number
  readonly errors: number
}

/** `duration` seconds of load from autocannon; `next` gives the request each connection sends next. */
export const drive = (server: Running, next: () => Prepared, duration: number) =>
  autocannon({
    url: server.url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration,
    requests: [{ setupRequest: (request) => Object.assign(request, next()) }]
  })

/** Warm-up, then the measured run; `next` gives the request each connection sends next. */
export const load = async (server: Running, next: () => Prepared): Promise<Load> => {
  await drive(server, next, WARMUP_SECONDS)
  const before = await server.cpuSeconds()
  const result = await drive(server, next, SECONDS)
  const cpu = (await server.cpuSeconds()) - before
  return {
    perSecond: result.requests.average,
    p99: result.latency.p99,
    mean: result.latency.average,
    cpuPerRequest: (cpu * 1e6) / Math.max(result.requests.total, 1),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts
  }
}

/** The median of each figure over the rounds. */
const medianOf = (loads: ReadonlyArray<Load>): Load => ({
  perSecond: median(loads.map((load) => load.perSecond)),
  p99: median(loads.map((load) => load.p99)),
  mean: median(loads.map((load) => load.mean)),
  cpuPerRequest: median(loads.map((load) => load.cpuPerRequest)),
  non2xx: loads.reduce((sum, load) => sum + load.non2xx, 0),
  errors: loads.reduce((sum, load) => sum + load.errors, 0)
})

/** The ratios of a figure to its baseline measured in the same round: their median, and the lowest and highest. */
const pairedRatio = (figures: ReadonlyArray<Load>, baselines: ReadonlyArray<Load>, of: (load: Load) => number) => {
  const ratios = figures.map((figure, round) => of(figure) / of(baselines[round]!))
  return { median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) }
}

const echoOf = (bytes: number): Prepared => {
  const body = JSON.stringify({ data: "x".repeat(Math.max(0, bytes - 11)) })
  return { method: "POST", path: "/echo", headers: { "content-type": "application/json" }, body }
}

/** What a figure must reach against its bare server: throughput, p99 and, where set, CPU per request. */
interface Target {
  readonly throughput: number
  readonly p99: number
  readonly cpu?: number
}

const verdict = (met: boolean) => (met ? "met" : "MISSED")

const spread = (ratio: { readonly low: number; readonly high: number }, scale: number, digits: number) =>
  `${(ratio.low * scale).toFixed(digits)}–${(ratio.high * scale).toFixed(digits)}`

/**
 * Prints a figure beside its baseline (`against` names it: the bare server by default), each
 * round's beside the same round's; without a target, for information. The figures are the medians
 * of the rounds; each ratio is the median of the rounds' ratios, with their range: the machine's
 * speed drifts from round to round, and a pair measured one after the other shares its drift.
 */
const line = (title: string, figures: ReadonlyArray<Load>, baselines: ReadonlyArray<Load>, target?: Target, against = "bare") => {
  const figure = medianOf(figures)
  const baseline = medianOf(baselines)
  const ratio = pairedRatio(figures, baselines, (load) => load.perSecond)
  // autocannon gives whole milliseconds: a p99 under one reads 0
  const latency = pairedRatio(figures, baselines, (load) => Math.max(load.p99, 1))
  const mean = `mean ${pairedRatio(figures, baselines, (load) => load.mean).median.toFixed(1)}x`
  const cpu = pairedRatio(figures, baselines, (load) => load.cpuPerRequest)
  const problems = figure.non2xx + figure.errors + baseline.non2xx + baseline.errors
  const throughput = `${(ratio.median * 100).toFixed(0)}% (${spread(ratio, 100, 0)})`
  const p99 = `p99 ${latency.median.toFixed(1)}x (${spread(latency, 1, 1)})`
  console.log([
    `${title.padEnd(34)} ${fmt(figure.perSecond, 7)}/s p99 ${String(figure.p99).padStart(3)} ms`,
    `${against}: ${fmt(baseline.perSecond, 7)}/s p99 ${String(baseline.p99).padStart(3)} ms`,
    target === undefined
      ? throughput
      : `${throughput} target ${Math.round(target.throughput * 100)}%: ${verdict(ratio.median >= target.throughput)}`,
    target === undefined
      ? `${p99}, ${mean}`
      : `${p99} target ${target.p99}x: ${verdict(latency.median <= target.p99)}, ${mean}`,
    `server cpu ${Math.round(figure.cpuPerRequest)} µs/request, ${against} ${Math.round(baseline.cpuPerRequest)} (${cpu.median.toFixed(1)}x, ${
      spread(cpu, 1, 1)
    }${target?.cpu === undefined ? "" : `, target ${target.cpu}x: ${verdict(cpu.median <= target.cpu)}`})`,
    ...(problems > 0 ? [`non-2xx or errors: ${problems}`] : [])
  ].join("  |  "))
}

/** Measures every server, or the bindings named in `only` (standalone, koa, express), and verification alone (verify). */
export const benchHttp = async (only?: ReadonlyArray<string>) => {
  if (only === undefined || only.includes("verify")) await benchVerification()
  if (only !== undefined && only.every((name) => name === "verify")) return
  console.log(`\n# HTTP: SigV4 identity credentials, memory store, ${CONNECTIONS} keep-alive connections (autocannon), ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up; medians of ${ROUNDS} rounds, each ratio the median of the rounds' ratios (their range in brackets)`)
  const port = await freePort()
  const { list, updates } = await prepare(port)
  const listSize = Buffer.byteLength(await withServer("standalone", port, async ({ url }) => {
    const response = await fetch(`${url}${list.path}`, { headers: list.headers })
    if (response.status !== 200) throw new Error(`ListRecords answered ${response.status}: ${await response.text()}`)
    return response.text()
  }))
  const updateSize = Buffer.byteLength(updates[0]!.body!)
  console.log(`payloads: ListRecords answers ${listSize} bytes (10 records); UpdateRecords sends ${updateSize} bytes; each echo carries as many`)

  for (const [framework, echo, binding, targets] of [
    ["node:http", "node-echo", "standalone", { ListRecords: { throughput: 0.5, p99: 2, cpu: 2 }, UpdateRecords: { throughput: 0.4, p99: 2, cpu: 2.5 } }],
    ["Koa", "koa-echo", "koa", { ListRecords: { throughput: 0.65, p99: 2 }, UpdateRecords: { throughput: 0.55, p99: 2 } }],
    ["Express", "express-echo", "express", { ListRecords: { throughput: 0.85, p99: 2 }, UpdateRecords: { throughput: 0.8, p99: 2 } }]
  ] as const) {
    if (only !== undefined && !only.includes(binding)) continue
    for (const [operation, size] of [["ListRecords", listSize], ["UpdateRecords", updateSize]] as const) {
      const figures: Array<Load> = []
      const baselines: Array<Load> = []
      const signedEchoes: Array<Load> = []
      const uncheckedEchoes: Array<Load> = []
      const hashedEchoes: Array<Load> = []
      const echoRequest = echoOf(size)
      for (let round = 0; round < ROUNDS; round++) {
        let cursor = 0
        const next = operation === "ListRecords" ? () => list : () => updates[cursor++ % updates.length]!
        // each in a fresh server, the prepared writes new to it
        const measure = (into: Array<Load>, kind: string, request: () => Prepared, bytes?: number) => async () => {
          cursor = 0
          into.push(await withServer(kind, port, (server) => load(server, request), bytes))
          // an echo takes a write again as it took it first; a server of the store refuses it
          if (kind === binding && cursor > updates.length) console.log(`  (ran out of prepared writes after ${updates.length}: the rest were refused)`)
        }
        const steps = [
          measure(figures, binding, next),
          measure(baselines, echo, () => echoRequest),
          ...(binding === "standalone"
            ? [measure(signedEchoes, "sigv4-echo", next, listSize), measure(uncheckedEchoes, "node-echo", next, listSize), measure(hashedEchoes, "hashes-echo", next, listSize)]
            : [])
        ]
        // every other round in the opposite order: a drift within a round favours neither of a pair
        for (const step of round % 2 === 0 ? steps : steps.reverse()) await step()
      }
      line(`${operation} via ${binding === "standalone" ? "standalone server" : framework}`, figures, baselines, targets[operation])
      if (binding === "standalone") {
        line(`  SigV4 check + echo, node:http`, signedEchoes, uncheckedEchoes, { throughput: 0.8, p99: 2 }, "unchecked")
        line(`    (floor) the check's hashing alone + echo`, hashedEchoes, uncheckedEchoes, undefined, "unchecked")
        line(`    (info) the check + echo against its hashing alone`, signedEchoes, hashedEchoes, undefined, "hashing")
        line(`    (info) the check + echo against the bare echo`, signedEchoes, baselines)
      }
    }
  }
}
