import { createHash } from "node:crypto"
import { Hash } from "@smithy/hash-node"
import { SignatureV4 } from "@smithy/signature-v4"
import { describe, expect, it } from "vitest"
import { createCognitoSync } from "@syncalite/core"
import { Handler, issueIdentityCredentials, Sigv4 } from "@syncalite/http"

const developer = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
const secret = "identity secret, 16+ characters"
const now = Date.UTC(2025, 5, 1, 12, 0, 0)
const path = "/prefix/identitypools/us-east-1%3Aabc/identities/us-east-1%3A01/datasets/my_data.set%3A1-x"

/** Signs as the v3 client does: the raw path, encoded once more by the signer. */
const sign = async (options: {
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  readonly date?: number
  readonly region?: string
  readonly service?: string
  readonly body?: string
  readonly query?: { [name: string]: string }
  readonly uriEscapePath?: boolean
  readonly headers?: { [name: string]: string }
}) => {
  const body = options.body ?? ""
  const signer = new SignatureV4({
    service: options.service ?? "cognito-sync",
    region: options.region ?? "us-east-1",
    credentials: options.credentials ?? developer,
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: options.uriEscapePath ?? true
  })
  const signed = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 8080,
    path,
    query: options.query ?? {},
    headers: {
      host: "127.0.0.1:8080",
      "content-type": "application/json",
      "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
      ...options.headers
    },
    body
  }, { signingDate: new Date(options.date ?? now) })
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]))
  const search = new URLSearchParams(options.query ?? {}).toString().replaceAll("+", "%20")
  return { method: "POST", url: search === "" ? path : `${path}?${search}`, headers, body: Buffer.from(body) }
}

const verify = Sigv4.verifier({ developers: [{ ...developer, accountId: "123456789012", pools: ["us-east-1:abc"] }], identitySecret: secret, now: () => now })

