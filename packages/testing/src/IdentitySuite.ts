/**
 * The identity storage conformance suite: every `IdentityStore` adapter proves itself by running
 * it with one call. It registers vitest blocks that exercise the whole port — pools, identities,
 * login links, unlinking, merging, the signing key — and races requests where two devices would:
 * many GetId calls for one new login, concurrent pool updates, concurrent first signing keys.
 *
 * Each test works on fresh random pool and identity ids, so a store may be shared between tests
 * and runs: the suite never clears anything.
 *
 * @example
 * ```ts
 * import { IdentityStore } from "@syncalite/identity"
 * import { IdentitySuite } from "@syncalite/testing"
 *
 * IdentitySuite.run("memory", { make: IdentityStore.layerMemory })
 * IdentitySuite.run("my store", {
 *   make: async () => ({ store: await connect(), close: () => disconnect() }),
 *   capabilities: { crossProcess: true }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { createInterface } from "node:readline"
import { Cause, type Duration, Effect, Either, Exit, Layer, type Scope } from "effect"
import { describe, expect, it } from "vitest"
import { createCognitoSync, SyncStore } from "@syncalite/core"
import { createCognitoIdentity, IdentityStore } from "@syncalite/identity"
import type { Child } from "./Processes.js"
import { acquireStore } from "./internal/instances.js"

type Shape = IdentityStore.IdentityStoreShape
type StoredPool = IdentityStore.StoredPool
type Login = IdentityStore.Login

/**
 * What an adapter can do beyond the contract every store meets.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /**
   * Two instances from two calls of `make` share one state, as two processes over one backend
   * would: racing requests are then spread over both.
   */
  readonly crossProcess?: boolean
}

/**
 * One store instance, and how to release it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Instance {
  readonly store: Shape
  readonly close?: () => Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** a new store instance: a factory, or a layer built once per test in the test's scope */
  readonly make: (() => Promise<Instance>) | Layer.Layer<IdentityStore.IdentityStore, unknown>
  readonly capabilities?: Capabilities
  /** how many requests race in the concurrency tests; 16 by default */
  readonly contenders?: number
  /** the timeout of each test in milliseconds; 30 000 by default */
  readonly timeout?: number
}

const newId = (): string => `us-east-1:${randomUUID()}`

const acquire = (make: Options["make"]) => acquireStore(make, IdentityStore.IdentityStore)

interface Env {
  readonly store: Shape
  /** one store per process the adapter can stand for; the first is `store` */
  readonly stores: ReadonlyArray<Shape>
  readonly pool: string
  readonly now: () => number
}

const poolOf = (identityPoolId: string, changes: Partial<StoredPool> = {}): StoredPool => ({
  IdentityPoolId: identityPoolId,
  IdentityPoolName: "suite",
  AllowUnauthenticatedIdentities: true,
  ...changes
})

const login = (subject: string, provider = "accounts.example.com"): Login => ({ provider, subject })

const runBody = async (effect: Effect.Effect<void, unknown>): Promise<void> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
}

