/**
 * The verifier against the signers it must agree with: random requests signed by
 * `@smithy/signature-v4` (headers and presigned), by the AWS SDK v2 signer and by the v3 client
 * itself verify, and any one change to what is signed (the method, a byte of the path, of a query
 * name or value, of a signed header, of the body, a digit of the date, a character of the
 * credential, of the signed header list or of the signature) does not.
 */
import { createHash } from "node:crypto"
import { createRequire } from "node:module"
import * as v3 from "@aws-sdk/client-cognito-sync"
import { Hash } from "@smithy/hash-node"
import { SignatureV4 } from "@smithy/signature-v4"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Caller } from "@syncalite/core"
import { issueIdentityCredentials, Sigv4 } from "@syncalite/http"

const now = Date.UTC(2025, 5, 1, 12, 0, 0)
const secret = "identity secret, 16+ characters"
const developer = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
const developerCaller: Caller.Caller = { kind: "developer", accountId: "123456789012" }
const verifyAt = (clock: () => number) => Sigv4.verifier({ developers: [{ ...developer, accountId: "123456789012" }], identitySecret: secret, now: clock })
const verify = verifyAt(() => now)

type Credentials = { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }

/** A request as the server receives it, in parts, so that one byte of any part can be changed. */
interface Received {
  readonly method: string
  /** as sent: percent-encoded */
  readonly path: string
  /** percent-decoded, in order */
  readonly query: ReadonlyArray<readonly [string, string]>
  /** lower-case names */
  readonly headers: { readonly [name: string]: string }
  readonly body: Buffer
}

/** The request as handed to the verifier: the query written once more, its own way (space as %20, `+` as %2B). */
const asSigned = (request: Received): Sigv4.SignedRequest => {
  const search = new URLSearchParams(request.query.map(([name, value]): [string, string] => [name, value])).toString().replaceAll("+", "%20")
  return { method: request.method, url: search === "" ? request.path : `${request.path}?${search}`, headers: request.headers, body: request.body }
}

const lowerCased = (headers: { readonly [name: string]: unknown }) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]))

const pairsOf = (query: { readonly [name: string]: string | ReadonlyArray<string> | null | undefined }) =>
  Object.entries(query).flatMap(([name, value]) =>
    value === null || value === undefined ? [] : typeof value === "string" ? [[name, value] as const] : value.map((item) => [name, item] as const)
  )

const queryObject = (pairs: ReadonlyArray<readonly [string, string]>) => {
  const query: { [name: string]: string | Array<string> } = Object.create(null)
  for (const [name, value] of pairs) {
    const seen = query[name]
    query[name] = seen === undefined ? value : [...(typeof seen === "string" ? [seen] : seen), value]
  }
  return query
}

// ---------------------------------------------------------------------------------------------
// one change to what is signed

const methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const printable = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join("")

/** `text` with the character at one of the positions `allowed` accepts replaced by another from `alphabet`. */
const changed = (text: string, at: number, pick: number, alphabet: string, allowed: (c: string, i: number) => boolean): string | undefined => {
  const characters = Array.from(text)
  const positions = characters.flatMap((c, i) => allowed(c, i) ? [i] : [])
  if (positions.length === 0) return undefined
  const i = positions[at % positions.length]!
  const choices = alphabet.replace(characters[i]!, "")
  characters[i] = choices[pick % choices.length]!
  return characters.join("")
}

/**
 * Whether a position of a path (ASCII, as sent) is in a segment its normalization keeps: a byte of
 * a segment that `..` removes is not signed, whatever it is.
 */
const keptByNormalization = (path: string) => {
  const kept: Array<readonly [number, number]> = []
  let offset = 0
  for (const part of path.split("/")) {
    if (part === "..") kept.pop()
    else if (part !== "" && part !== ".") kept.push([offset, offset + part.length])
    offset += part.length + 1
  }
  return (i: number) => kept.some(([start, end]) => i >= start && i < end)
}

interface Change {
  readonly site: number
  readonly at: number
  readonly pick: number
}

const change = fc.record({ site: fc.nat(), at: fc.nat(), pick: fc.nat() })

