/**
 * The storage port on Redis, implemented natively: every operation on an identity's data is one
 * script on the identity's slot; pool-level figures are sharded counters and per-pool indexes of
 * identities, summed when read.
 */
import { Effect, Schema } from "effect"
import { SyncStore } from "@syncalite/core"
import {
  compareKeys,
  corruption,
  datasetPairs,
  deviceText,
  escapeText,
  IDENTITY_SHARDS,
  inKeyOrder,
  type Keys,
  numberText,
  parseCommittedHead,
  parseDevice,
  parseHead,
  parseRecords,
  recordTail,
  SESSION_SHARDS,
  shardOf,
  unreadable,
  unreadableAt,
  valueBytes
} from "./codec.js"
import type { Connection } from "./connection.js"
import { type DatasetKeys, makeDatasetKeys } from "./datasetKeys.js"
import { type HeldPlan, makeHeldHeads } from "./heldHeads.js"
import * as LiveStream from "./liveStream.js"
import * as scripts from "./scripts.js"
import { makeRedisTransfer } from "./transfer.js"

type DatasetHead = SyncStore.DatasetHead
type SyncStoreShape = SyncStore.SyncStoreShape
type PoolUsage = SyncStore.PoolUsage
type RecordWrite = SyncStore.RecordWrite
type StorageError = SyncStore.StorageError

const MAX_ATTEMPTS = 100

/** The datasets a process keeps what it knows of, those committed last (heldHeads.ts): 19 KB of heap each at most. */
const HELD_HEADS = 1024

const decodePoolState = Schema.decodeUnknownEither(Schema.parseJson(SyncStore.PoolStateSchema))

const strings = (reply: unknown, key: string, what: string): Effect.Effect<ReadonlyArray<string>, StorageError> =>
  Array.isArray(reply) && reply.every((item) => typeof item === "string")
    ? Effect.succeed(reply as ReadonlyArray<string>)
    : Effect.fail(unreadable(key, what))

/** Writes deduplicated by key, as `decideCommit` does: the first position, the last value. */
const distinct = (writes: ReadonlyArray<RecordWrite>): ReadonlyArray<RecordWrite> => {
  if (writes.length < 2) return writes
  const byKey = new Map<string, RecordWrite>()
  for (const write of writes) byKey.set(write.key, write)
  return byKey.size === writes.length ? writes : [...byKey.values()]
}

/**
 * The subscribers of a dataset from the ids of its subscriptions and the devices read for them
 * (KEYS devices, subscriptions); a subscription outliving its device is no subscriber.
 */
const devicesOf = (
  ids: unknown,
  devices: unknown,
  [devicesKey, subscriptionsKey]: ReadonlyArray<string>
): Array<SyncStore.Device> | StorageError => {
  if (!Array.isArray(ids) || !Array.isArray(devices)) {
    return new SyncStore.StorageError({ message: "Unexpected subscribers in a script's answer" })
  }
  const out: Array<SyncStore.Device> = []
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i]
    if (typeof id !== "string") return unreadable(subscriptionsKey!, "a member is not a device id")
    if (devices[i] === null) continue
    const device = parseDevice(id, devices[i])
    if (device === undefined) return unreadable(devicesKey!, `device ${id}`)
    out.push(device)
  }
  return out
}

/** Retries a step until it yields a result; undefined means "lost a race, again". */
const optimistic = <A, E>(what: string, step: Effect.Effect<A | undefined, E>): Effect.Effect<A, E | StorageError> => {
  const attempt = (attempts: number): Effect.Effect<A, E | StorageError> =>
    Effect.flatMap(step, (result) => {
      if (result !== undefined) return Effect.succeed(result)
      if (attempts >= MAX_ATTEMPTS) {
        return Effect.fail(new SyncStore.StorageError({ message: `Too much contention on ${what}` }))
      }
      const again = attempt(attempts + 1)
      return attempts > 3 ? Effect.zipRight(Effect.sleep(Math.min(attempts, 20)), again) : again
    })
  return attempt(1)
}

/** The store, and how its commits carry Cognito Streams entries once a publisher asks them to. */
export interface Store extends SyncStoreShape {
  /** from now on, streamed commits carry their entry: appended by the script on one Redis, kept in the outbox on a Cluster */
  readonly carryStreams: (maxLength: number) => LiveStream.Carrier
}

