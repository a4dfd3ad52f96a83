/**
 * UpdateRecords: an atomic write of record patches, conditional on the sync counts the caller
 * saw, through the pool's sync trigger for identity callers, followed by push sync and Cognito
 * Streams.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { type Caller, modifiedBy } from "../Caller.js"
import {
  InvalidParameterException,
  LimitExceededException,
  ResourceConflictException
} from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { SyncRecord } from "../Shapes.js"
import * as SyncSessionToken from "../SyncSessionToken.js"
import type { SyncSession } from "../SyncSessionToken.js"
import type { Committed, CommitResult, DatasetCommit, DatasetHead, DatasetRef, PoolState, RecordWrite, StoredRecord } from "../SyncStore.js"
import type { SyncTriggerEvent, SyncTriggerRecord } from "../SyncTrigger.js"
import { operation, type Services } from "../internal/operation.js"
import { datasetRef, toRecord } from "../internal/output.js"
import { precondition } from "../internal/commitRules.js"
import { lookupIn } from "../internal/records.js"
import { notifySubscribers, pushConfigured } from "../internal/push.js"
import { streamingEnabled, streamName } from "../internal/poolConfiguration.js"
import { publishRecords } from "../internal/streams.js"

/** @since 0.1.0 @category schemas */
export const UpdateRecordsInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId,
  DatasetName: S.DatasetName,
  DeviceId: S.optional(S.DeviceId),
  RecordPatches: S.optional(Schema.Array(S.RecordPatch).annotations({ message: () => "Member must be a list" })),
  SyncSessionToken: S.PlainString,
  ClientContext: S.optional(S.PlainString)
})
/** @since 0.1.0 @category models */
export type UpdateRecordsInput = typeof UpdateRecordsInput.Encoded

/** @since 0.1.0 @category models */
export interface UpdateRecordsOutput {
  readonly Records: ReadonlyArray<SyncRecord>
}

const TRIGGER_ATTEMPTS = 5

const invalid = (message: string) => new InvalidParameterException({ message })

const refusal = (result: Exclude<CommitResult, { _tag: "Committed" }>, limits: Services["config"]["limits"]) => {
  switch (result._tag) {
    case "Conflict":
      return new ResourceConflictException({
        message: `Current SyncCount for: ${result.key} is: ${result.server} not: ${result.client}`
      })
    case "DatasetChanged":
      return new ResourceConflictException({
        message: `The dataset changed while the sync trigger ran; current SyncCount is: ${result.syncCount}`
      })
    case "SessionUsed":
      return invalid("SyncSessionToken not valid for these inputs")
    case "SessionForgotten":
      // the token may well be unused: a conflict, so that the device pulls and pushes again
      return new ResourceConflictException({
        message: "The dataset was written too often since this SyncSessionToken was issued; synchronize again"
      })
    case "LimitExceeded":
      return new LimitExceededException({
        message: result.limit === "datasets"
          ? `An identity may have at most ${limits.datasetsPerIdentity} datasets`
          : result.limit === "records"
          ? `A dataset may hold at most ${limits.recordsPerDataset} records; this write would make it ${result.value}`
          : `A dataset may hold at most ${limits.bytesPerDataset} bytes of keys and values; this write would make it ${result.value}`
      })
  }
}

/** A record of an event's map, own keys only (a record key may well be "__proto__"). */
const entryOf = (records: SyncTriggerEvent["datasetRecords"], key: string): SyncTriggerRecord | undefined =>
  Object.hasOwn(records, key) ? records[key] : undefined

/** The trigger's view: every live record, with the patches applied as new values. */
const triggerEvent = (
  services: Services,
  ref: DatasetRef,
  records: ReadonlyArray<StoredRecord>,
  writes: ReadonlyArray<RecordWrite>
): SyncTriggerEvent => {
  const datasetRecords = new Map<string, SyncTriggerRecord>()
  for (const record of records) {
    if (record.value !== null) datasetRecords.set(record.key, { oldValue: record.value, newValue: record.value, op: "replace" })
  }
  for (const write of writes) {
    datasetRecords.set(write.key, {
      oldValue: datasetRecords.get(write.key)?.oldValue ?? null,
      newValue: write.value,
      op: write.value === null ? "remove" : "replace"
    })
  }
  return {
    version: 2,
    eventType: "SyncTrigger",
    region: services.config.region,
    identityPoolId: ref.identityPoolId,
    identityId: ref.identityId,
    datasetName: ref.datasetName,
    // fromEntries defines own properties, so that no key can set the map's prototype
    datasetRecords: Object.fromEntries(datasetRecords)
  }
}

/** The writes after the trigger: the patches as the trigger left them, plus what it changed or added. */
const triggeredWrites = (
  event: SyncTriggerEvent,
  answer: SyncTriggerEvent,
  writes: ReadonlyArray<RecordWrite>
): ReadonlyArray<RecordWrite> => {
  const patched = new Map(writes.map((write) => [write.key, write]))
  const out: Array<RecordWrite> = []
  for (const write of writes) {
    const edited = entryOf(answer.datasetRecords, write.key)
    out.push(edited === undefined ? write : { ...write, value: edited.newValue })
  }
  for (const [key, record] of Object.entries(answer.datasetRecords)) {
    if (patched.has(key)) continue
    const before = entryOf(event.datasetRecords, key)
    if (before === undefined || before.newValue !== record.newValue) {
      out.push({ key, value: record.newValue })
    }
  }
  return out
}