/** Every way of changing one thing the request signs, given what it signs. */
const changes = (request: Received, signedHeaders: ReadonlyArray<string>): ReadonlyArray<(c: Change) => Received | undefined> => {
  const withHeader = (name: string, value: string | undefined) =>
    value === undefined ? undefined : { ...request, headers: { ...request.headers, [name]: value } }
  const withPair = (index: number, pair: readonly [string, string] | undefined) =>
    pair === undefined ? undefined : { ...request, query: request.query.map((old, i) => i === index ? pair : old) }
  const authorization = request.headers["authorization"]
  return [
    (c) => ({ ...request, method: methods.filter((m) => m !== request.method)[c.pick % (methods.length - 1)]! }),
    (c) => {
      const kept = keptByNormalization(request.path)
      const path = changed(request.path, c.at, c.pick, alphanumeric, (ch, i) => alphanumeric.includes(ch) && kept(i))
      return path === undefined ? undefined : { ...request, path }
    },
    ...request.query.flatMap(([name, value], index) => [
      (c: Change) => {
        const other = changed(name, c.at, c.pick, alphanumeric, () => true)
        return withPair(index, other === undefined ? undefined : [other, value])
      },
      (c: Change) => {
        const other = changed(value, c.at, c.pick, alphanumeric, () => true)
        return withPair(index, other === undefined ? undefined : [name, other])
      }
    ]),
    ...signedHeaders.map((name) => (c: Change) =>
      withHeader(name, name === "x-amz-date"
        ? changed(request.headers[name]!, c.at, c.pick, "0123456789", (ch) => ch >= "0" && ch <= "9")
        : changed(request.headers[name]!, c.at, c.pick, printable, (ch) => ch !== " " && ch !== "\t"))
    ),
    (c) => {
      if (request.body.length === 0) return undefined
      const body = Buffer.from(request.body)
      body[c.at % body.length]! ^= 1 + (c.pick % 255)
      return { ...request, body }
    },
    ...(authorization === undefined ? [] : [
      // the credential (key, day, region, service, terminator), the signed header list, the signature
      ...[/Credential=([^,]+)/, /SignedHeaders=([^,]+)/, /Signature=(\w+)/].map((part) => (c: Change) => {
        const match = part.exec(authorization)!
        const start = match.index + match[0].length - match[1]!.length
        const other = changed(match[1]!, c.at, c.pick, alphanumeric, (ch) => alphanumeric.includes(ch))
        return withHeader("authorization", other === undefined ? undefined : authorization.slice(0, start) + other + authorization.slice(start + match[1]!.length))
      })
    ])
  ]
}

/** Applies the change that `c` picks among those that apply to the request. */
const applyChange = (request: Received, signedHeaders: ReadonlyArray<string>, c: Change): Received => {
  const all = changes(request, signedHeaders)
  for (let k = 0; k < all.length; k++) {
    const result = all[(c.site + k) % all.length]!(c)
    if (result !== undefined) return result
  }
  throw new Error("no change applies")
}

const signedHeadersOf = (request: Received): ReadonlyArray<string> => {
  const list = /SignedHeaders=([^,]+)/.exec(request.headers["authorization"] ?? "")?.[1] ??
    request.query.find(([name]) => name === "X-Amz-SignedHeaders")?.[1]
  return list!.split(";")
}

// ---------------------------------------------------------------------------------------------
// random requests

const grapheme = (maxLength: number, minLength = 0) => fc.string({ unit: "grapheme", minLength, maxLength })
const segment = grapheme(12, 1).map(encodeURIComponent)
/** a path as a client sends it: labels percent-encoded, and for smithy also `.`, `..` and empty segments, which it normalizes */
const pathOf = (segments: fc.Arbitrary<string>) =>
  fc.tuple(fc.array(segments, { maxLength: 6 }), fc.boolean()).map(([parts, slash]) => `/${parts.join("/")}${slash && parts.length > 0 ? "/" : ""}`)
const headerValue = fc.stringMatching(/^[!-~](?:[ -~\t]{0,30}[!-~])?$/)
const headers = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,12}$/), headerValue, { maxKeys: 4 })
  .map((dictionary) => Object.fromEntries(Object.entries(dictionary).filter(([name]) => !name.startsWith("x-amz"))))
const region = fc.constantFrom("us-east-1", "eu-west-1", "ap-southeast-2")
const skew = fc.integer({ min: -14 * 60, max: 14 * 60 })
const identityCredentials = fc.constantFrom("us-east-1:01", "us-east-1:02").map((identityId) => ({
  credentials: issueIdentityCredentials({ secret, identityPoolId: "us-east-1:abc", identityId, now }) as Credentials,
  caller: { kind: "identity", identityPoolId: "us-east-1:abc", identityId } as Caller.Caller
}))
const who = fc.oneof(fc.constant({ credentials: developer as Credentials, caller: developerCaller }), identityCredentials)