/**
 * Registers the suite.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = (name: string, options: Options): void => {
  const timeout = options.timeout ?? 30_000
  const contenders = options.contenders ?? 16
  const environment = Effect.gen(function*() {
    const store = yield* acquire(options.make)
    const stores = options.capabilities?.crossProcess === true ? [store, yield* acquire(options.make)] : [store]
    const pool = newId()
    yield* store.createPool(poolOf(pool))
    let clock = Date.now()
    return { store, stores, pool, now: () => (clock += 1000) } satisfies Env
  })
  const test = (title: string, body: (env: Env) => Effect.Effect<void, unknown, Scope.Scope>) =>
    it(title, () => runBody(Effect.scoped(Effect.flatMap(environment, body))), timeout)
  const storeOf = (env: Env, i: number) => env.stores[i % env.stores.length]!
  const newIdentity = (env: Env, identityId = newId()) =>
    Effect.as(
      env.store.createIdentity({
        identityId,
        identityPoolId: env.pool,
        logins: [],
        creationDate: env.now(),
        lastModifiedDate: env.now(),
        disabled: false
      }),
      identityId
    )

  describe(name, () => {
    describe("pools", () => {
      test("a created pool reads back as it was stored, in every instance", (env) =>
        Effect.gen(function*() {
          const id = newId()
          const pool = poolOf(id, {
            AllowUnauthenticatedIdentities: false,
            DeveloperProviderName: "login.example",
            SupportedLoginProviders: { "graph.facebook.com": "123" },
            IdentityPoolTags: { team: "sync" },
            Roles: { authenticated: "arn:aws:iam::123456789012:role/auth" },
            RoleMappings: { "graph.facebook.com": { Type: "Token", AmbiguousRoleResolution: "Deny" } },
            PrincipalTagMaps: { "graph.facebook.com": { UseDefaults: false, PrincipalTags: { a: "b" } } }
          })
          yield* env.store.createPool(pool)
          for (const store of env.stores) expect(yield* store.readPool(id)).toEqual(pool)
          expect(yield* env.store.readPool(newId())).toBeUndefined()
        }))

      test("updatePool applies an update atomically, keeps a refusal's pool, and answers undefined for no pool", (env) =>
        Effect.gen(function*() {
          const updated = yield* env.store.updatePool(env.pool, (pool) => Either.right({ ...pool, IdentityPoolName: "renamed" }))
          expect(updated?.IdentityPoolName).toBe("renamed")
          const refused = yield* Effect.either(env.store.updatePool(env.pool, () => Either.left("no" as const)))
          expect(refused).toEqual(Either.left("no"))
          expect((yield* env.store.readPool(env.pool))?.IdentityPoolName).toBe("renamed")
          expect(yield* env.store.updatePool(newId(), (pool) => Either.right(pool))).toBeUndefined()
        }))

      test("racing updates of one pool are all applied", (env) =>
        Effect.gen(function*() {
          yield* Effect.forEach(
            Array.from({ length: contenders }, (_, i) => i),
            (i) =>
              storeOf(env, i).updatePool(env.pool, (pool) =>
                Either.right({ ...pool, IdentityPoolTags: { ...pool.IdentityPoolTags, [`t${i}`]: String(i) } })),
            { concurrency: "unbounded", discard: true }
          )
          const tags = (yield* env.store.readPool(env.pool))?.IdentityPoolTags ?? {}
          expect(Object.keys(tags).sort()).toEqual(Array.from({ length: contenders }, (_, i) => `t${i}`).sort())
        }))

      test("deletePool removes the pool from reads and listings; a second delete answers false", (env) =>
        Effect.gen(function*() {
          expect(yield* env.store.deletePool(env.pool)).toBe(true)
          expect(yield* env.store.readPool(env.pool)).toBeUndefined()
          expect(yield* env.store.deletePool(env.pool)).toBe(false)
          const all = yield* env.store.listPools(undefined, 1_000_000)
          expect(all.items.map((pool) => pool.IdentityPoolId)).not.toContain(env.pool)
        }))

      test("listPools pages in id order from after a given id", (env) =>
        Effect.gen(function*() {
          const prefix = `eu-west-9:${randomUUID().slice(0, 8)}`
          const ids = ["0001", "0002", "0003"].map((n) => `${prefix}${n}`)
          for (const id of [...ids].reverse()) yield* env.store.createPool(poolOf(id))
          const first = yield* env.store.listPools(`${prefix}`, 2)
          expect(first.items.map((pool) => pool.IdentityPoolId)).toEqual(ids.slice(0, 2))
          expect(first.more).toBe(true)
          const second = yield* env.store.listPools(ids[1], 1)
          expect(second.items.map((pool) => pool.IdentityPoolId)).toEqual([ids[2]])
        }))
    })

    describe("identities", () => {
      test("a created identity reads back and is listed in its pool in id order", (env) =>
        Effect.gen(function*() {
          const ids = [newId(), newId(), newId()]
          for (const id of ids) yield* newIdentity(env, id)
          const read = yield* env.store.readIdentity(ids[0]!)
          expect(read).toMatchObject({ identityId: ids[0], identityPoolId: env.pool, logins: [], disabled: false })
          const sorted = [...ids].sort()
          const first = yield* env.store.listIdentities(env.pool, undefined, 2)
          expect(first.items.map((identity) => identity.identityId)).toEqual(sorted.slice(0, 2))
          expect(first.more).toBe(true)
          const rest = yield* env.store.listIdentities(env.pool, sorted[1], 2)
          expect(rest.items.map((identity) => identity.identityId)).toEqual(sorted.slice(2))
          expect(rest.more).toBe(false)
          expect((yield* env.store.listIdentities(newId(), undefined, 10)).items).toEqual([])
        }))

      test("deleteIdentity removes the identity, its listing and its logins' links", (env) =>
        Effect.gen(function*() {
          const id = newId()
          const alice = login(randomUUID())
          expect(yield* env.store.linkLogin(env.pool, alice, id, env.now())).toBe(id)
          const deleted = yield* env.store.deleteIdentity(id)
          expect(deleted?.logins).toEqual([alice])
          expect(yield* env.store.readIdentity(id)).toBeUndefined()
          expect(yield* env.store.findLogin(env.pool, alice)).toBeUndefined()
          expect((yield* env.store.listIdentities(env.pool, undefined, 60)).items).toEqual([])
          expect(yield* env.store.deleteIdentity(id)).toBeUndefined()
        }))
    })

    describe("logins", () => {
      test("linking a new login creates its identity; the same login answers the same identity after", (env) =>
        Effect.gen(function*() {
          const alice = login("alice/with:odd\ncharacters")
          const id = newId()
          const t = env.now()
          expect(yield* env.store.linkLogin(env.pool, alice, id, t)).toBe(id)
          expect(yield* env.store.readIdentity(id)).toEqual({
            identityId: id,
            identityPoolId: env.pool,
            logins: [alice],
            creationDate: t,
            lastModifiedDate: t,
            disabled: false
          })
          expect(yield* env.store.linkLogin(env.pool, alice, newId(), env.now())).toBe(id)
          expect(yield* env.store.findLogin(env.pool, alice)).toBe(id)
          expect(yield* env.store.findLogin(newId(), alice)).toBeUndefined()
          expect(yield* env.store.findLogin(env.pool, login("alice"))).toBeUndefined()
          expect((yield* env.store.listIdentities(env.pool, undefined, 60)).items.map((i) => i.identityId)).toEqual([id])
        }))

      test("a new login linked to an existing identity joins its logins, in provider order", (env) =>
        Effect.gen(function*() {
          const id = yield* newIdentity(env)
          const second = login("s", "z.example.com")
          const first = login("f", "a.example.com")
          expect(yield* env.store.linkLogin(env.pool, second, id, env.now())).toBe(id)
          expect(yield* env.store.linkLogin(env.pool, first, id, env.now())).toBe(id)
          expect((yield* env.store.readIdentity(id))?.logins).toEqual([first, second])
        }))

      test("racing links of one new login with different identities: one identity, answered to all", (env) =>
        Effect.gen(function*() {
          const alice = login(randomUUID())
          const candidates = Array.from({ length: contenders }, () => newId())
          const owners = yield* Effect.forEach(
            candidates,
            (candidate, i) => storeOf(env, i).linkLogin(env.pool, alice, candidate, env.now()),
            { concurrency: "unbounded" }
          )
          const owner = owners[0]!
          expect(new Set(owners)).toEqual(new Set([owner]))
          expect(candidates).toContain(owner)
          for (const store of env.stores) expect(yield* store.findLogin(env.pool, alice)).toBe(owner)
          const listed = (yield* env.store.listIdentities(env.pool, undefined, 60)).items
          expect(listed.map((identity) => identity.identityId)).toEqual([owner])
          expect(listed[0]?.logins).toEqual([alice])
        }))

      test("unlinkLogin removes the link; the last one disables the identity only when asked", (env) =>
        Effect.gen(function*() {
          const [a, b] = [login("a"), login("b")]
          const id = newId()
          yield* env.store.linkLogin(env.pool, a, id, env.now())
          yield* env.store.linkLogin(env.pool, b, id, env.now())
          expect(yield* env.store.unlinkLogin(id, a, env.now(), true)).toBe(true)
          expect(yield* env.store.findLogin(env.pool, a)).toBeUndefined()
          expect(yield* env.store.readIdentity(id)).toMatchObject({ logins: [b], disabled: false })
          expect(yield* env.store.unlinkLogin(id, a, env.now(), true)).toBe(false)
          expect(yield* env.store.unlinkLogin(newId(), b, env.now(), true)).toBe(false)
          expect(yield* env.store.unlinkLogin(id, b, env.now(), true)).toBe(true)
          expect(yield* env.store.readIdentity(id)).toMatchObject({ logins: [], disabled: true })

          const other = newId()
          yield* env.store.linkLogin(env.pool, a, other, env.now())
          expect(yield* env.store.unlinkLogin(other, a, env.now(), false)).toBe(true)
          expect(yield* env.store.readIdentity(other)).toMatchObject({ logins: [], disabled: false })
        }))

      test("a login linked to another identity is not unlinked through this one", (env) =>
        Effect.gen(function*() {
          const a = login("a")
          const owner = newId()
          yield* env.store.linkLogin(env.pool, a, owner, env.now())
          const other = yield* newIdentity(env)
          expect(yield* env.store.unlinkLogin(other, a, env.now(), false)).toBe(false)
          expect(yield* env.store.findLogin(env.pool, a)).toBe(owner)
        }))
    })

    describe("mergeIdentity", () => {
      test("moves the source's logins to the destination and removes the source", (env) =>
        Effect.gen(function*() {
          const [a, b] = [login("a"), login("b", "login.developer")]
          const source = newId()
          const destination = newId()
          yield* env.store.linkLogin(env.pool, a, source, env.now())
          yield* env.store.linkLogin(env.pool, b, destination, env.now())
          expect(yield* env.store.mergeIdentity(source, destination, env.now())).toBe(true)
          expect(yield* env.store.readIdentity(source)).toBeUndefined()
          expect((yield* env.store.readIdentity(destination))?.logins).toEqual([a, b])
          expect(yield* env.store.findLogin(env.pool, a)).toBe(destination)
          expect(yield* env.store.findLogin(env.pool, b)).toBe(destination)
          const listed = (yield* env.store.listIdentities(env.pool, undefined, 60)).items
          expect(listed.map((identity) => identity.identityId)).toEqual([destination])
        }))

      test("answers false and changes nothing when either identity is missing", (env) =>
        Effect.gen(function*() {
          const a = login("a")
          const source = newId()
          yield* env.store.linkLogin(env.pool, a, source, env.now())
          expect(yield* env.store.mergeIdentity(source, newId(), env.now())).toBe(false)
          expect(yield* env.store.mergeIdentity(newId(), source, env.now())).toBe(false)
          expect(yield* env.store.mergeIdentity(source, source, env.now())).toBe(false)
          expect((yield* env.store.readIdentity(source))?.logins).toEqual([a])
          expect(yield* env.store.findLogin(env.pool, a)).toBe(source)
          expect((yield* env.store.pendingMerges()).filter((merge) => merge.source === source)).toEqual([])
        }))

      test("a merge is pending from its own step until mergeDone, in every process", (env) =>
        Effect.gen(function*() {
          const [first, second, survivor] = [newId(), newId(), newId()]
          for (const [i, id] of [first, second, survivor].entries()) yield* env.store.linkLogin(env.pool, login(`p${i}`), id, env.now())
          const firstAt = env.now()
          const secondAt = env.now()
          expect(yield* env.store.mergeIdentity(second, survivor, secondAt)).toBe(true)
          expect(yield* storeOf(env, 1).mergeIdentity(first, survivor, firstAt)).toBe(true)
          const mine = (merges: ReadonlyArray<IdentityStore.PendingMerge>) => merges.filter((merge) => merge.destination === survivor)
          for (const store of env.stores) {
            expect(mine(yield* store.pendingMerges())).toEqual([
              { identityPoolId: env.pool, source: first, destination: survivor, mergedAt: firstAt },
              { identityPoolId: env.pool, source: second, destination: survivor, mergedAt: secondAt }
            ])
          }
          yield* storeOf(env, 1).mergeDone(first)
          yield* env.store.mergeDone(newId())
          expect(mine(yield* env.store.pendingMerges()).map((merge) => merge.source)).toEqual([second])
          yield* env.store.mergeDone(second)
          expect(mine(yield* storeOf(env, 1).pendingMerges())).toEqual([])
        }))

      test("racing merges into one identity are each pending", (env) =>
        Effect.gen(function*() {
          const survivor = newId()
          yield* env.store.linkLogin(env.pool, login("survivor"), survivor, env.now())
          const sources = Array.from({ length: Math.min(contenders, 8) }, () => newId())
          for (const [i, source] of sources.entries()) yield* env.store.linkLogin(env.pool, login(`s${i}`), source, env.now())
          const now = env.now()
          const merged = yield* Effect.all(
            sources.map((source, i) => storeOf(env, i).mergeIdentity(source, survivor, now)),
            { concurrency: "unbounded" }
          )
          expect(merged.every(Boolean)).toBe(true)
          const pending = (yield* env.store.pendingMerges()).filter((merge) => merge.destination === survivor)
          expect(pending.map((merge) => merge.source).sort()).toEqual([...sources].sort())
          yield* Effect.all(sources.map((source, i) => storeOf(env, i).mergeDone(source)), { concurrency: "unbounded" })
          expect((yield* env.store.pendingMerges()).filter((merge) => merge.destination === survivor)).toEqual([])
        }))
    })

    describe("signingKey", () => {
      const candidate = (): IdentityStore.SigningKey => ({
        kid: randomUUID(),
        alg: "RS256",
        privateJwk: { kty: "RSA", d: randomUUID() },
        publicJwk: { kty: "RSA", n: randomUUID() }
      })

      test("racing first keys: every caller gets the one stored, and it stays; readSigningKey answers it", (env) =>
        Effect.gen(function*() {
          const candidates = Array.from({ length: contenders }, candidate)
          const answers = yield* Effect.forEach(candidates, (key, i) => storeOf(env, i).signingKey(key), {
            concurrency: "unbounded"
          })
          const kept = answers[0]!
          for (const answer of answers) expect(answer).toEqual(kept)
          expect(yield* env.store.signingKey(candidate())).toEqual(kept)
          expect(yield* storeOf(env, contenders - 1).readSigningKey()).toEqual(kept)
        }))
    })
  })
}

/**
 * The body of a child process of the cross-process login race: it prints "ready", waits for a
 * line on stdin (the start), then links each of the logins `racer-0` … `racer-<logins - 1>` of
 * the pool to a fresh identity of its own, all at once, prints the identities it was answered
 * as one JSON line and exits; it exits with 3 if its parent goes away.
 *
 * @since 0.1.0
 * @category cross-process tests
 */
