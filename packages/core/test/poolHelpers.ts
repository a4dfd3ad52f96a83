/**
 * Helpers for the pool-level tests (sync trigger, push sync, streams, bulk publish, pool
 * configuration, events, authorization, usage). Every test builds its own service and uses
 * random ids, so tests never share state.
 */
import { randomUUID } from "node:crypto"
import { Effect, Layer, TestContext } from "effect"
import {
  Caller,
  CognitoSync,
  type CognitoSyncConfig,
  type PushNotifier,
  type StreamPublisher,
  type SyncStore,
  type SyncTrigger
} from "@syncalite/core"

export const tokenSecret = "pool-tests-secret-0123456789abcdef"

export const gcmArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/MyApp"
export const apnsArn = "arn:aws:sns:us-east-1:123456789012:app/APNS/MyApp"
export const roleArn = "arn:aws:iam::123456789012:role/CognitoSyncRole"
export const triggerArn = "arn:aws:lambda:us-east-1:123456789012:function:syncTrigger"

/** A fresh identity pool id or identity id, `us-east-1:<uuid>`. */
export const newId = (): string => `us-east-1:${randomUUID()}`

/** A pool with one identity, its caller and dataset references. */
export const newIdentity = (identityPoolId: string = newId()) => {
  const identityId = newId()
  return {
    identityPoolId,
    identityId,
    caller: Caller.identity(identityPoolId, identityId),
    ref: (DatasetName: string) => ({ IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName }),
    ids: { IdentityPoolId: identityPoolId, IdentityId: identityId }
  }
}

export type Identity = ReturnType<typeof newIdentity>

export const developer = Caller.developer("123456789012")

export type Services =
  | CognitoSync.CognitoSync
  | SyncStore.SyncStore
  | CognitoSyncConfig.CognitoSyncConfig
  | PushNotifier.PushNotifier
  | PushNotifier.PushNotifierMemory
  | StreamPublisher.StreamPublisher
  | StreamPublisher.StreamPublisherMemory
  | SyncTrigger.SyncTrigger

export interface TestOptions {
  readonly config?: Omit<CognitoSyncConfig.CognitoSyncConfigInput, "tokenSecret">
  readonly triggers?: { readonly [arn: string]: SyncTrigger.SyncTriggerFunction }
}

/** The in-memory service with a test clock. */
export const memory = (options: TestOptions = {}) =>
  CognitoSync.layerMemory({
    config: { tokenSecret, ...options.config },
    ...(options.triggers === undefined ? {} : { triggers: options.triggers })
  })

/** Runs a test program against a fresh in-memory service, under TestContext (TestClock at 0). */
export const runTest = <A, E>(
  program: Effect.Effect<A, E, Services>,
  options: TestOptions = {}
): Promise<A> =>
  Effect.runPromise(program.pipe(Effect.provide(memory(options)), Effect.provide(TestContext.TestContext)))

/** Runs a test program against a service built from custom layers, under TestContext. */
export const runWith = <A, E, R>(program: Effect.Effect<A, E, R>, layer: Layer.Layer<R, never, never>): Promise<A> =>
  Effect.runPromise(program.pipe(Effect.provide(layer), Effect.provide(TestContext.TestContext)))

type Patch = {
  readonly Op: "replace" | "remove"
  readonly Key: string
  readonly Value?: string
  readonly SyncCount: number
  readonly DeviceLastModifiedDate?: Date
}

/** ListRecords then UpdateRecords with its token, as a client does. */
export const write = (
  ref: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string },
  caller: Caller.Caller,
  patches: ReadonlyArray<Patch>,
  extra: { readonly DeviceId?: string } = {}
) =>
  Effect.gen(function*() {
    const sync = yield* CognitoSync.CognitoSync
    const { SyncSessionToken } = yield* sync.listRecords(ref, caller)
    return yield* sync.updateRecords({ ...ref, ...extra, SyncSessionToken, RecordPatches: patches }, caller)
  })

/** All records of a dataset as [key, value | null, syncCount], by key. */
export const records = (
  ref: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string },
  caller: Caller.Caller = developer
) =>
  Effect.gen(function*() {
    const sync = yield* CognitoSync.CognitoSync
    const out = yield* sync.listRecords(ref, caller)
    return out.Records.map((record) => [record.Key, record.Value ?? null, record.SyncCount] as const)
  })

/** Push sync configured with a GCM application (and nothing else). */
export const configurePush = (identityPoolId: string, ApplicationArns: ReadonlyArray<string> = [gcmArn]) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
    sync.setIdentityPoolConfiguration({ IdentityPoolId: identityPoolId, PushSync: { ApplicationArns } }, developer))

/** Cognito Streams ENABLED (or as given) on a stream. */
export const configureStreams = (
  identityPoolId: string,
  StreamName = "sync-stream",
  StreamingStatus: "ENABLED" | "DISABLED" = "ENABLED"
) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
    sync.setIdentityPoolConfiguration({
      IdentityPoolId: identityPoolId,
      CognitoStreams: { StreamName, RoleArn: roleArn, StreamingStatus }
    }, developer))

/** The pool's SyncTrigger set to an ARN. */
export const setTrigger = (identityPoolId: string, arn: string = triggerArn) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
    sync.setCognitoEvents({ IdentityPoolId: identityPoolId, Events: { SyncTrigger: arn } }, developer))

/** UTF-8 byte length. */
export const bytes = (text: string): number => Buffer.byteLength(text, "utf8")