const smithyRequest = fc.record({
  method: fc.constantFrom(...methods),
  path: pathOf(fc.oneof({ weight: 8, arbitrary: segment }, { weight: 1, arbitrary: fc.constantFrom(".", "..", "") })),
  query: fc.array(fc.tuple(grapheme(8), grapheme(12)), { maxLength: 5 })
    .map((pairs) => pairs.filter(([name]) => !name.toLowerCase().startsWith("x-amz-"))),
  headers,
  body: fc.oneof(fc.constant(""), grapheme(200), fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes))),
  contentSha256: fc.boolean(),
  region,
  skew,
  who
})

const smithySigner = (credentials: Credentials, region: string) =>
  new SignatureV4({ service: "cognito-sync", region, credentials, sha256: Hash.bind(null, "sha256"), uriEscapePath: true })

const toSmithy = (input: typeof smithyRequest extends fc.Arbitrary<infer A> ? A : never) => {
  const body = Buffer.from(input.body)
  return {
    method: input.method,
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 8080,
    path: input.path,
    query: queryObject(input.query),
    headers: {
      host: "127.0.0.1:8080",
      ...input.headers,
      ...(input.contentSha256 ? { "x-amz-content-sha256": createHash("sha256").update(body).digest("hex") } : {})
    },
    ...(body.length === 0 ? {} : { body })
  }
}

/** Checks that `request` verifies as `caller`, and once changed, does not. */
const holds = async (
  verifier: Sigv4.Verifier,
  request: Received,
  caller: Caller.Caller,
  c: Change,
  options?: Sigv4.VerifyOptions
) => {
  expect(await verifier(asSigned(request), options)).toEqual(caller)
  const other = applyChange(request, signedHeadersOf(request), c)
  expect(await verifier(asSigned(other), options)).toBeUndefined()
}

// ---------------------------------------------------------------------------------------------

