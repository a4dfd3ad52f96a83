/**
 * Fuzzing a running binding over a store: valid signed requests of every operation, most of
 * them mutated (a byte flipped in the path, query, a header or the body, before or after
 * signing; another identity's credentials; a consumed or foreign sync session token; oversized
 * values and bodies), beside random requests and broken raw bytes, while the store fails a
 * small fraction of its calls. Each answer is checked: no 5xx but InternalErrorException from an
 * injected fault, an AWS-shaped body with a request id, and no change to the data of the
 * identities the requests may not write. The heap is measured before and after.
 *
 * `npm run fuzz -- --requests 100000` runs it on every binding and store; a short pass runs in
 * `npm test`.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import type fc from "fast-check"
import { Caller, createCognitoSync, SyncStore } from "@syncalite/core"
import { type Handler, IdentityCredentials } from "@syncalite/http"
import { fuzzRequests } from "./internal/fuzz.js"
import { type Credentials, label, type RawRequest, type RawResponse, requestBytes, send, sendBytes } from "./internal/wire.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface FuzzingOptions {
  /** starts a server whose middleware, made with these options, is mounted at `prefix` (as `HttpSuite.Options["start"]`) */
  readonly start: (
    options: Omit<Handler.HandlerOptions, "authenticate">,
    prefix: string
  ) => Promise<{ readonly endpoint: string; readonly close: () => Promise<void> }>
  /** the store under test; memory by default. Built here, and released at the end */
  readonly store?: Layer.Layer<SyncStore.SyncStore, unknown>
  /** how many requests */
  readonly requests: number
  /** the share of store calls that fail with a StorageError; 0.01 by default */
  readonly faultRate?: number
  /** the seed of the requests and of the faults; random by default (printed in the report) */
  readonly seed?: number
  /** how much the heap may grow from after warming up to the end, when the process exposes `gc`; 32 MiB by default */
  readonly heapGrowth?: number
  /** told about progress, every 10% */
  readonly log?: (line: string) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface FuzzingReport {
  readonly seed: number
  readonly requests: number
  /** answers by status, and `none` for raw bytes the server closed the connection on without an answer */
  readonly statuses: { readonly [status: string]: number }
  /** requests by kind of mutation */
  readonly mutations: { readonly [kind: string]: number }
  /** store calls failed on purpose */
  readonly faults: number
  readonly milliseconds: number
  /** heap used after a garbage collection (when `--expose-gc`), in bytes, after warming up and at the end */
  readonly heapBefore: number
  readonly heapAfter: number
  /** what went wrong, the first 20 described */
  readonly failures: ReadonlyArray<string>
  readonly failureCount: number
}

type Op =
  | "listRecords" | "updateRecords" | "describeDataset" | "deleteDataset" | "listDatasets" | "describeIdentityUsage"
  | "registerDevice" | "subscribe" | "unsubscribe" | "victimRead" | "poolRead" | "poolWrite"

type Mutation =
  | { readonly kind: "none" }
  | { readonly kind: "flipAfterSigning" | "flipBeforeSigning"; readonly part: "path" | "query" | "header" | "body"; readonly at: number; readonly to: number }
  | { readonly kind: "swapIdentity"; readonly who: "actor" | "victim" | "limited" | "developer" }
  | { readonly kind: "replayToken"; readonly which: "consumed" | "foreign" }
  | { readonly kind: "oversize"; readonly what: "value" | "body" | "key" | "header" | "query" | "nested" | "many" }
  | { readonly kind: "random"; readonly seed: number }
  | { readonly kind: "rawBytes"; readonly at: number; readonly to: number }

interface Plan {
  readonly op: Op
  readonly actor: number
  readonly dataset: number
  readonly keys: ReadonlyArray<number>
  readonly remove: boolean
  readonly value: string
  readonly pageSize: number
  readonly mutation: Mutation
}

const PREFIX = "/fuzz"
const DATASETS = ["d0", "d1", "d:2.x-y_z"]
const VICTIM_DATASETS = ["victim", "other"]
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A store whose calls fail with a StorageError when `fault()` says so, before they reach it. */
const withFaults = (store: SyncStore.SyncStoreShape, fault: () => boolean): SyncStore.SyncStoreShape => {
  const wrapped: { [name: string]: unknown } = {}
  for (const [name, member] of Object.entries(store)) {
    wrapped[name] = typeof member !== "function"
      ? member
      : (...args: Array<unknown>) =>
        fault()
          ? Effect.fail(new SyncStore.StorageError({ message: `injected fault in ${name}` }))
          : (member as (...args: Array<unknown>) => unknown).apply(store, args)
  }
  return wrapped as unknown as SyncStore.SyncStoreShape
}

/** Whether an error was caused, at some depth, by a fault `withFaults` injected. */
const injected = (error: unknown): boolean => {
  for (let cause = error, depth = 0; typeof cause === "object" && cause !== null && depth < 8; depth++) {
    if (String((cause as { message?: unknown }).message).startsWith("injected fault")) return true
    cause = (cause as { cause?: unknown }).cause
  }
  return false
}

