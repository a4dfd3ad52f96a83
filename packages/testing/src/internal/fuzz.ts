/**
 * Random and mutated requests for the HTTP fuzz test: route-shaped paths with random labels,
 * queries, headers and bodies (JSON, near-JSON, garbage), sent unsigned, signed by a caller that
 * may not touch the victim, or signed and then tampered with. The victim's own credentials only
 * sign reads.
 */
import type fc from "fast-check"
import type { Credentials, RawRequest } from "./wire.js"

type FastCheck = typeof fc

export interface FuzzContext {
  readonly pool: string
  readonly otherPool: string
  readonly victimId: string
  readonly attackerId: string
  readonly victim: Credentials
  readonly attacker: Credentials
  readonly limited: Credentials
}

/** The routes of the API, with their methods. */
const routes: ReadonlyArray<readonly [method: string, template: string]> = [
  ["GET", "/identitypools"],
  ["GET", "/identitypools/{P}"],
  ["GET", "/identitypools/{P}/identities/{I}"],
  ["GET", "/identitypools/{P}/identities/{I}/datasets"],
  ["GET", "/identitypools/{P}/identities/{I}/datasets/{D}"],
  ["POST", "/identitypools/{P}/identities/{I}/datasets/{D}"],
  ["DELETE", "/identitypools/{P}/identities/{I}/datasets/{D}"],
  ["GET", "/identitypools/{P}/identities/{I}/datasets/{D}/records"],
  ["POST", "/identitypools/{P}/identity/{I}/device"],
  ["POST", "/identitypools/{P}/identities/{I}/datasets/{D}/subscriptions/{X}"],
  ["DELETE", "/identitypools/{P}/identities/{I}/datasets/{D}/subscriptions/{X}"],
  ["GET", "/identitypools/{P}/configuration"],
  ["POST", "/identitypools/{P}/configuration"],
  ["GET", "/identitypools/{P}/events"],
  ["POST", "/identitypools/{P}/events"],
  ["POST", "/identitypools/{P}/bulkpublish"],
  ["POST", "/identitypools/{P}/getBulkPublishDetails"]
]

const safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:%!$&'()*+,;=@"
const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("")

