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
import { Caller, createCognitoSync, SyncStore } from "@syncalite/core"
import { type Handler, IdentityCredentials } from "@syncalite/http"
import { fuzzRequests } from "./internal/fuzz.js"
import { datasetPathOf, learned, PREFIX, type Plan, plans, requestFor, VICTIM_DATASETS, type World } from "./internal/fuzzPlans.js"
import { type RawResponse, send, sendBytes } from "./internal/wire.js"

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
  const datasetPath = (identityId: string, dataset: string) => datasetPathOf(pool, identityId, dataset)

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

    const world: World = {
      fast,
      endpoint,
      pool,
      actors,
      victims,
      developer,
      limited,
      randomRequests: fuzzRequests(fast, {
        pool,
        otherPool,
        victimId: victims[0]!.identityId,
        attackerId: actors[0]!.identityId,
        victim: victims[0]!.credentials,
        attacker: actors[0]!.credentials,
        limited
      })
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
        const made = requestFor(world, plan)
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