export const loginRaceChild = async (
  store: Shape,
  options: { readonly pool: string; readonly logins: number; readonly close?: () => Promise<void> }
): Promise<never> => {
  const lines = createInterface({ input: process.stdin })
  lines.on("close", () => process.exit(3))
  process.stdout.write("ready\n")
  await new Promise<void>((resolve) => lines.once("line", () => resolve()))
  const owners = await Effect.runPromise(Effect.forEach(
    Array.from({ length: options.logins }, (_, i) => login(`racer-${i}`)),
    (racer) => store.linkLogin(options.pool, racer, newId(), Date.now()),
    { concurrency: "unbounded" }
  ))
  process.stdout.write(`${JSON.stringify(owners)}\n`)
  await options.close?.()
  return process.exit(0)
}

/**
 * The parent of the cross-process login race: creates a pool, starts the children that
 * `start(pool, logins)` spawns (each running `loginRaceChild`), starts them together, and checks
 * that every login got one identity, the same answered to every process and found by `store`,
 * and that the pool holds no other identity.
 *
 * @since 0.1.0
 * @category cross-process tests
 */
export const loginRace = async (
  store: Shape,
  start: (pool: string, logins: number) => ReadonlyArray<Child>,
  logins = 20
): Promise<void> => {
  const pool = newId()
  await Effect.runPromise(store.createPool(poolOf(pool)))
  const children = start(pool, logins)
  await Promise.all(children.map((child) => child.line((line) => line === "ready", 120_000)))
  for (const child of children) child.process.stdin.write("go\n")
  const answers: Array<Array<string>> = await Promise.all(
    children.map(async (child) => JSON.parse(await child.line((line) => line.startsWith("["), 60_000)))
  )
  for (const child of children) expect((await child.exited).code, child.stderr()).toBe(0)
  const owners = answers[0]!
  for (const answer of answers) expect(answer).toEqual(owners)
  for (let i = 0; i < logins; i++) {
    expect(await Effect.runPromise(store.findLogin(pool, login(`racer-${i}`)))).toBe(owners[i])
  }
  const listed = await Effect.runPromise(store.listIdentities(pool, undefined, logins + 1))
  expect(listed.items.map((identity) => identity.identityId)).toEqual([...owners].sort())
}