describe("Sigv4.verifier, with the signers as oracle", () => {
  it("verifies requests smithy signs, and none changed after signing", async () => {
    await fc.assert(
      fc.asyncProperty(smithyRequest, change, async (input, c) => {
        const toSign = toSmithy(input)
        const signed = await smithySigner(input.who.credentials, input.region).sign(toSign, { signingDate: new Date(now + input.skew * 1000) })
        const request: Received = { method: input.method, path: input.path, query: input.query, headers: lowerCased(signed.headers), body: Buffer.from(input.body) }
        await holds(verify, request, input.who.caller, c)
      }),
      { numRuns: 300 }
    )
  })

  it("verifies presigned requests smithy signs, only when asked and until they expire, and none changed after signing", async () => {
    await fc.assert(
      fc.asyncProperty(smithyRequest, change, fc.integer({ min: 1, max: 604_800 }), async (input, c, expiresIn) => {
        const signingDate = now + input.skew * 1000
        const presigned = await smithySigner(input.who.credentials, input.region).presign(toSmithy(input), { signingDate: new Date(signingDate), expiresIn })
        const request: Received = {
          method: input.method,
          path: input.path,
          query: pairsOf(presigned.query ?? {}),
          headers: lowerCased(presigned.headers),
          body: Buffer.from(input.body)
        }
        await holds(verifyAt(() => signingDate), request, input.who.caller, c, { presigned: true })
        expect(await verifyAt(() => signingDate)(asSigned(request))).toBeUndefined()
        const expiry = signingDate + expiresIn * 1000
        // identity credentials last an hour: a presigned request lives no longer than its credentials
        if (input.who.caller.kind === "developer") expect(await verifyAt(() => expiry)(asSigned(request), { presigned: true })).toEqual(input.who.caller)
        expect(await verifyAt(() => expiry + 1)(asSigned(request), { presigned: true })).toBeUndefined()
      }),
      { numRuns: 150 }
    )
  })

  it("verifies requests the AWS SDK v2 signer signs, and none changed after signing", async () => {
    process.env["AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE"] ??= "1"
    const AWS = createRequire(import.meta.url)("aws-sdk")
    // the v2 signer neither normalizes the path nor sorts encoded query names: stock requests need neither
    const v2Request = fc.record({
      method: fc.constantFrom(...methods),
      path: pathOf(segment.filter((s) => s !== "." && s !== "..")),
      query: fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/), grapheme(12)), { maxLength: 5 }),
      headers,
      body: fc.oneof(fc.constant(""), grapheme(200)),
      region,
      skew,
      who
    })
    await fc.assert(
      fc.asyncProperty(v2Request, change, async (input, c) => {
        const received = { method: input.method, path: input.path, query: input.query, headers: {}, body: Buffer.from(input.body) }
        const signable = new AWS.HttpRequest(new AWS.Endpoint("http://127.0.0.1:8080"), input.region)
        signable.method = input.method
        signable.path = asSigned(received).url
        signable.body = input.body
        signable.headers = { Host: "127.0.0.1:8080", ...input.headers }
        new AWS.Signers.V4(signable, "cognito-sync", { signatureCache: false }).addAuthorization(
          new AWS.Credentials(input.who.credentials),
          new Date(now + input.skew * 1000)
        )
        await holds(verify, { ...received, headers: lowerCased(signable.headers) }, input.who.caller, c)
      }),
      { numRuns: 200 }
    )
  })

  it("verifies requests the v3 client sends, and none changed after signing", async () => {
    const label = grapheme(16, 1)
    const operation = fc.oneof(
      fc.record({
        IdentityPoolId: label,
        IdentityId: label,
        DatasetName: label,
        LastSyncCount: fc.option(fc.nat(), { nil: undefined }),
        MaxResults: fc.option(fc.nat(), { nil: undefined }),
        NextToken: fc.option(grapheme(20), { nil: undefined }),
        SyncSessionToken: fc.option(grapheme(20), { nil: undefined })
      }).map((input) => new v3.ListRecordsCommand(input)),
      fc.record({
        IdentityPoolId: label,
        IdentityId: label,
        DatasetName: label,
        SyncSessionToken: grapheme(20),
        ClientContext: fc.option(fc.base64String({ maxLength: 40 }), { nil: undefined }),
        RecordPatches: fc.array(fc.record({ Op: fc.constantFrom("replace" as const, "remove" as const), Key: grapheme(20, 1), Value: grapheme(40), SyncCount: fc.nat() }), { maxLength: 3 })
      }).map((input) => new v3.UpdateRecordsCommand(input)),
      fc.record({ IdentityPoolId: label, IdentityId: label, MaxResults: fc.option(fc.nat(), { nil: undefined }), NextToken: fc.option(grapheme(20), { nil: undefined }) })
        .map((input) => new v3.ListDatasetsCommand(input)),
      fc.record({ IdentityPoolId: label, IdentityId: label, DatasetName: label }).map((input) => new v3.DeleteDatasetCommand(input))
    )
    // the client signs at the time it sends: verified against the clock
    const verifyNow = verifyAt(Date.now)
    const who = fc.oneof(
      fc.constant({ credentials: developer as Credentials, caller: developerCaller }),
      fc.constant(undefined).map(() => ({
        credentials: issueIdentityCredentials({ secret, identityPoolId: "us-east-1:abc", identityId: "us-east-1:03" }) as Credentials,
        caller: { kind: "identity", identityPoolId: "us-east-1:abc", identityId: "us-east-1:03" } as Caller.Caller
      }))
    )
    await fc.assert(
      fc.asyncProperty(operation, region, who, change, async (command, region, signer, c) => {
        let sent: { method: string; path: string; query?: { [name: string]: string | Array<string> | null }; headers: { [name: string]: string }; body?: unknown } | undefined
        const client = new v3.CognitoSyncClient({
          region,
          endpoint: "http://127.0.0.1:8080",
          credentials: signer.credentials,
          maxAttempts: 1,
          requestHandler: {
            handle: async (request: NonNullable<typeof sent>) => {
              sent = request
              throw new Error("sent")
            }
          }
        })
        await expect(client.send(command as v3.ListRecordsCommand)).rejects.toThrow("sent")
        const request: Received = {
          method: sent!.method,
          path: sent!.path,
          query: pairsOf(sent!.query ?? {}),
          headers: lowerCased(sent!.headers),
          body: sent!.body === undefined ? Buffer.alloc(0) : Buffer.from(sent!.body as string | Uint8Array)
        }
        await holds(verifyNow, request, signer.caller, c)
      }),
      { numRuns: 100 }
    )
  })
})
