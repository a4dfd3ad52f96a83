/**
 * The requests of the fuzz: plans drawn by fast-check (an operation, an identity, a dataset, a
 * mutation), each made into a request from what the identities learned from earlier answers
 * (their sync session tokens, consumed tokens, devices and sync counts).
 */
import type fc from "fast-check"
import { type Credentials, label, type RawRequest, type RawResponse, requestBytes } from "./wire.js"

export type Op =
  | "listRecords" | "updateRecords" | "describeDataset" | "deleteDataset" | "listDatasets" | "describeIdentityUsage"
  | "registerDevice" | "subscribe" | "unsubscribe" | "victimRead" | "poolRead" | "poolWrite"

export type Mutation =
  | { readonly kind: "none" }
  | { readonly kind: "flipAfterSigning" | "flipBeforeSigning"; readonly part: "path" | "query" | "header" | "body"; readonly at: number; readonly to: number }
  | { readonly kind: "swapIdentity"; readonly who: "actor" | "victim" | "limited" | "developer" }
  | { readonly kind: "replayToken"; readonly which: "consumed" | "foreign" }
  | { readonly kind: "oversize"; readonly what: "value" | "body" | "key" | "header" | "query" | "nested" | "many" }
  | { readonly kind: "random"; readonly seed: number }
  | { readonly kind: "rawBytes"; readonly at: number; readonly to: number }

export interface Plan {
  readonly op: Op
  readonly actor: number
  readonly dataset: number
  readonly keys: ReadonlyArray<number>
  readonly remove: boolean
  readonly value: string
  readonly pageSize: number
  readonly mutation: Mutation
}

export const PREFIX = "/fuzz"
const DATASETS = ["d0", "d1", "d:2.x-y_z"]
export const VICTIM_DATASETS = ["victim", "other"]

export const plans = (fast: typeof fc) => {
  const flip = (kind: "flipAfterSigning" | "flipBeforeSigning") =>
    fast.record({
      kind: fast.constant(kind),
      part: fast.constantFrom("path" as const, "query" as const, "header" as const, "body" as const),
      at: fast.nat(),
      to: fast.nat()
    })
  const mutation: fc.Arbitrary<Mutation> = fast.oneof(
    { weight: 30, arbitrary: fast.constant({ kind: "none" as const }) },
    { weight: 15, arbitrary: flip("flipAfterSigning") },
    { weight: 15, arbitrary: flip("flipBeforeSigning") },
    { weight: 20, arbitrary: fast.record({ kind: fast.constant("swapIdentity" as const), who: fast.constantFrom("actor" as const, "victim" as const, "limited" as const, "developer" as const) }) },
    { weight: 8, arbitrary: fast.record({ kind: fast.constant("replayToken" as const), which: fast.constantFrom("consumed" as const, "foreign" as const) }) },
    { weight: 3, arbitrary: fast.record({ kind: fast.constant("oversize" as const), what: fast.constantFrom("value" as const, "body" as const, "key" as const, "header" as const, "query" as const, "nested" as const, "many" as const) }) },
    { weight: 15, arbitrary: fast.record({ kind: fast.constant("random" as const), seed: fast.nat() }) },
    { weight: 1, arbitrary: fast.record({ kind: fast.constant("rawBytes" as const), at: fast.nat(), to: fast.nat() }) }
  )
  const op = fast.constantFrom<Op>(
    "listRecords", "listRecords", "updateRecords", "updateRecords", "updateRecords", "describeDataset", "deleteDataset",
    "listDatasets", "describeIdentityUsage", "registerDevice", "subscribe", "unsubscribe", "victimRead", "poolRead", "poolWrite"
  )
  return fast.record({
    op,
    actor: fast.nat(1),
    dataset: fast.nat(DATASETS.length - 1),
    keys: fast.array(fast.nat(5), { minLength: 0, maxLength: 4 }),
    remove: fast.boolean(),
    value: fast.string({ maxLength: 40 }),
    pageSize: fast.integer({ min: 1, max: 5 }),
    mutation
  })
}

