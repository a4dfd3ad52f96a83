/**
 * Helpers for the record and dataset tests. Every test uses fresh random ids (and, for the
 * Effect API, its own service under a TestClock), so tests never share state.
 */
import { randomBytes } from "node:crypto"
import { Effect, TestClock, TestContext } from "effect"
import { Caller, CognitoSync, type CognitoSyncConfig, createCognitoSync, type CognitoSyncOptions } from "@syncalite/core"

export const tokenSecret = "record-tests-secret-0123456789"

/** Where the TestClock starts: a real-looking instant with a millisecond part. */
export const start = Date.UTC(2024, 4, 17, 9, 30, 12, 345)

export const hex = (bytes = 6): string => randomBytes(bytes).toString("hex")

/** A fresh `us-east-1:<hex>` id, valid as an identity pool id and as an identity id. */
export const newId = (): string => `us-east-1:${hex()}`

/** A fresh identity in a pool (a fresh pool unless given), with its caller and references. */
export const newIdentity = (pool: string = newId()) => {
  const identityId = newId()
  return {
    pool,
    identityId,
    caller: Caller.identity(pool, identityId),
    ids: { IdentityPoolId: pool, IdentityId: identityId },
    ref: (DatasetName: string = `ds_${hex(3)}`) => ({ IdentityPoolId: pool, IdentityId: identityId, DatasetName })
  }
}

export type Identity = ReturnType<typeof newIdentity>
export type DatasetInput = ReturnType<Identity["ref"]>

export const developer = Caller.developer("123456789012")

/**
 * Runs a program against a fresh in-memory service under Effect's TestClock, set to `start`.
 */
export const run = <A, E>(
  program: Effect.Effect<A, E, CognitoSync.CognitoSync>,
  config: Omit<CognitoSyncConfig.CognitoSyncConfigInput, "tokenSecret"> = {}
): Promise<A> =>
  Effect.runPromise(
    Effect.zipRight(TestClock.setTime(start), program).pipe(
      Effect.provide(CognitoSync.layerMemory({ config: { tokenSecret, ...config } })),
      Effect.provide(TestContext.TestContext)
    )
  )

export type Patch = {
  readonly Op: "replace" | "remove"
  readonly Key: string
  readonly Value?: string
  readonly SyncCount: number
  readonly DeviceLastModifiedDate?: Date
}

export const replace = (Key: string, Value: string, SyncCount: number, DeviceLastModifiedDate?: Date): Patch =>
  DeviceLastModifiedDate === undefined
    ? { Op: "replace", Key, Value, SyncCount }
    : { Op: "replace", Key, Value, SyncCount, DeviceLastModifiedDate }

export const remove = (Key: string, SyncCount: number): Patch => ({ Op: "remove", Key, SyncCount })

/** A client's write: a ListRecords for the token, then the UpdateRecords. */
export const write = (
  ref: DatasetInput,
  patches: ReadonlyArray<Patch>,
  caller: Caller.Caller = developer
) =>
  Effect.gen(function*() {
    const sync = yield* CognitoSync.CognitoSync
    const { SyncSessionToken } = yield* sync.listRecords(ref, caller)
    return yield* sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: patches }, caller)
  })

/** Brings a dataset to sync count `count` by writing keys `filler0`, `filler1`, … */
export const advanceTo = (ref: DatasetInput, count: number, caller: Caller.Caller = developer) =>
  Effect.forEach(
    Array.from({ length: count }, (_, i) => i),
    (i) => write(ref, [replace(`filler${i}`, `f${i}`, 0)], caller),
    { discard: true }
  )

/** Every record of a dataset, following NextToken. */
export const listAll = (ref: DatasetInput, LastSyncCount = 0, caller: Caller.Caller = developer) =>
  Effect.gen(function*() {
    const sync = yield* CognitoSync.CognitoSync
    const first = yield* sync.listRecords({ ...ref, LastSyncCount }, caller)
    const records = [...first.Records]
    let next = first.NextToken
    while (next !== undefined) {
      const page = yield* sync.listRecords({ ...ref, LastSyncCount, NextToken: next }, caller)
      records.push(...page.Records)
      next = page.NextToken
    }
    return { ...first, Records: records }
  })

/** `[Key, Value or null, SyncCount]` of records, sorted by key, for compact assertions. */
export const triples = (records: ReadonlyArray<{ readonly Key: string; readonly Value?: string; readonly SyncCount: number }>) =>
  records.map((r) => [r.Key, r.Value ?? null, r.SyncCount] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

/** A Promise-facade client; close it at the end of the test. */
export const facade = (options: CognitoSyncOptions = {}) => createCognitoSync({ tokenSecret, ...options })

/** The error a Promise rejects with; fails the test when it resolves. */
export const rejectionOf = async (promise: Promise<unknown>): Promise<Error & { readonly status: number }> => {
  try {
    await promise
  } catch (error) {
    return error as Error & { readonly status: number }
  }
  throw new Error("expected the call to fail, but it succeeded")
}

/**
 * Other spellings of a token's MAC (its last dot-separated part) that Node's base64 decoder
 * reads as the same bytes: padded, with trailing junk, in the standard alphabet, after a
 * doubled dot.
 */
export const respellings = (token: string): ReadonlyArray<string> => {
  const dot = token.lastIndexOf(".")
  const head = token.slice(0, dot)
  const mac = token.slice(dot + 1)
  return [`${token}=`, `${token}!!`, `${head}.${Buffer.from(mac, "base64url").toString("base64")}`, `${head}..${mac}`]
}