/** A small seeded generator (mulberry32), for the faults. */
const uniform = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const plans = (fast: typeof fc) => {
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
interface Learned {
  readonly tokens: Map<string, Array<string>>
  readonly consumed: Array<string>
  readonly devices: Array<string>
  readonly syncCounts: Map<string, number>
}

const learned = (): Learned => ({ tokens: new Map(), consumed: [], devices: [], syncCounts: new Map() })

/**
 * Runs the fuzz: starts the binding over the store, sends the requests, and answers the report.
 *
 * @since 0.1.0
 * @category running
 */
export const run = async (options: FuzzingOptions): Promise<FuzzingReport> => {
  const { default: fast } = await import("fast-check")
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
  const log = options.log ?? (() => undefined)
  const faultRate = options.faultRate ?? 0.01
  const chance = uniform(seed)
  let faults = 0
  let faulting = false
  const scope = Effect.runSync(Scope.make())
  const built = await Effect.runPromise(Layer.buildWithScope(options.store ?? SyncStore.layerMemory, scope))
  const raw = Context.get(built, SyncStore.SyncStore)
  const secret = `fuzz secret ${randomUUID()}`
  const sync = createCognitoSync({
    tokenSecret: secret,
    store: withFaults(raw, () => faulting && chance() < faultRate && ++faults > 0)
  })
  // the judge reads the store without faults
  const judge = createCognitoSync({ tokenSecret: secret, store: raw })
  const pool = `us-east-1:${randomUUID()}`
  const otherPool = `us-east-1:${randomUUID()}`
  const developer = { accessKeyId: `AKIDFUZZ${randomUUID().slice(0, 8).toUpperCase()}`, secretAccessKey: randomUUID() }
  const limited = { accessKeyId: `AKIDLIMITED${randomUUID().slice(0, 8).toUpperCase()}`, secretAccessKey: randomUUID() }
  const failures: Array<string> = []
  let failureCount = 0
  const fail = (what: string) => {
    failureCount++
    if (failures.length < 20) failures.push(what)
  }
  const target = await options.start({
    sync,
    onDefect: (defect) => {
      if (!injected(defect)) fail(`an internal error no injected fault explains: ${String(defect)}`)
    },
    developers: [{ ...developer, accountId: "123456789012" }, { ...limited, accountId: "limited", pools: [otherPool] }],
    identitySecret: secret
  }, PREFIX)
  const endpoint = target.endpoint
  const identity = () => {
    const identityId = `us-east-1:${randomUUID()}`
    return { identityId, credentials: IdentityCredentials.issueIdentityCredentials({ secret, identityPoolId: pool, identityId, ttlSeconds: 24 * 3600 }), learned: learned() }
  }
  const actors = [identity(), identity()]
  const victims = [identity(), identity()]
  const datasetPath = (identityId: string, dataset: string) =>
    `/identitypools/${label(pool)}/identities/${label(identityId)}/datasets/${label(dataset)}`

  try {
    // the victims' data, written once; no request of the fuzz may change it
    const admin = Caller.developer("123456789012")
    await judge.setIdentityPoolConfiguration({
      IdentityPoolId: pool,
      PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/fuzz"], RoleArn: "arn:aws:iam::123456789012:role/push" }
    }, admin)
    for (const victim of victims) {
      for (const dataset of VICTIM_DATASETS) {
        const ref = { IdentityPoolId: pool, IdentityId: victim.identityId, DatasetName: dataset }
        const { SyncSessionToken } = await judge.listRecords(ref, admin)
        await judge.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [{ Op: "replace", Key: "a", Value: "1", SyncCount: 0 }, { Op: "replace", Key: "b", Value: "2", SyncCount: 0 }] }, admin)
      }
    }
    const heads = async () =>
      JSON.stringify(await Promise.all(victims.map((victim) => raw.listDatasets(pool, victim.identityId).pipe(Effect.runPromise))))
    const full = async () =>
      JSON.stringify(await Promise.all(victims.flatMap((victim) =>
        VICTIM_DATASETS.map((dataset) => judge.listRecords({ IdentityPoolId: pool, IdentityId: victim.identityId, DatasetName: dataset }, admin).then((listed) => [listed.Records, listed.DatasetSyncCount]))
      )))
    const headsBefore = await heads()
    const fullBefore = await full()

    const randomRequests = fuzzRequests(fast, {
      pool,
      otherPool,
      victimId: victims[0]!.identityId,
      attackerId: actors[0]!.identityId,
      victim: victims[0]!.credentials,
      attacker: actors[0]!.credentials,
      limited
    })

    /** The request a plan stands for, and what to learn from its answer. */
    const requestOf = (plan: Plan): { request: RawRequest; raw?: string; learn?: (response: RawResponse) => void } => {
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

    const statuses = new Map<string, number>()
    const mutations = new Map<string, number>()
    const check = (plan: Plan, response: RawResponse | undefined, faultsDuring: number, describe: () => string) => {
      const status = response === undefined ? "none" : String(response.status)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      if (response === undefined) {
        // only raw bytes may get no answer: a request line broken beyond answering
        if (plan.mutation.kind !== "rawBytes") fail(`no answer to ${describe()}`)
        return
      }
      const type = response.headers["x-amzn-errortype"]
      if (response.status >= 500 && !(response.status === 500 && type === "InternalErrorException" && faultsDuring > 0)) {
        fail(`${response.status} ${String(type)} without an injected fault: ${describe()} → ${response.text.slice(0, 300)}`)
      }
      if (typeof response.headers["x-amzn-requestid"] !== "string" || !uuidPattern.test(response.headers["x-amzn-requestid"])) {
        fail(`no request id: ${describe()} → ${response.status}`)
      }
      if (!String(response.headers["content-type"]).startsWith("application/json")) fail(`not JSON: ${describe()} → ${response.status}`)
      const json = response.json as { __type?: unknown; message?: unknown } | undefined
      if (response.status >= 300) {
        if (json?.__type !== type || typeof json?.message !== "string" || Object.keys(json).length !== 2) {
          fail(`not an AWS error: ${describe()} → ${response.status} ${response.text.slice(0, 300)}`)
        }
      } else if (typeof json !== "object" || json === null) {
        fail(`not a JSON object: ${describe()} → ${response.status} ${response.text.slice(0, 300)}`)
      }
    }

    const arbitrary = plans(fast)
    const warmUp = Math.min(200, options.requests)
    let heapBefore = 0
    const started = performance.now()
    const batch = 1_000
    let sent = 0
    // the first change to a victim's data ends the run: what follows would only repeat it
    let breached = false
    faulting = true
    for (let from = 0; from < options.requests; from += batch) {
      const sample = fast.sample(arbitrary, { numRuns: Math.min(batch, options.requests - from), seed: seed + from })
      for (const plan of sample) {
        const made = requestOf(plan)
        sent++
        if (sent === warmUp) heapBefore = heap()
        if (sent % Math.max(1, Math.floor(options.requests / 10)) === 0) {
          log(`${sent}/${options.requests} requests, ${Math.round(performance.now() - started)} ms, ${faults} faults, ${failureCount} failures, heap ${Math.round(heap() / 1048576)} MiB`)
        }
        mutations.set(plan.mutation.kind, (mutations.get(plan.mutation.kind) ?? 0) + 1)
        const faultsBefore = faults
        const describe = () => JSON.stringify({ plan: { ...plan, value: plan.value.slice(0, 20) }, method: made.request.method, path: made.request.path.slice(0, 200) })
        let response: RawResponse | undefined
        try {
          response = made.raw === undefined ? await send(endpoint, made.request) : await sendBytes(endpoint, made.raw, { untilClosed: false })
        } catch (error) {
          // the client refusing to send what a mutation made (an invalid header) is not the server's doing
          if ((error as { code?: string }).code === "ERR_INVALID_CHAR" || (error as { code?: string }).code === "ERR_UNESCAPED_CHARACTERS") continue
          fail(`${(error as Error).message}: ${describe()}`)
          continue
        }
        check(plan, response, faults - faultsBefore, describe)
        if (response !== undefined) made.learn?.(response)
        if (made.request.method !== "GET" || plan.mutation.kind === "random" || plan.mutation.kind === "rawBytes") {
          faulting = false
          const now = await heads()
          faulting = true
          if (now !== headsBefore) {
            fail(`a victim's data changed: ${describe()} → ${response?.status}`)
            breached = true
            break
          }
        }
      }
      if (breached) break
    }
    faulting = false
    const milliseconds = Math.round(performance.now() - started)
    if (await full() !== fullBefore) fail("a victim's records changed during the run")
    // the server still serves
    const heapAfter = heap()
    const growth = options.heapGrowth ?? 32 * 1048576
    if (typeof (globalThis as { gc?: unknown }).gc === "function" && heapAfter - heapBefore > growth) {
      fail(`the heap grew from ${heapBefore} to ${heapAfter} bytes, more than ${growth}`)
    }
    const alive = await send(endpoint, { method: "GET", path: `${datasetPath(victims[0]!.identityId, "victim")}/records`, credentials: victims[0]!.credentials })
    if (alive.status !== 200) fail(`the server no longer serves: ${alive.status} ${alive.text.slice(0, 200)}`)
    return {
      seed,
      requests: sent,
      statuses: Object.fromEntries([...statuses].sort()),
      mutations: Object.fromEntries([...mutations].sort()),
      faults,
      milliseconds,
      heapBefore,
      heapAfter,
      failures,
      failureCount
    }
  } finally {
    await target.close()
    await sync.close()
    await judge.close()
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** The heap used, after a full collection when the process exposes one. */
const heap = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}