/** One printable ASCII character other than a space, chosen by `to`. */
const printable = (to: number) => String.fromCharCode(33 + (to % 94))
const flipAt = (text: string, from: number, at: number, to: number): string => {
  if (text.length <= from) return text
  const index = from + (at % (text.length - from))
  return text.slice(0, index) + printable(to) + text.slice(index + 1)
}

/** What an identity of the fuzz has learned from its answers: its tokens and its devices. */
export interface Learned {
  readonly tokens: Map<string, Array<string>>
  readonly consumed: Array<string>
  readonly devices: Array<string>
  readonly syncCounts: Map<string, number>
}

export const learned = (): Learned => ({ tokens: new Map(), consumed: [], devices: [], syncCounts: new Map() })

/** An identity of the fuzz: an actor, which writes its own data, or a victim, whose data no request may change. */
export interface FuzzIdentity {
  readonly identityId: string
  readonly credentials: Credentials
  readonly learned: Learned
}

/** Everything a plan is made into a request with. */
export interface World {
  readonly fast: typeof fc
  readonly endpoint: string
  readonly pool: string
  readonly actors: ReadonlyArray<FuzzIdentity>
  readonly victims: ReadonlyArray<FuzzIdentity>
  readonly developer: Credentials
  readonly limited: Credentials
  /** random requests, from `fuzzRequests` */
  readonly randomRequests: fc.Arbitrary<RawRequest>
}

/** The path of a dataset. */
export const datasetPathOf = (pool: string, identityId: string, dataset: string): string =>
  `/identitypools/${label(pool)}/identities/${label(identityId)}/datasets/${label(dataset)}`

