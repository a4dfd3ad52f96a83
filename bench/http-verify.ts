/**
 * SigV4 verification in process, per request: the server's verifier on a signed ListRecords (GET)
 * and UpdateRecords (POST) of identity credentials, beside `@smithy/signature-v4` signing the same
 * request again (what recomputing a signature through the signer costs); and the canonical
 * request alone, the verifier's beside smithy's. Medians of alternating runs, in one process.
 * With `SIGV4_BASELINE` naming the `Sigv4.ts` of another checkout, its verifier is measured in the
 * same runs, beside this one.
 */
import { createHash } from "node:crypto"
import { pathToFileURL } from "node:url"
import { Hash } from "@smithy/hash-node"
import { getCanonicalHeaders, SignatureV4 } from "@smithy/signature-v4"
import { SyncSessionToken } from "@syncalite/core"
import { issueIdentityCredentials, Sigv4 } from "@syncalite/http"
import { canonicalRequest } from "../packages/http/src/internal/canonicalRequest.js"
import { benchPool, benchSecret, listRef } from "./http-shared.js"

const ITERATIONS = 20_000
const RUNS = 7

const middle = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Microseconds of CPU per call of each function (a busy machine distorts them least), the functions run in turn `RUNS` times. */
const perCall = async (...functions: ReadonlyArray<() => unknown>): Promise<ReadonlyArray<number>> => {
  const times = functions.map((): Array<number> => [])
  for (let run = 0; run < RUNS; run++) {
    for (const [i, f] of functions.entries()) {
      const start = process.cpuUsage()
      for (let n = 0; n < ITERATIONS; n++) await f()
      const used = process.cpuUsage(start)
      times[i]!.push((used.user + used.system) / ITERATIONS)
    }
  }
  return times.map(middle)
}

export const benchVerification = async () => {
  console.log(`\n# SigV4 in process: µs of CPU per request, median of ${RUNS} runs of ${ITERATIONS.toLocaleString("en-US")}`)
  const credentials = issueIdentityCredentials({ secret: benchSecret, identityPoolId: benchPool, identityId: listRef.IdentityId, ttlSeconds: 3600 })
  const signer = new SignatureV4({ service: "cognito-sync", region: "us-east-1", credentials, sha256: Hash.bind(null, "sha256") })
  const signingDate = new Date()
  const label = encodeURIComponent
  const token = SyncSessionToken.mint(benchSecret, { identityPoolId: benchPool, identityId: listRef.IdentityId, datasetName: "bench-0" }, {
    id: "bench",
    expiresAt: Date.now() + 3_600_000
  })
  const requests: ReadonlyArray<readonly [string, { method: string; path: string; query: { [name: string]: string }; body?: string }]> = [
    ["GET ListRecords", {
      method: "GET",
      path: `/identitypools/${label(listRef.IdentityPoolId)}/identities/${label(listRef.IdentityId)}/datasets/${listRef.DatasetName}/records`,
      query: { lastSyncCount: "0", maxResults: "1024" }
    }],
    ["POST UpdateRecords", {
      method: "POST",
      path: `/identitypools/${label(benchPool)}/identities/${label(listRef.IdentityId)}/datasets/bench-0`,
      query: {},
      body: JSON.stringify({
        SyncSessionToken: token,
        RecordPatches: [{ Op: "replace", Key: "key", Value: "a value", SyncCount: 0, DeviceLastModifiedDate: Date.now() / 1000 }]
      })
    }]
  ]
  const verify = Sigv4.verifier({ identitySecret: benchSecret })
  const baselinePath = process.env["SIGV4_BASELINE"]
  const baseline: typeof verify | undefined = baselinePath === undefined
    ? undefined
    : (await import(pathToFileURL(baselinePath).href) as typeof Sigv4).verifier({ identitySecret: benchSecret })
  for (const [name, request] of requests) {
    const headers: { [name: string]: string } = { host: "127.0.0.1:8080", ...(request.body === undefined ? {} : { "content-type": "application/json" }) }
    const toSign = { protocol: "http:", hostname: "127.0.0.1", port: 8080, headers, ...request }
    const signed = await signer.sign(toSign, { signingDate })
    const search = new URLSearchParams(request.query).toString()
    const received = {
      method: request.method,
      url: search === "" ? request.path : `${request.path}?${search}`,
      headers: Object.fromEntries(Object.entries(signed.headers).map(([key, value]) => [key.toLowerCase(), String(value)])),
      body: Buffer.from(request.body ?? "")
    }
    for (const f of [verify, baseline ?? verify]) {
      if (await f(received) === undefined) throw new Error(`${name}: the verifier refused a signed request`)
    }
    const [verifier, resign, before] = await perCall(
      () => verify(received),
      () => signer.sign(toSign, { signingDate }),
      ...(baseline === undefined ? [] : [() => baseline(received)])
    )

    const signedHeaders = received.headers["authorization"]!.match(/SignedHeaders=([^,]+)/)![1]!
    const names = signedHeaders.split(";")
    const payloadHash = createHash("sha256").update(received.body).digest("hex")
    const smithyRequest = { ...toSign, headers: received.headers }
    const recomputing = signer as unknown as { createCanonicalRequest: (request: unknown, headers: unknown, hash: string) => string }
    const pairs = Object.entries(request.query)
    const [ours, smithy] = await perCall(
      () => canonicalRequest(request.method, request.path, pairs, received.headers, names, signedHeaders, payloadHash),
      () => recomputing.createCanonicalRequest(smithyRequest, getCanonicalHeaders(smithyRequest, undefined, new Set(names)), payloadHash)
    )
    console.log([
      `${name.padEnd(20)} verify ${verifier!.toFixed(2).padStart(6)} µs${before === undefined ? "" : ` (baseline ${before.toFixed(2)} µs)`}`,
      `smithy signing it again ${resign!.toFixed(2).padStart(6)} µs`,
      `canonical request ${ours!.toFixed(2).padStart(5)} µs, smithy's ${smithy!.toFixed(2).padStart(5)} µs`
    ].join("  |  "))
  }
}