const commitThroughTrigger = (
  services: Services,
  ref: DatasetRef,
  arn: string,
  base: DatasetCommit
) =>
  Effect.gen(function*() {
    for (let attempt = 1;; attempt++) {
      const view = yield* services.store.readDataset(ref, { since: 0 })
      const head: DatasetHead | undefined = view.head
      const current = head?.syncCount ?? 0
      // refuse early what the commit would refuse, so that the trigger never sees a rejected write
      const refused = precondition(head, lookupIn(view.records), base)
      if (refused !== undefined) return refused
      const records = head?.exists === true ? view.records : []
      const event = triggerEvent(services, ref, records, base.writes)
      const answer = yield* services.trigger.invoke(arn, event)
      const result = yield* services.store.commit({
        ...base,
        writes: triggeredWrites(event, answer, base.writes),
        expectedSyncCount: current
      })
      if (result._tag !== "DatasetChanged" || attempt >= TRIGGER_ATTEMPTS) return result
    }
  })

/** The writes and sync count conditions of the patches, or why they are not acceptable. */
const patchWrites = (
  input: typeof UpdateRecordsInput.Type
): Pick<DatasetCommit, "conditions" | "writes"> | InvalidParameterException => {
  const patches = input.RecordPatches ?? []
  // one patch, most writes, has no other to repeat its key
  const seen = patches.length > 1 ? new Set<string>() : undefined
  const writes: Array<RecordWrite> = []
  for (const patch of patches) {
    if (seen?.has(patch.Key) === true) return invalid(`Duplicate record key in RecordPatches: ${patch.Key}`)
    seen?.add(patch.Key)
    if (patch.Op === "replace" && patch.Value === undefined) return invalid(`A replace patch needs a Value: ${patch.Key}`)
    const value = patch.Op === "remove" ? null : patch.Value!
    writes.push(
      patch.DeviceLastModifiedDate === undefined
        ? { key: patch.Key, value }
        : { key: patch.Key, value, deviceLastModifiedDate: patch.DeviceLastModifiedDate.getTime() }
    )
  }
  return { writes, conditions: patches.map((patch) => ({ key: patch.Key, syncCount: patch.SyncCount })) }
}

/** What a committed write still has to do (tell its devices, stream it), or undefined for nothing. */
const afterCommit = (
  services: Services,
  ref: DatasetRef,
  pool: PoolState,
  deviceId: string | undefined,
  { head, outbox, records, subscribers }: Committed
): Effect.Effect<void> | undefined => {
  const notify = notifySubscribers(services, ref, pool, subscribers ?? [], deviceId, head.syncCount)
  const publish = publishRecords(services, pool, {
    ref,
    operation: "replace",
    syncCount: head.syncCount,
    lastModifiedDate: head.lastModifiedDate,
    records
  }, outbox)
  // most writes have neither to do: they cost no step
  return notify === undefined ? publish : publish === undefined ? notify : Effect.zipRight(notify, publish)
}

/**
 * The write at `now`: plain steps between the runtime's (the pool's configuration, the commit,
 * what follows it), rather than a generator yielding each.
 */
const update = (services: Services, input: typeof UpdateRecordsInput.Type, caller: Caller) =>
  Effect.clockWith((clock) => {
    const now = clock.unsafeCurrentTimeMillis()
    const ref = datasetRef(input)
    const session: SyncSession | undefined = SyncSessionToken.verify(services.secret, input.SyncSessionToken, ref, now)
    if (session === undefined) return Effect.fail(invalid("SyncSessionToken not valid for these inputs"))
    const patched = patchWrites(input)
    if (patched instanceof InvalidParameterException) return Effect.fail(patched)
    const { conditions, writes } = patched
    return Effect.flatMap(services.pools.read(ref.identityPoolId, now), (pool) => {
      const base: { -readonly [K in keyof DatasetCommit]: DatasetCommit[K] } = {
        ref,
        session,
        conditions,
        writes,
        modifiedBy: modifiedBy(caller),
        now,
        limits: services.config.limits,
        subscribers: pushConfigured(pool)
      }
      if (streamingEnabled(pool)) base.stream = streamName(pool)
      const arn = caller.kind === "identity" ? pool.events.SyncTrigger : undefined
      const committed = arn === undefined ? services.store.commit(base) : commitThroughTrigger(services, ref, arn, base)
      return Effect.flatMap(committed, (result) => {
        if (result._tag !== "Committed") return Effect.fail(refusal(result, services.config.limits))
        const output: UpdateRecordsOutput = { Records: result.records.map(toRecord) }
        const after = afterCommit(services, ref, pool, input.DeviceId, result)
        return after === undefined ? Effect.succeed(output) : Effect.as(after, output)
      })
    })
  })

/** @since 0.1.0 @category operations */
export const UpdateRecords = operation({
  access: "either",
  input: UpdateRecordsInput,
  run: update
})