describe("Sigv4.verifier", () => {
  it("accepts a request signed over the raw path encoded once more, and answers the developer caller", async () => {
    const request = await sign({ body: "{\"a\":1}", query: { nextToken: "n t", maxResults: "5" } })
    expect(await verify(request)).toEqual({ kind: "developer", accountId: "123456789012", pools: ["us-east-1:abc"] })
  })

  it("refuses a signature over the path as sent (encoded once), the trap WIRE.md describes", async () => {
    expect(await verify(await sign({ uriEscapePath: false }))).toBeUndefined()
  })

  it("answers the identity of identity credentials, verified from their session token", async () => {
    const credentials = issueIdentityCredentials({ secret, identityPoolId: "us-east-1:abc", identityId: "us-east-1:01", now })
    expect(await verify(await sign({ credentials }))).toEqual({ kind: "identity", identityPoolId: "us-east-1:abc", identityId: "us-east-1:01" })
    // the secret key alone is not enough: the token travels, signed
    const request = await sign({ credentials })
    delete (request.headers as { [name: string]: unknown })["x-amz-security-token"]
    expect(await verify(request)).toBeUndefined()
    const other = issueIdentityCredentials({ secret, identityPoolId: "us-east-1:abc", identityId: "us-east-1:02", now })
    const swapped = await sign({ credentials })
    ;(swapped.headers as { [name: string]: unknown })["x-amz-security-token"] = other.sessionToken
    expect(await verify(swapped)).toBeUndefined()
  })

  it("allows 15 minutes of clock skew, either way, and no more", async () => {
    expect(await verify(await sign({ date: now - 14 * 60_000 }))).toBeDefined()
    expect(await verify(await sign({ date: now + 14 * 60_000 }))).toBeDefined()
    expect(await verify(await sign({ date: now - 16 * 60_000 }))).toBeUndefined()
    expect(await verify(await sign({ date: now + 16 * 60_000 }))).toBeUndefined()
  })

  it("checks the scope: the service, and the region when regions are configured", async () => {
    expect(await verify(await sign({ service: "cognito-identity" }))).toBeUndefined()
    expect(await verify(await sign({ region: "eu-west-1" }))).toBeDefined()
    const regional = Sigv4.verifier({ developers: [developer], regions: ["us-east-1"], now: () => now })
    expect(await regional(await sign({ region: "eu-west-1" }))).toBeUndefined()
    expect(await regional(await sign({ region: "us-east-1" }))).toBeDefined()
  })

  it("signs with the key of each request's own day and region, whatever the credentials signed before", async () => {
    const midnight = Date.UTC(2025, 5, 2, 0, 0, 0)
    let clock = midnight
    const fresh = Sigv4.verifier({ developers: [developer], now: () => clock })
    const before = await sign({ date: midnight - 60_000 })
    const after = await sign({ date: midnight + 60_000 })
    const elsewhere = await sign({ date: midnight + 60_000, region: "eu-west-1" })
    for (const request of [before, after, elsewhere, before, elsewhere, after]) expect(await fresh(request)).toBeDefined()
    // a key kept from another day or region does not verify a signature made with the wrong one
    const forged = await sign({ date: midnight + 60_000, credentials: { ...developer, secretAccessKey: "another secret" } })
    expect(await fresh(forged)).toBeUndefined()
    clock = midnight + 60_000
    expect(await fresh(after)).toBeDefined()
  })

  it("hashes the raw body: a body other than the one signed, or a false x-amz-content-sha256, is refused", async () => {
    const request = await sign({ body: "{\"a\":1}" })
    expect(await verify({ ...request, body: Buffer.from("{\"a\": 1}") })).toBeUndefined()
    const unsigned = await sign({ body: "{\"a\":1}" })
    ;(unsigned.headers as { [name: string]: unknown })["x-amz-content-sha256"] = "0".repeat(64)
    expect(await verify(unsigned)).toBeUndefined()
  })

  it("refuses unknown keys, wrong secrets and malformed authorization headers", async () => {
    expect(await verify(await sign({ credentials: { accessKeyId: "AKIDOTHER", secretAccessKey: developer.secretAccessKey } }))).toBeUndefined()
    expect(await verify(await sign({ credentials: { ...developer, secretAccessKey: "wrong" } }))).toBeUndefined()
    const request = await sign({})
    const authorization = String(request.headers["authorization"])
    for (const broken of [
      authorization.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
      authorization.replace("SignedHeaders=", "SignedHeaders=x;"),
      authorization.replace(/SignedHeaders=[^,]+/, "SignedHeaders=x-amz-date"),
      authorization.replace("/aws4_request", "/aws5_request"),
      authorization.replace(/Signature=.*/, "Signature=abc"),
      authorization.replace("Credential=", "Credential=x/"),
      ""
    ]) {
      expect(await verify({ ...request, headers: { ...request.headers, authorization: broken } })).toBeUndefined()
    }
    expect(await verify({ ...request, headers: { ...request.headers, "x-amz-date": "20250631T120000Z" } })).toBeUndefined()
  })

  it("verifies a presigned request only when asked, from 15 minutes before its date until it expires", async () => {
    const signer = new SignatureV4({ service: "cognito-sync", region: "us-east-1", credentials: developer, sha256: Hash.bind(null, "sha256") })
    const presigned = await signer.presign(
      { method: "GET", protocol: "http:", hostname: "127.0.0.1", port: 8080, path, query: { lastSyncCount: "0" }, headers: { host: "127.0.0.1:8080" } },
      { signingDate: new Date(now), expiresIn: 600 }
    )
    const search = new URLSearchParams(presigned.query as { [name: string]: string }).toString().replaceAll("+", "%20")
    const request = { method: "GET", url: `${path}?${search}`, headers: { host: "127.0.0.1:8080" }, body: Buffer.alloc(0) }
    const at = (time: number) => Sigv4.verifier({ developers: [developer], now: () => time })
    expect(await verify(request, { presigned: true })).toBeDefined()
    expect(await verify(request)).toBeUndefined()
    expect(await at(now - 14 * 60_000)(request, { presigned: true })).toBeDefined()
    expect(await at(now - 16 * 60_000)(request, { presigned: true })).toBeUndefined()
    expect(await at(now + 600_000)(request, { presigned: true })).toBeDefined()
    expect(await at(now + 600_001)(request, { presigned: true })).toBeUndefined()
  })

  it("answers a presigned request 403 on the route of an operation: only the events route takes one", async () => {
    const sync = createCognitoSync({ tokenSecret: "sigv4 test secret 0123456" })
    try {
      const handler = Handler.make({ sync, developers: [developer], now: () => now })
      const signer = new SignatureV4({ service: "cognito-sync", region: "us-east-1", credentials: developer, sha256: Hash.bind(null, "sha256") })
      const records = "/identitypools/us-east-1%3Aabc/identities/us-east-1%3A01/datasets/settings/records"
      const request = { method: "GET", protocol: "http:", hostname: "127.0.0.1", port: 8080, path: records, query: {}, headers: { host: "127.0.0.1:8080" } }
      const signed = await signer.sign(request, { signingDate: new Date(now) })
      const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]))
      expect((await handler.handle({ method: "GET", url: records, headers })).status).toBe(200)
      const presigned = await signer.presign(request, { signingDate: new Date(now) })
      const search = new URLSearchParams(presigned.query as { [name: string]: string }).toString()
      const answer = await handler.handle({ method: "GET", url: `${records}?${search}`, headers: { host: "127.0.0.1:8080" } })
      expect({ status: answer.status, type: answer.headers["x-amzn-ErrorType"] }).toEqual({ status: 403, type: "NotAuthorizedException" })
    } finally {
      await sync.close()
    }
  })
})