/** The request a plan stands for, and what to learn from its answer. */
export const requestFor = (world: World, plan: Plan): { request: RawRequest; raw?: string; learn?: (response: RawResponse) => void } => {
  const { actors, developer, endpoint, fast, limited, pool, randomRequests, victims } = world
  const datasetPath = (identityId: string, dataset: string) => datasetPathOf(pool, identityId, dataset)
  const actor = actors[plan.actor]!
  const other = actors[1 - plan.actor]!
  const dataset = DATASETS[plan.dataset]!
  const base = datasetPath(actor.identityId, dataset)
  const tokens = actor.learned.tokens.get(dataset) ?? []
  const ids = `/identitypools/${label(pool)}/identities/${label(actor.identityId)}`
  let request: RawRequest
  let learn: ((response: RawResponse) => void) | undefined
  switch (plan.op) {
    case "listRecords": {
      const count = actor.learned.syncCounts.get(dataset) ?? 0
      request = { method: "GET", path: `${base}/records?lastSyncCount=${plan.keys.length === 0 ? 0 : count}&maxResults=${plan.pageSize}`, credentials: actor.credentials }
      learn = (response) => {
        const body = response.json as { SyncSessionToken?: string; DatasetSyncCount?: number }
        if (response.status !== 200 || body.SyncSessionToken === undefined) return
        actor.learned.tokens.set(dataset, [...tokens, body.SyncSessionToken].slice(-4))
        actor.learned.syncCounts.set(dataset, body.DatasetSyncCount ?? 0)
      }
      break
    }
    case "updateRecords": {
      const token = tokens[tokens.length - 1] ?? "no token yet"
      const count = actor.learned.syncCounts.get(dataset) ?? 0
      const patches = plan.keys.map((key) => plan.remove && key % 2 === 0
        ? { Op: "remove", Key: `k${key}`, SyncCount: count }
        : { Op: "replace", Key: `k${key}`, Value: plan.value, SyncCount: count, DeviceLastModifiedDate: 1700000000.5 })
      request = { method: "POST", path: base, body: JSON.stringify({ SyncSessionToken: token, DeviceId: "fuzz", RecordPatches: patches }), credentials: actor.credentials }
      learn = (response) => {
        if (response.status === 200) actor.learned.consumed.push(token)
        if (actor.learned.consumed.length > 8) actor.learned.consumed.shift()
      }
      break
    }
    case "describeDataset":
      request = { method: "GET", path: base, credentials: actor.credentials }
      break
    case "deleteDataset":
      request = { method: "DELETE", path: base, credentials: actor.credentials }
      break
    case "listDatasets":
      request = { method: "GET", path: `${ids}/datasets?maxResults=${plan.pageSize}`, credentials: actor.credentials }
      break
    case "describeIdentityUsage":
      request = { method: "GET", path: ids, credentials: actor.credentials }
      break
    case "registerDevice":
      request = {
        method: "POST",
        path: `/identitypools/${label(pool)}/identity/${label(actor.identityId)}/device`,
        body: JSON.stringify({ Platform: "GCM", Token: `token-${plan.keys[0] ?? 0}` }),
        credentials: actor.credentials
      }
      learn = (response) => {
        const id = (response.json as { DeviceId?: string }).DeviceId
        if (response.status === 200 && id !== undefined && !actor.learned.devices.includes(id)) actor.learned.devices.push(id)
      }
      break
    case "subscribe":
    case "unsubscribe": {
      const device = actor.learned.devices[plan.pageSize % Math.max(1, actor.learned.devices.length)] ?? "no-device"
      request = { method: plan.op === "subscribe" ? "POST" : "DELETE", path: `${base}/subscriptions/${label(device)}`, credentials: actor.credentials }
      break
    }
    case "victimRead": {
      const victim = victims[plan.actor]!
      const victimDataset = VICTIM_DATASETS[plan.dataset % VICTIM_DATASETS.length]!
      request = { method: "GET", path: `${datasetPath(victim.identityId, victimDataset)}/records`, credentials: victim.credentials }
      learn = (response) => {
        const token = (response.json as { SyncSessionToken?: string }).SyncSessionToken
        if (response.status === 200 && token !== undefined) victim.learned.tokens.set(victimDataset, [token])
      }
      break
    }
    case "poolRead": {
      const paths = [`/identitypools/${label(pool)}`, `/identitypools/${label(pool)}/configuration`, `/identitypools/${label(pool)}/events`, `/identitypools?maxResults=${plan.pageSize}`]
      request = { method: "GET", path: paths[plan.dataset % paths.length]!, credentials: developer }
      break
    }
    case "poolWrite": {
      const writes: ReadonlyArray<readonly [string, unknown]> = [
        [`/identitypools/${label(pool)}/events`, { Events: plan.remove ? {} : { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:none" } }],
        [`/identitypools/${label(pool)}/bulkpublish`, {}],
        [`/identitypools/${label(pool)}/getBulkPublishDetails`, {}]
      ]
      const [path, body] = writes[plan.dataset % writes.length]!
      request = { method: "POST", path, body: JSON.stringify(body), credentials: developer }
      break
    }
  }
  const mutation = plan.mutation
  switch (mutation.kind) {
    case "none":
      return { request, ...(learn === undefined ? {} : { learn }) }
    case "flipBeforeSigning":
    case "flipAfterSigning": {
      const change = (r: { path: string; headers: { [name: string]: string }; body: string | Buffer }) => {
        const question = r.path.indexOf("?")
        // the mount point stays: a request outside it is the application's, not the binding's
        const from = r.path.startsWith(`${PREFIX}/`) ? PREFIX.length + 1 : 1
        if (mutation.part === "path") r.path = flipAt(question < 0 ? r.path : r.path.slice(0, question), from, mutation.at, mutation.to) + (question < 0 ? "" : r.path.slice(question))
        else if (mutation.part === "query") r.path = question < 0 ? `${r.path}?${printable(mutation.to)}` : flipAt(r.path, question + 1, mutation.at, mutation.to)
        else if (mutation.part === "body") r.body = flipAt(r.body.toString(), 0, mutation.at, mutation.to)
        else {
          const names = Object.keys(r.headers).filter((name) => name.toLowerCase() !== "content-length")
          const name = names[mutation.at % Math.max(1, names.length)] ?? "X-Amz-Client-Context"
          r.headers[name] = flipAt(r.headers[name] ?? "e30=", 0, mutation.to, mutation.at)
        }
      }
      if (mutation.kind === "flipAfterSigning") return { request: { ...request, tamper: change } }
      const changed = { path: request.path, headers: { ...request.headers }, body: request.body ?? "" }
      change(changed)
      return { request: { ...request, path: changed.path, headers: changed.headers, body: changed.body } }
    }
    case "swapIdentity": {
      // another identity's credentials on this request, or this actor's on a victim's data
      if (mutation.who === "victim") {
        // on a victim's own dataset, a write with the victim's own token when one was seen
        const victim = victims[plan.actor]!
        const victimDataset = VICTIM_DATASETS[plan.dataset % VICTIM_DATASETS.length]!
        const path = request.path.replace(base, datasetPath(victim.identityId, victimDataset)).replace(label(actor.identityId), label(victim.identityId))
        const token = victim.learned.tokens.get(victimDataset)?.[0]
        const body = plan.op === "updateRecords" && token !== undefined
          ? JSON.stringify({ SyncSessionToken: token, RecordPatches: [{ Op: "replace", Key: "a", Value: "stolen", SyncCount: 1 }] })
          : request.body
        return { request: { ...request, path, ...(body === undefined ? {} : { body }) } }
      }
      const credentials: Credentials = mutation.who === "actor" ? other.credentials : mutation.who === "limited" ? limited : victims[0]!.credentials
      // a full developer may write anything: it only reads here
      return { request: { ...request, credentials, ...(mutation.who === "developer" ? { method: "GET", body: "" } : {}) } }
    }
    case "replayToken": {
      const token = mutation.which === "consumed"
        ? actor.learned.consumed[plan.pageSize % Math.max(1, actor.learned.consumed.length)]
        : [...victims, other].flatMap((someone) => [...someone.learned.tokens.values()].flat())[plan.pageSize]
      const body = JSON.stringify({ SyncSessionToken: token ?? "x", RecordPatches: [{ Op: "replace", Key: "k0", Value: plan.value, SyncCount: 0 }] })
      return { request: { method: "POST", path: base, body, credentials: actor.credentials } }
    }
    case "oversize": {
      const patch = (over: { [member: string]: unknown }) =>
        JSON.stringify({ SyncSessionToken: tokens[tokens.length - 1] ?? "x", RecordPatches: [{ Op: "replace", Key: "k0", Value: "v", SyncCount: 0, ...over }] })
      const bodies = {
        value: () => patch({ Value: "v".repeat(1_100_000) }),
        body: () => patch({ Value: "v".repeat(2_200_000) }),
        key: () => patch({ Key: "k".repeat(2_000) }),
        nested: () => `{"SyncSessionToken":"x","RecordPatches":${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
        many: () => `{"SyncSessionToken":"x","RecordPatches":[${Array(20_000).fill("0").join(",")}]}`
      }
      if (mutation.what === "header") return { request: { ...request, headers: { "X-Amz-Client-Context": "c".repeat(20_000) } } }
      if (mutation.what === "query") return { request: { method: "GET", path: `${base}/records?nextToken=${"n".repeat(12_000)}`, credentials: actor.credentials } }
      return { request: { method: "POST", path: base, body: bodies[mutation.what](), credentials: actor.credentials } }
    }
    case "random":
      return { request: fast.sample(randomRequests, { numRuns: 1, seed: mutation.seed })[0]! }
    case "rawBytes": {
      const bytes = requestBytes(endpoint, request)
      const head = bytes.indexOf("\r\n\r\n")
      // a byte of the request line or of a header other than content-length, the end of the head kept
      const lengthAt = bytes.toLowerCase().indexOf("content-length:")
      const mount = bytes.indexOf(`${PREFIX}/`)
      let index = mutation.at % head
      if (lengthAt >= 0 && index >= lengthAt && index < bytes.indexOf("\r\n", lengthAt)) index = 0
      if (index >= mount && index <= mount + PREFIX.length) index = 0
      if (bytes[index] === "\r" || bytes[index] === "\n") index = 0
      return { request, raw: bytes.slice(0, index) + printable(mutation.to) + bytes.slice(index + 1) }
    }
  }
}