export const makeStore = (connection: Connection, keys: Keys): Store => {
  const { command, script } = connection
  /** how streamed commits carry their entry; none until a publisher is over the store */
  let carrier: LiveStream.Carrier | undefined

  /** pools this process has seen listed in the pool index: their registration is done */
  const listedPools = new Set<string>()
  const listPool = (pool: string): Effect.Effect<void, StorageError> =>
    listedPools.has(pool)
      ? Effect.void
      : Effect.map(command(keys.pools, ["ZADD", keys.pools, "NX", "0", pool]), () => void listedPools.add(pool))

  /** Puts an identity in its pool's indexes, then marks it registered; done before its first write. */
  const registerIdentity = (pool: string, identity: string, base: string) =>
    Effect.gen(function*() {
      yield* listPool(pool)
      const shard = keys.poolIdentities(pool, shardOf(identity, IDENTITY_SHARDS))
      yield* command(shard, ["SADD", shard, identity])
      const reply = yield* script(scripts.registered, [keys.heads(base)], [])
      const corrupt = corruption(reply)
      if (corrupt !== undefined) return yield* Effect.fail(corrupt)
    })

  const keysOf = makeDatasetKeys(keys)
  const held = makeHeldHeads(HELD_HEADS)

  const headOf = (name: string, line: unknown, sessions: unknown, key: string): Effect.Effect<DatasetHead, StorageError> => {
    const head = parseHead(name, line, sessions)
    return head === undefined ? Effect.fail(unreadable(key, `head of dataset ${name}`)) : Effect.succeed(head)
  }

  /** A dataset's view from the answer `reply` of the readDataset script, or the error it tells. */
  const datasetView = (
    ref: SyncStore.DatasetRef,
    query: SyncStore.RecordQuery,
    scriptKeys: ReadonlyArray<string>,
    reply: unknown
  ): SyncStore.DatasetView | StorageError => {
    const corrupt = corruption(reply)
    if (corrupt !== undefined) return corrupt
    if (!Array.isArray(reply) || reply.length !== 5 || !Array.isArray(reply[3]) || !Array.isArray(reply[4])) {
      return new SyncStore.StorageError({ message: "Unexpected answer of the readDataset script" })
    }
    const [line, older, newer, found, names] = reply as [unknown, unknown, unknown, Array<unknown>, Array<unknown>]
    const head = line === null ? undefined : parseHead(ref.datasetName, line, older ?? undefined, newer)
    if (line !== null && head === undefined) {
      const key = unreadableAt(ref.datasetName, line, scriptKeys[0]!, newer === null ? scriptKeys[4] : undefined)
      return unreadable(key, `head of dataset ${ref.datasetName}`)
    }
    const all = parseRecords(found)
    if (all === undefined) return unreadable(scriptKeys[1]!, "records")
    const after = query.after
    const records = inKeyOrder(after === undefined ? all : all.filter((record) => record.key > after))
    const limit = query.limit ?? Infinity
    const more = records.length > limit
    if (more) records.length = limit
    const merged = names.length === 0 ? names as Array<string> : (names as Array<string>).filter((name) =>
      typeof name === "string" && SyncStore.isMergedName(ref.datasetName, name)
    ).sort(compareKeys)
    return { head, records, more, mergedDatasetNames: merged }
  }

  const readDataset: SyncStoreShape["readDataset"] = (ref, query) => {
    const scriptKeys = keysOf(ref).dataset
    return script(
      scripts.readDataset,
      scriptKeys,
      [ref.datasetName, numberText(query.since), query.withoutSessions === true ? "1" : ""],
      (reply) => {
        const view = datasetView(ref, query, scriptKeys, reply)
        return view instanceof SyncStore.StorageError ? Effect.fail(view) : Effect.succeed(view)
      }
    )
  }

  /** The port's result of a commit written, its answer `reply` (`{"ok", line, ...}`) and its head `head`. */
  const committedResult = (
    c: SyncStore.DatasetCommit,
    writes: ReadonlyArray<RecordWrite>,
    datasetKeys: DatasetKeys,
    reply: ReadonlyArray<unknown>,
    head: SyncStore.CommittedHead
  ): Effect.Effect<SyncStore.CommitResult, StorageError> => {
    const records = LiveStream.committedRecords(writes, head.syncCount, c.now, c.modifiedBy)
    if (c.subscribers !== true) return Effect.succeed({ _tag: "Committed", head, records })
    const subscribed = devicesOf(reply[2], reply[3], datasetKeys.subscriptions)
    return subscribed instanceof SyncStore.StorageError
      ? Effect.fail(subscribed)
      : Effect.succeed({ _tag: "Committed", head, records, subscribers: subscribed })
  }

  /** The port's result of a commit's answer other than "ok"; undefined for "register the identity first". */
  const refusal = (c: SyncStore.DatasetCommit, reply: ReadonlyArray<unknown>): SyncStore.CommitResult | StorageError | undefined => {
    switch (reply[0]) {
      case "conflict": {
        const condition = c.conditions[Number(reply[1]) - 1]!
        return { _tag: "Conflict", key: condition.key, server: Number(reply[2]), client: condition.syncCount }
      }
      case "used":
        return { _tag: "SessionUsed" }
      case "forgotten":
        return { _tag: "SessionForgotten" }
      case "changed":
        return { _tag: "DatasetChanged", syncCount: Number(reply[1]) }
      case "limit":
        return { _tag: "LimitExceeded", limit: reply[1] as "datasets" | "records" | "bytes", value: Number(reply[2]) }
      case "register":
        return undefined
      default:
        return corruption(reply) ?? new SyncStore.StorageError({ message: "Unexpected answer of the commit script" })
    }
  }

  /**
   * A commit decided by the commit script; streamed, it carries its Cognito Streams entry. A
   * failure lets the dataset's head go.
   */
  const scripted = (
    c: SyncStore.DatasetCommit,
    datasetKeys: DatasetKeys,
    writes: ReadonlyArray<RecordWrite>,
    streamed: boolean
  ): Effect.Effect<SyncStore.CommitResult, StorageError> => {
    const { identityId, identityPoolId, datasetName } = c.ref
    const { base, dataset, withSubscribers } = datasetKeys
    let scriptKeys = c.subscribers === true ? withSubscribers : dataset
    // by Array.of rather than a literal, as the connection's pending entry is made (connection.ts)
    const args: Array<string> = Array.of(
      datasetName,
      escapeText(c.session.id),
      numberText(c.session.expiresAt),
      c.expectedSyncCount === undefined ? "" : numberText(c.expectedSyncCount),
      numberText(c.now),
      escapeText(c.modifiedBy),
      numberText(c.limits.datasetsPerIdentity),
      numberText(c.limits.recordsPerDataset),
      numberText(c.limits.bytesPerDataset),
      String(c.conditions.length)
    )
    for (const condition of c.conditions) args.push(condition.key, numberText(condition.syncCount))
    args.push(String(writes.length))
    for (const write of writes) {
      args.push(write.key, valueBytes(write.value), recordTail(write.key, write.value, c.now, c.modifiedBy, write.deviceLastModifiedDate))
    }
    // a commit carrying a Cognito Streams entry is not held afterwards
    args.push(!streamed && held.asks(datasetKeys, writes) ? "1" : "")
    if (streamed) {
      const entry = LiveStream.carried(carrier!, keys, base, {
        ref: c.ref,
        streamName: c.stream!,
        field: c.session.id,
        now: c.now,
        records: LiveStream.committedRecords(writes, -1, c.now, c.modifiedBy)
      })
      scriptKeys = [...scriptKeys, ...entry.keys]
      args.push(...entry.args)
    }
    const once: Effect.Effect<SyncStore.CommitResult | undefined, StorageError> = script(
      scripts.commit,
      scriptKeys,
      args,
      (reply) => {
        if (!Array.isArray(reply)) return Effect.fail(new SyncStore.StorageError({ message: "Unexpected answer of the commit script" }))
        if (reply[0] === "ok") {
          const head = parseCommittedHead(datasetName, reply[1])
          if (head === undefined) return Effect.fail(unreadable(dataset[0]!, `head of dataset ${datasetName}`))
          held.committed(datasetKeys, reply[1] as string, reply[c.subscribers === true ? 4 : 2], head.syncCount, writes)
          return committedResult(c, writes, datasetKeys, reply, head)
        }
        const result = refusal(c, reply)
        if (result instanceof SyncStore.StorageError) return Effect.fail(result)
        // the identity's first write: index it in its pool first, then commit again
        return result === undefined
          ? Effect.as(registerIdentity(identityPoolId, identityId, base), undefined)
          : Effect.succeed(result)
      }
    )
    const decided = Effect.flatMap(
      once,
      (result) => (result === undefined ? optimistic(`dataset ${datasetName}`, once) : Effect.succeed(result))
    )
    // what a failed commit left is not known: its head is let go
    return Effect.tapError(decided, () => Effect.sync(() => held.drop(datasetKeys)))
  }

  /**
   * The answer of the heldCommit script to `plan` as the commit's result: a head stored no more
   * lets it go, and the commit script decides the commit.
   */
  const heldAnswer = (
    c: SyncStore.DatasetCommit,
    datasetKeys: DatasetKeys,
    writes: ReadonlyArray<RecordWrite>,
    plan: HeldPlan,
    reply: unknown
  ): Effect.Effect<SyncStore.CommitResult, StorageError> => {
    if (reply === null) {
      held.stale(plan)
      return scripted(c, datasetKeys, writes, false)
    }
    if (Array.isArray(reply) && reply[0] === "ok") {
      const head = held.written(plan, reply[1])
      if (head !== undefined) return committedResult(c, writes, datasetKeys, reply, head)
      return Effect.fail(unreadable(datasetKeys.held[0]!, `head of dataset ${c.ref.datasetName}`))
    }
    const result = Array.isArray(reply) ? refusal(c, reply) : undefined
    if (result !== undefined && !(result instanceof SyncStore.StorageError)) return Effect.succeed(result)
    held.drop(datasetKeys)
    return Effect.fail(result ?? new SyncStore.StorageError({ message: "Unexpected answer of the heldCommit script" }))
  }

  /**
   * A commit decided against the head held (`plan`), its answer taken without a fiber step of
   * its own: a commit's usual path.
   */
  const heldCommit = (
    c: SyncStore.DatasetCommit,
    datasetKeys: DatasetKeys,
    writes: ReadonlyArray<RecordWrite>,
    plan: HeldPlan
  ): Effect.Effect<SyncStore.CommitResult, StorageError> =>
    Effect.async((resume) =>
      connection.scriptThen(
        scripts.heldCommit,
        c.subscribers === true ? datasetKeys.heldWithSubscribers : datasetKeys.held,
        plan.args,
        (reply) => resume(heldAnswer(c, datasetKeys, writes, plan, reply)),
        (error) => {
          held.drop(datasetKeys)
          resume(Effect.fail(error))
        }
      )
    )

  const commit: SyncStoreShape["commit"] = (c) => {
    const datasetKeys = keysOf(c.ref)
    const writes = distinct(c.writes)
    const streamed = c.stream !== undefined && carrier !== undefined
    const plan = streamed ? undefined : held.plan(datasetKeys, c, writes)
    if (plan !== undefined) return heldCommit(c, datasetKeys, writes, plan)
    const committed = scripted(c, datasetKeys, writes, streamed)
    return streamed
      ? Effect.map(committed, (result) => result._tag === "Committed" ? { ...result, outbox: c.session.id } : result)
      : committed
  }

  /** the deletion script: conditional on the dataset's sync count when `syncCount` is given, streamed with `outbox` */
  const remove = (
    ref: SyncStore.DatasetRef,
    now: number,
    syncCount: number | undefined,
    outbox?: { readonly stream: string; readonly id: string }
  ): Effect.Effect<SyncStore.DeletionAt, SyncStore.StorageError> => {
    const { base, dataset, subscriptions } = keysOf(ref)
    const scriptKeys = [...dataset, subscriptions[1]!]
    const args = [ref.datasetName, numberText(now), syncCount === undefined ? "" : numberText(syncCount)]
    if (outbox !== undefined && carrier !== undefined) {
      const streamed = LiveStream.carried(carrier, keys, base, { ref, streamName: outbox.stream, field: outbox.id, now, records: undefined })
      scriptKeys.push(...streamed.keys)
      args.push(...streamed.args)
    }
    return script(scripts.deleteDataset, scriptKeys, args, (reply): Effect.Effect<SyncStore.DeletionAt, SyncStore.StorageError> => {
      if (reply === null) return Effect.succeed({ _tag: "Absent" })
      if (Array.isArray(reply) && reply[0] === "changed") return Effect.succeed({ _tag: "Changed", syncCount: Number(reply[1]) })
      if (Array.isArray(reply) && reply[0] === "ok") {
        return Effect.map(headOf(ref.datasetName, reply[1], reply[2], scriptKeys[0]!), (head) => ({ _tag: "Deleted", head }))
      }
      return Effect.fail(corruption(reply) ?? new SyncStore.StorageError({ message: "Unexpected answer of the deleteDataset script" }))
    })
  }

  const deleteDatasetAt: SyncStoreShape["deleteDatasetAt"] = (ref, syncCount, now) => remove(ref, now, syncCount)

  const deleteDataset: SyncStoreShape["deleteDataset"] = (ref, now, outbox) =>
    Effect.map(remove(ref, now, undefined, outbox), (done) => done._tag === "Deleted" ? done.head : undefined)

  const listDatasets: SyncStoreShape["listDatasets"] = (pool, identity) => {
    const base = keys.identity(pool, identity)
    const key = keys.heads(base)
    return script(scripts.datasetHeads, [key], [keys.consumed(base, "")], (reply) => {
      const corrupt = corruption(reply)
      if (corrupt !== undefined) return Effect.fail(corrupt)
      if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
        return Effect.fail(new SyncStore.StorageError({ message: "Unexpected answer of the datasetHeads script" }))
      }
      const lists = reply[1] as Array<string>
      return Effect.flatMap(strings(reply[0], key, "not a hash of heads"), (fields) => {
        const lines = new Map<string, string>()
        const older = new Map<string, string>()
        const newer = new Map<string, string>()
        const listed = new Set<string>()
        for (let i = 0; i + 1 < lists.length; i += 2) {
          older.set(lists[i]!, lists[i + 1]!)
          listed.add(lists[i]!)
        }
        for (let i = 0; i + 1 < fields.length; i += 2) {
          const field = fields[i]!
          if (field.startsWith("h")) lines.set(field.slice(1), fields[i + 1]!)
          else if (field.startsWith("s")) older.set(field.slice(1), fields[i + 1]!)
          else if (field.startsWith("t")) newer.set(field.slice(1), fields[i + 1]!)
          else if (field !== "") return Effect.fail(unreadable(key, `unknown field ${field}`))
        }
        const heads: Array<DatasetHead> = []
        for (const [name, line] of lines) {
          const head = parseHead(name, line, older.get(name), newer.get(name))
          if (head === undefined) {
            const at = unreadableAt(name, line, key, listed.has(name) ? keys.consumed(base, name) : undefined)
            return Effect.fail(unreadable(at, `head of dataset ${name}`))
          }
          if (head.exists) heads.push(head)
        }
        return Effect.succeed(heads.sort((a, b) => compareKeys(a.name, b.name)))
      })
    })
  }

  /** Every identity in a pool's index. */
  const poolIdentities = (pool: string) =>
    Effect.map(
      Effect.forEach(
        Array.from({ length: IDENTITY_SHARDS }, (_, shard) => keys.poolIdentities(pool, shard)),
        (key) => Effect.flatMap(command(key, ["SMEMBERS", key]), (reply) => strings(reply, key, "not a set of identities")),
        { concurrency: "unbounded" }
      ),
      (shards) => shards.flat()
    )

  /** How many identities' datasets one script lists, on one Redis. */
  const LISTED_TOGETHER = 500

  // on a Cluster, a command per identity (its live set is on its slot); on one Redis, a script per many,
  // its answer turned into references in one pass: an effect per identity cost a listing a tenth of its CPU
  const poolDatasets: SyncStoreShape["poolDatasets"] = (pool) =>
    Effect.flatMap(poolIdentities(pool), (identities) => {
      const refsOf = (identityId: string, names: ReadonlyArray<string>) =>
        names.map((datasetName) => ({ identityPoolId: pool, identityId, datasetName }))
      const live = (identityId: string) => keys.live(keys.identity(pool, identityId))
      if (connection.cluster) {
        return Effect.map(
          Effect.forEach(identities, (identityId) =>
            Effect.map(
              Effect.flatMap(command(live(identityId), ["SMEMBERS", live(identityId)]), (reply) =>
                strings(reply, live(identityId), "not a set of datasets")),
              (names) => refsOf(identityId, names)
            ), { concurrency: "unbounded" }),
          (refs) => refs.flat()
        )
      }
      const groups = Array.from({ length: Math.ceil(identities.length / LISTED_TOGETHER) }, (_, i) =>
        identities.slice(i * LISTED_TOGETHER, (i + 1) * LISTED_TOGETHER))
      return Effect.map(
        Effect.forEach(groups, (group) => {
          const scriptKeys = group.map(live)
          return script(scripts.liveDatasets, scriptKeys, [], (reply) => {
            const corrupt = corruption(reply)
            if (corrupt !== undefined) return Effect.fail(corrupt)
            if (!Array.isArray(reply) || reply.length !== group.length) {
              return Effect.fail(new SyncStore.StorageError({ message: "Unexpected answer of the liveDatasets script" }))
            }
            const refs: Array<SyncStore.DatasetRef> = []
            for (let i = 0; i < group.length; i++) {
              const names: unknown = reply[i]
              if (!Array.isArray(names) || !names.every((name) => typeof name === "string")) {
                return Effect.fail(unreadable(scriptKeys[i]!, "not a set of datasets"))
              }
              for (const datasetName of names) refs.push({ identityPoolId: pool, identityId: group[i]!, datasetName })
            }
            return Effect.succeed(refs)
          })
        }, { concurrency: "unbounded" }),
        (refs) => refs.flat()
      )
    })

  /** One script over datasets whose keys it may all reach. */
  const readTogether = (refs: ReadonlyArray<SyncStore.DatasetRef>) => {
    const scriptKeys: Array<string> = []
    for (const ref of refs) {
      const base = keys.identity(ref.identityPoolId, ref.identityId)
      scriptKeys.push(keys.heads(base), keys.records(base, ref.datasetName))
    }
    return script(
      scripts.readDatasets,
      scriptKeys,
      refs.map((ref) => ref.datasetName),
      (reply): Effect.Effect<Array<SyncStore.DatasetContent | undefined>, StorageError> => {
        const contents = datasetPairs(
          reply,
          refs.length,
          "readDatasets",
          (i) => ({ heads: scriptKeys[2 * i]!, records: scriptKeys[2 * i + 1]!, name: refs[i]!.datasetName }),
          (i, line) => parseHead(refs[i]!.datasetName, line, undefined),
          (head, records): SyncStore.DatasetContent => ({ head, records })
        )
        return contents instanceof SyncStore.StorageError ? Effect.fail(contents) : Effect.succeed(contents)
      }
    )
  }

  // on a Cluster, one script per identity (its keys share a slot); on one Redis, one for all
  const readDatasets: NonNullable<SyncStoreShape["readDatasets"]> = (refs) => {
    if (!connection.cluster) return readTogether(refs)
    const groups = new Map<string, Array<number>>()
    refs.forEach((ref, i) => {
      const base = keys.identity(ref.identityPoolId, ref.identityId)
      const group = groups.get(base)
      if (group === undefined) groups.set(base, [i])
      else group.push(i)
    })
    return Effect.map(
      Effect.forEach([...groups.values()], (indexes) =>
        Effect.map(readTogether(indexes.map((i) => refs[i]!)), (contents) => ({ indexes, contents })), { concurrency: "unbounded" }),
      (read) => {
        const contents = new Array<SyncStore.DatasetContent | undefined>(refs.length)
        for (const group of read) group.indexes.forEach((at, i) => void (contents[at] = group.contents[i]))
        return contents
      }
    )
  }

  const readPoolVersioned = (pool: string) => {
    const key = keys.pool(pool)
    return Effect.flatMap(command(key, ["HMGET", key, "version", "state"]), (reply) => {
      if (!Array.isArray(reply)) return Effect.fail(unreadable(key, "not a pool configuration"))
      const [version, state] = reply as [unknown, unknown]
      if (version === null && state === null) return Effect.succeed({ version: "", state: SyncStore.emptyPool })
      if (typeof version !== "string" || typeof state !== "string") return Effect.fail(unreadable(key, "pool configuration"))
      const decoded = decodePoolState(state)
      return decoded._tag === "Right"
        ? Effect.succeed({ version, state: decoded.right })
        : Effect.fail(unreadable(key, "pool configuration", decoded.left))
    })
  }

  const readPool: SyncStoreShape["readPool"] = (pool) => Effect.map(readPoolVersioned(pool), ({ state }) => state)

  const updatePool: SyncStoreShape["updatePool"] = (pool, update) =>
    optimistic(
      `pool ${pool}`,
      Effect.gen(function*() {
        const { state, version } = yield* readPoolVersioned(pool)
        const next = update(state)
        if (next._tag === "Left") return yield* Effect.fail(next.left)
        if (version === "") yield* listPool(pool)
        const key = keys.pool(pool)
        const reply = yield* script(scripts.setPool, [key], [version, JSON.stringify(next.right)])
        const corrupt = corruption(reply)
        if (corrupt !== undefined) return yield* Effect.fail(corrupt)
        return reply === 1 ? next.right : undefined
      })
    )

  const registerDevice: SyncStoreShape["registerDevice"] = (pool, identity, device, maxDevices) => {
    const base = keys.identity(pool, identity)
    const once = script(
      scripts.registerDevice,
      [keys.devices(base), keys.deviceDigests(base), keys.heads(base), keys.tokens(base)],
      [deviceText(device.platform, device.token), device.deviceId, numberText(maxDevices)],
      (reply): Effect.Effect<SyncStore.DeviceRegistration | undefined, StorageError> => {
        if (Array.isArray(reply) && reply[0] === "id" && typeof reply[1] === "string") {
          return Effect.succeed({ _tag: "Registered", deviceId: reply[1] })
        }
        if (Array.isArray(reply) && reply[0] === "limit") return Effect.succeed({ _tag: "LimitExceeded", devices: Number(reply[1]) })
        if (Array.isArray(reply) && reply[0] === "register") return Effect.as(registerIdentity(pool, identity, base), undefined)
        return Effect.fail(corruption(reply) ?? new SyncStore.StorageError({ message: "Unexpected answer of the registerDevice script" }))
      }
    )
    return optimistic(`devices of ${identity}`, once)
  }

  const subscribe: SyncStoreShape["subscribe"] = (ref, deviceId) =>
    script(scripts.subscribe, keysOf(ref).subscriptions, [deviceId], (reply) =>
      reply === 1 || reply === 0
        ? Effect.succeed(reply === 1)
        : Effect.fail(corruption(reply) ?? new SyncStore.StorageError({ message: "Unexpected answer of the subscribe script" })))

  const unsubscribe: SyncStoreShape["unsubscribe"] = (ref, deviceId) =>
    script(scripts.unsubscribe, keysOf(ref).subscriptions, [deviceId], (reply) =>
      reply === "Unsubscribed" || reply === "UnknownDevice" || reply === "NotSubscribed"
        ? Effect.succeed(reply)
        : Effect.fail(corruption(reply) ?? new SyncStore.StorageError({ message: "Unexpected answer of the unsubscribe script" })))

  const subscribers: SyncStoreShape["subscribers"] = (ref) => {
    const scriptKeys = keysOf(ref).subscriptions
    return script(scripts.subscribers, scriptKeys, [], (reply) => {
      const corrupt = corruption(reply)
      if (corrupt !== undefined) return Effect.fail(corrupt)
      if (!Array.isArray(reply)) return Effect.fail(new SyncStore.StorageError({ message: "Unexpected answer of the subscribers script" }))
      const found = devicesOf(reply[0], reply[1], scriptKeys)
      return found instanceof SyncStore.StorageError ? Effect.fail(found) : Effect.succeed(found)
    })
  }

  const device: SyncStoreShape["device"] = (pool, identity, deviceId) => {
    const key = keys.devices(keys.identity(pool, identity))
    return Effect.flatMap(command(key, ["HGET", key, deviceId]), (reply) => {
      if (reply === null) return Effect.succeed(undefined)
      const found = parseDevice(deviceId, reply)
      return found === undefined ? Effect.fail(unreadable(key, `device ${deviceId}`)) : Effect.succeed(found)
    })
  }

  const countSessions: SyncStoreShape["countSessions"] = (pool, sessions) => {
    const key = keys.sessions(pool, Math.floor(Math.random() * SESSION_SHARDS))
    return Effect.zipRight(
      listPool(pool),
      Effect.flatMap(command(key, ["INCRBY", key, String(sessions)]), (reply) =>
        typeof reply === "number" ? Effect.void : Effect.fail(unreadable(key, "not a counter")))
    )
  }

  /** An identity's usage from its heads, as the reference computes it; undefined when it was never written. */
  const identityUsage: SyncStoreShape["identityUsage"] = (pool, identity) => {
    const key = keys.heads(keys.identity(pool, identity))
    return script(scripts.identityHeads, [key], [], (reply) => {
      const corrupt = corruption(reply)
      if (corrupt !== undefined) return Effect.fail(corrupt)
      if (!Array.isArray(reply) || !Array.isArray(reply[1]) || !Array.isArray(reply[2])) {
        return Effect.fail(new SyncStore.StorageError({ message: "Unexpected answer of the identityHeads script" }))
      }
      const [registered, names, lines] = reply as [number, Array<string>, Array<unknown>]
      if (registered !== 1) return Effect.succeed(undefined)
      let datasetCount = 0
      let dataStorage = 0
      let lastModifiedDate: number | undefined
      for (let i = 0; i < names.length; i++) {
        const head = parseHead(names[i]!, lines[i], undefined)
        if (head === undefined) return Effect.fail(unreadable(key, `head of dataset ${names[i]}`))
        if (head.exists) {
          datasetCount++
          dataStorage += head.dataStorage
        }
        if (lastModifiedDate === undefined || head.lastModifiedDate > lastModifiedDate) lastModifiedDate = head.lastModifiedDate
      }
      return Effect.succeed(
        lastModifiedDate === undefined ? { datasetCount, dataStorage } : { datasetCount, dataStorage, lastModifiedDate }
      )
    })
  }

  const usageOfKnownPool = (pool: string): Effect.Effect<PoolUsage, StorageError> =>
    Effect.gen(function*() {
      const [identities, sessions, config] = yield* Effect.all([
        poolIdentities(pool),
        Effect.forEach(
          Array.from({ length: SESSION_SHARDS }, (_, shard) => keys.sessions(pool, shard)),
          (key) =>
            Effect.flatMap(command(key, ["GET", key]), (reply) => {
              const count = reply === null ? 0 : typeof reply === "string" ? Number(reply) : NaN
              return Number.isInteger(count) ? Effect.succeed(count) : Effect.fail(unreadable(key, "not a counter"))
            }),
          { concurrency: "unbounded" }
        ),
        readPool(pool)
      ], { concurrency: "unbounded" })
      const usages = yield* Effect.forEach(identities, (identity) => identityUsage(pool, identity), {
        concurrency: "unbounded"
      })
      let dataStorage = 0
      let lastModifiedDate = config.lastModifiedDate
      for (const usage of usages) {
        if (usage === undefined) continue
        dataStorage += usage.dataStorage
        if (usage.lastModifiedDate !== undefined && (lastModifiedDate === undefined || usage.lastModifiedDate > lastModifiedDate)) {
          lastModifiedDate = usage.lastModifiedDate
        }
      }
      const usage: PoolUsage = {
        identityPoolId: pool,
        syncSessionsCount: sessions.reduce((sum, count) => sum + count, 0),
        dataStorage
      }
      return lastModifiedDate === undefined ? usage : { ...usage, lastModifiedDate }
    })

  const poolUsage: SyncStoreShape["poolUsage"] = (pool) =>
    Effect.flatMap(command(keys.pools, ["ZSCORE", keys.pools, pool]), (score) =>
      score === null ? Effect.succeed(undefined) : usageOfKnownPool(pool))

  const listPoolUsage: SyncStoreShape["listPoolUsage"] = (after, limit) =>
    Effect.flatMap(
      command(keys.pools, [
        "ZRANGEBYLEX",
        keys.pools,
        after === undefined ? "-" : `(${after}`,
        "+",
        "LIMIT",
        "0",
        String(limit + 1)
      ]),
      (reply) =>
        Effect.flatMap(strings(reply, keys.pools, "not an index of pools"), (pools) =>
          Effect.map(
            Effect.forEach(pools.slice(0, limit), usageOfKnownPool, { concurrency: "unbounded" }),
            (usages) => ({ pools: usages, more: pools.length > limit })
          ))
    )

  return {
    carryStreams: (maxLength) => {
      carrier = { mode: connection.cluster ? "outbox" : "commit", maxLength: String(maxLength) }
      return carrier
    },
    readDataset,
    listDatasets,
    commit,
    deleteDataset,
    deleteDatasetAt,
    poolDatasets,
    readDatasets,
    readPool,
    updatePool,
    registerDevice,
    subscribe,
    unsubscribe,
    subscribers,
    device,
    countSessions,
    identityUsage,
    poolUsage,
    listPoolUsage,
    ...makeRedisTransfer(connection, keys, { readPool, updatePool })
  }
}