/**
 * The stores a service of the merge crash test runs on: layers over one backend, each building
 * connections of its own, as another process would.
 *
 * @since 0.1.0
 * @category cross-process tests
 */
export interface MergeBackends {
  readonly identityStore: Layer.Layer<IdentityStore.IdentityStore, unknown>
  readonly syncStore: Layer.Layer<SyncStore.SyncStore, unknown>
}

const mergeSecret = "merge-crash-secret-0123456789abcdef"
const mergeProvider = "login.merge.example"

/**
 * The body of the child process of the merge crash test: a service whose sync store kills its
 * process (SIGKILL) when asked to delete a moved dataset from its source, that is right after its
 * copy was written to the survivor. It prints "merging", merges the developer user `source` of
 * the pool into `destination`, and dies there.
 *
 * @since 0.1.0
 * @category cross-process tests
 */
export const mergeCrashChild = async (backends: MergeBackends, pool: string): Promise<never> => {
  const dying = Layer.effect(
    SyncStore.SyncStore,
    Effect.map(SyncStore.SyncStore, (store): SyncStore.SyncStoreShape => ({
      ...store,
      deleteDatasetAt: () => Effect.zipRight(Effect.sync(() => process.kill(process.pid, "SIGKILL")), Effect.never)
    }))
  ).pipe(Layer.provide(backends.syncStore))
  const identity = createCognitoIdentity({ credentialsSecret: mergeSecret, store: backends.identityStore, syncStore: dying })
  process.stdout.write("merging\n")
  await identity.mergeDeveloperIdentities({
    IdentityPoolId: pool,
    DeveloperProviderName: mergeProvider,
    SourceUserIdentifier: "source",
    DestinationUserIdentifier: "destination"
  })
  process.stdout.write("merged\n")
  return process.exit(0)
}