export const fuzzRequests = (fast: FastCheck, context: FuzzContext) => {
  const text = (chars: string, maxLength: number) =>
    fast.string({ unit: fast.constantFrom(...chars.split("")), maxLength })
  /** mostly absent: an absent value is a null, `weight` times more likely than a present one */
  const rarely = <A>(arbitrary: fc.Arbitrary<A>, weight: number) =>
    fast.oneof({ weight, arbitrary: fast.constant(null) }, { weight: 1, arbitrary })
  const id = fast.oneof(
    fast.constantFrom(context.pool, context.otherPool, context.victimId, context.attackerId),
    fast.uuid().map((uuid) => `us-east-1:${uuid}`),
    text(safe, 70),
    fast.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent)
  )
  const labelValue = fast.oneof(
    { weight: 3, arbitrary: id.map((value) => value.replaceAll(":", "%3A")) },
    { weight: 1, arbitrary: fast.constantFrom("victim", "mine", "d:1.x-y_z", "%2F", "%", "%zz", "..", ".", "a%00b", "x".repeat(200)) }
  )
  const encoded = (value: string) => value.replaceAll(":", "%3A")
  const path = fast.oneof(
    { weight: 10, arbitrary: fast.tuple(fast.constantFrom(...routes), labelValue, labelValue, labelValue, labelValue) },
    { weight: 1, arbitrary: fast.array(text(safe, 12), { maxLength: 8 }).map((segments) => [["GET", `/${segments.join("/")}`] as const, "", "", "", ""] as const) },
    { weight: 1, arbitrary: fast.constantFrom("/", "//identitypools", "/identitypools//", "/identitypools/.%2e/", "/?", "/identitypools?maxResults=").map((raw) => [["GET", raw] as const, "", "", "", ""] as const) }
  )
  const query = fast.array(
    fast.tuple(
      fast.oneof(fast.constantFrom("maxResults", "nextToken", "lastSyncCount", "syncSessionToken"), text(safe, 10)),
      fast.oneof(fast.integer({ min: -5, max: 5000 }).map(String), text(safe, 40), fast.constantFrom("", "1e3", "0x10", "NaN", "99999999999999999999"))
    ),
    { maxLength: 4 }
  ).map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`))
  const patch = fast.record({
    Op: fast.oneof(fast.constantFrom("replace", "remove"), fast.jsonValue()),
    Key: fast.oneof(fast.constantFrom("a", "b", "__proto__", "constructor"), fast.string({ maxLength: 30 }), fast.jsonValue()),
    Value: fast.oneof(fast.string({ maxLength: 50 }), fast.jsonValue()),
    SyncCount: fast.oneof(fast.integer({ min: -2, max: 5 }), fast.jsonValue(), fast.double()),
    DeviceLastModifiedDate: fast.oneof(fast.double(), fast.jsonValue())
  }, { requiredKeys: [] })
  const body = fast.oneof(
    { weight: 3, arbitrary: fast.record({
      SyncSessionToken: fast.oneof(fast.string({ maxLength: 40 }), fast.jsonValue()),
      DeviceId: fast.oneof(fast.string({ maxLength: 20 }), fast.jsonValue()),
      RecordPatches: fast.oneof(fast.array(patch, { maxLength: 4 }), fast.jsonValue()),
      Platform: fast.oneof(fast.constantFrom("GCM", "APNS", "ADM", "FOO"), fast.jsonValue()),
      Token: fast.oneof(fast.string({ maxLength: 20 }), fast.jsonValue()),
      Events: fast.oneof(fast.dictionary(fast.string({ maxLength: 12 }), fast.string({ maxLength: 30 }), { maxKeys: 3 }), fast.jsonValue()),
      PushSync: fast.jsonValue(),
      CognitoStreams: fast.jsonValue(),
      IdentityId: fast.constant(context.victimId)
    }, { requiredKeys: [] }).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fast.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fast.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fast.constant("") }
  )
  const headers = rarely(fast.dictionary(
    fast.constantFrom("content-type", "x-amz-client-context", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "authorization", "x-custom"),
    text(printable, 60).map((value) => value.trim()),
    { maxKeys: 2 }
  ), 3).map((value) => value ?? {})
  const method = rarely(fast.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"), 6)
  // most requests are coherent: the signer's own pool and identity, a dataset name that is valid
  const coherent = fast.integer({ min: 0, max: 9 }).map((n) => n < 7)
  const datasetName = fast.oneof(fast.constantFrom("victim", "d1", "d:2.x-y_z"), labelValue)
  const signer = fast.oneof(
    { weight: 1, arbitrary: fast.constantFrom("none", "stranger") },
    { weight: 4, arbitrary: fast.constant("attacker") },
    { weight: 3, arbitrary: fast.constant("limited") },
    { weight: 2, arbitrary: fast.constant("victim") }
  )
  const tamper = rarely(
    fast.oneof(
      fast.record({ kind: fast.constant("signature" as const), at: fast.nat(63) }),
      fast.record({ kind: fast.constant("body" as const), text: fast.string({ maxLength: 5 }) }),
      fast.record({ kind: fast.constant("path" as const), text: text(safe, 5) }),
      fast.record({ kind: fast.constant("header" as const), value: text(printable, 20) })
    ),
    3
  )

  return fast.record({ method, path, query, headers, body, signer, tamper, coherent, datasetName }).map((spec): RawRequest => {
    const [[routeMethod, template], p, i, d, x] = spec.path
    const chosen = spec.method ?? routeMethod
    // the victim may only read: every GET route is read-only
    const signerName = spec.signer === "victim" && chosen !== "GET" ? "attacker" : spec.signer
    const credentials = signerName === "victim"
      ? context.victim
      : signerName === "attacker"
      ? context.attacker
      : signerName === "limited"
      ? context.limited
      : signerName === "stranger"
      ? { accessKeyId: "AKIDSTRANGER", secretAccessKey: "not a configured key" }
      : undefined
    const own = signerName === "victim"
      ? [context.pool, context.victimId]
      : signerName === "attacker"
      ? [context.pool, context.attackerId]
      : signerName === "limited"
      ? [context.otherPool, context.attackerId]
      : [p, i]
    const labels = spec.coherent ? [encoded(own[0]!), encoded(own[1]!), spec.datasetName, x] : [p, i, d, x]
    const path = template.replace("{P}", labels[0]!).replace("{I}", labels[1]!).replace("{D}", labels[2]!).replace("{X}", labels[3]!)
    const tamper = spec.tamper
    return {
      method: chosen,
      path: path + spec.query,
      headers: spec.headers,
      body: chosen === "GET" ? "" : spec.body,
      ...(credentials === undefined ? {} : { credentials }),
      ...(tamper === null ? {} : {
        tamper: (request: { path: string; headers: { [name: string]: string }; body: string | Buffer }) => {
          switch (tamper.kind) {
            case "signature": {
              const auth = request.headers["Authorization"]
              if (auth !== undefined) {
                const at = auth.length - 64 + tamper.at
                request.headers["Authorization"] = auth.slice(0, at) + (auth[at] === "a" ? "b" : "a") + auth.slice(at + 1)
              }
              break
            }
            case "body":
              request.body = `${request.body}${tamper.text}`
              break
            case "path":
              request.path = `${request.path}${tamper.text}`
              break
            case "header":
              request.headers["X-Amz-Date"] = tamper.value.trim()
              break
          }
        }
      })
    }
  })
}