/**
 * The parent of the merge crash test: two developer users with a dataset `settings` each; the
 * child that `start(pool)` spawns (running `mergeCrashChild`) merges them and is killed between
 * the copy of the source's dataset and its deletion, leaving it in both identities; the source
 * writes once more with its still valid credentials; then a new service over the same stores
 * finishes the merge with its sweep: the dataset only in the survivor, as
 * `settings.<source>`, with every write.
 *
 * @since 0.1.0
 * @category cross-process tests
 */
export const mergeCrash = async (backends: MergeBackends, start: (pool: string) => Child): Promise<void> => {
  const sync = createCognitoSync({ tokenSecret: mergeSecret, store: backends.syncStore })
  const service = (mergeSweepInterval: Duration.DurationInput) =>
    createCognitoIdentity({ credentialsSecret: mergeSecret, store: backends.identityStore, syncStore: backends.syncStore, mergeSweepInterval })
  const first = service("1 hour")
  let firstOpen = true
  let resumed: ReturnType<typeof service> | undefined
  try {
    const { IdentityPoolId } = await first.createIdentityPool({
      IdentityPoolName: "merge",
      AllowUnauthenticatedIdentities: false,
      DeveloperProviderName: mergeProvider
    })
    const identityOf = async (user: string) =>
      (await first.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId, Logins: { [mergeProvider]: user } })).IdentityId!
    const [source, destination] = [await identityOf("source"), await identityOf("destination")]
    const ref = (IdentityId: string, DatasetName = "settings") => ({ IdentityPoolId, IdentityId, DatasetName })
    const write = async (IdentityId: string, values: { readonly [key: string]: string }) => {
      const { SyncSessionToken } = await sync.listRecords(ref(IdentityId))
      await sync.updateRecords({
        ...ref(IdentityId),
        SyncSessionToken,
        RecordPatches: Object.entries(values).map(([Key, Value]) => ({ Op: "replace" as const, Key, Value, SyncCount: 0 }))
      })
    }
    const names = async (IdentityId: string) =>
      ((await sync.listDatasets({ IdentityPoolId, IdentityId })).Datasets ?? []).map((dataset) => dataset.DatasetName)
    const values = async (IdentityId: string, DatasetName: string) =>
      Object.fromEntries(((await sync.listRecords(ref(IdentityId, DatasetName))).Records ?? []).map((record) => [record.Key, record.Value]))
    await write(source, { a: "1", b: "2" })
    await write(destination, { mine: "1" })

    const child = start(IdentityPoolId)
    const exit = await child.exited
    expect(child.lines, child.stderr()).toContain("merging")
    expect(child.lines).not.toContain("merged")
    expect(exit.signal).toBe("SIGKILL")
    const merged = `settings.${source}`
    expect(await names(destination)).toEqual(["settings", merged])
    expect(await names(source)).toEqual(["settings"])
    expect((await first.lookupDeveloperIdentity({ IdentityPoolId, DeveloperUserIdentifier: "source" })).IdentityId).toBe(destination)
    await write(source, { c: "3" })
    firstOpen = false
    await first.close()

    resumed = service("200 millis")
    for (let i = 0; i < 200 && (await names(source)).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await names(source)).toEqual([])
    expect(await names(destination)).toEqual(["settings", merged])
    expect(await values(destination, merged)).toEqual({ a: "1", b: "2", c: "3" })
    expect(await values(destination, "settings")).toEqual({ mine: "1" })
  } finally {
    await resumed?.close()
    if (firstOpen) await first.close()
    await sync.close()
  }
}
