/**
 * Cognito Streams on Redis Streams, over the connection of a `RedisSyncStore`. A pool whose
 * streaming is ENABLED gets one entry per successful write in the stream
 * `<prefix>:streams:<StreamName>`, with the fields `partitionKey` (the identity id) and `data`
 * (the SPEC B §9 record as JSON), the stream bounded by an approximate MAXLEN. Consumers read
 * it with consumer groups (XREADGROUP).
 *
 * Live writes on one Redis are appended exactly once: the commit's own script appends the entry,
 * in the same atomic step as the write. On a Cluster, where the stream lives on a slot of its own,
 * they are appended at least once: the commit leaves an outbox entry in the identity's slot in its
 * own atomic step, and the process that committed appends the record and clears the entry; a
 * sweeper in every process scans every primary for the entries older than `outboxAge` that a
 * process stopped before appending, so a record may be appended twice, never lost. Bulk publish keeps
 * its journal in Redis: the list of running jobs, a lease per job that the running process renews
 * (and that another process takes over when it stops), and each job's progress in the stream's
 * slot, appended to in the same script as the entry, so that every dataset is appended once per
 * job however often the job stops and resumes. On one Redis the journal also reads a job's
 * datasets, the datasets of an identity together, decoding only what their records tell.
 *
 * Records whose inline form would exceed 1 MB are kept in Redis, `<prefix>:stream-payloads:<id>`
 * for 24 hours, and referenced as `redis:<that key>`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { CognitoSync } from "@syncalite/core"
 * import { RedisStreamPublisher, RedisSyncStore } from "@syncalite/redis"
 *
 * const store = RedisSyncStore.layer({ redis: "redis://127.0.0.1:6379" })
 * const streams = RedisStreamPublisher.layer().pipe(Layer.provideMerge(store))
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Clock, Context, Duration, Effect, Layer, Schedule, type Scope } from "effect"
import { StreamPublisher } from "@syncalite/core"
import { globEscaped, makeKeys } from "./internal/codec.js"
import { makeBulkRead } from "./internal/bulkRead.js"
import type { ClientLike } from "./internal/connection.js"
import { makeConnection } from "./internal/connection.js"
import { parseOutboxEntry } from "./internal/liveStream.js"
import * as scripts from "./internal/streamScripts.js"
import { RedisSyncStore } from "./RedisSyncStore.js"

type BulkJob = StreamPublisher.BulkJob

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** the approximate most entries a stream keeps (MAXLEN ~); 1,000,000 by default */
  readonly maxLength?: number
  /** how long a bulk publish lease lasts unrenewed; a stopped job is taken over after it. 30 seconds by default */
  readonly leaseTtl?: Duration.DurationInput
  /** on a Cluster, how old an outbox entry is when the sweeper appends it for a process that stopped; 5 seconds by default */
  readonly outboxAge?: Duration.DurationInput
  /** how long a command may go unanswered; 2 seconds by default */
  readonly commandTimeout?: Duration.DurationInput
}

/**
 * The publisher, with the key of each stream.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisStreamPublisherShape extends StreamPublisher.StreamPublisherShape {
  /** `<prefix>:streams:<streamName>` */
  readonly streamKey: (streamName: string) => string
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RedisStreamPublisher extends Context.Tag("@syncalite/redis/RedisStreamPublisher")<
  RedisStreamPublisher,
  RedisStreamPublisherShape
>() {}

const DAY = 24 * 60 * 60 * 1000
/** How many SCAN calls (of 1000 keys each) a sweep makes on each primary at most; the next sweep goes on from there. */
const SCANS_PER_SWEEP = 20
/** How long a job's progress is kept after its last append: a stopped job resumes well within it. */
const PROGRESS_TTL = 7 * DAY

/**
 * A key in the same Redis Cluster slot as `key`: beside its hash tag when it has one, else with
 * the whole key as the tag.
 */
const besides = (key: string, suffix: string): string => {
  const open = key.indexOf("{")
  const close = open < 0 ? -1 : key.indexOf("}", open + 1)
  return close > open + 1 || key.includes("}") ? `${key}:${suffix}` : `{${key}}:${suffix}`
}

/**
 * The publisher over the store's connection and key prefix.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<RedisStreamPublisherShape, never, RedisSyncStore | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* RedisSyncStore
    const { cluster, command, nodeCommand, nodes, script } = yield* Effect.acquireRelease(
      Effect.sync(() =>
        makeConnection(
          store.client as unknown as ClientLike,
          options.commandTimeout === undefined ? 2000 : Duration.toMillis(Duration.decode(options.commandTimeout))
        )
      ),
      (connection) => Effect.sync(() => connection.dispose())
    )
    const maxLength = String(options.maxLength ?? 1_000_000)
    const { mode } = store.carryStreams(options.maxLength ?? 1_000_000)
    const leaseMillis = options.leaseTtl === undefined ? 30_000 : Duration.toMillis(Duration.decode(options.leaseTtl))
    const prefix = store.prefix
    const keys = makeKeys(prefix)
    const streamKey = keys.stream
    const jobsKey = `${prefix}:bulk:jobs`
    const leaseKey = (job: BulkJob) => `${prefix}:bulk:lease:${job.identityPoolId}:${job.startTime}`
    const progressKey = (job: BulkJob) => besides(streamKey(job.streamName), `bulk:${job.identityPoolId}:${job.startTime}`)
    const member = (job: BulkJob) => JSON.stringify([job.identityPoolId, job.startTime, job.streamName])

    const parseJob = (text: unknown): ReadonlyArray<BulkJob> => {
      try {
        const [identityPoolId, startTime, streamName] = JSON.parse(String(text))
        return typeof identityPoolId === "string" && typeof startTime === "number" && typeof streamName === "string"
          ? [{ identityPoolId, startTime, streamName }]
          : []
      } catch {
        return []
      }
    }

    const bulk: StreamPublisher.BulkJournal = {
      durable: true,
      leaseMillis,
      open: (job) => command(jobsKey, ["SADD", jobsKey, member(job)]),
      jobs: Effect.map(command(jobsKey, ["SMEMBERS", jobsKey]), (members) =>
        Array.isArray(members) ? members.flatMap(parseJob) : []),
      lease: (job, holder) =>
        Effect.map(script(scripts.lease, [leaseKey(job)], [holder, String(leaseMillis)]), (held) => held === 1),
      append: (job, entries) =>
        entries.length === 0 ? Effect.succeed(0) : Effect.map(
          script(scripts.appendOnce, [streamKey(job.streamName), progressKey(job)], [
            maxLength,
            String(PROGRESS_TTL),
            ...entries.flatMap(({ dataset, json, record }) => [dataset, record.identityId, json])
          ]),
          Number
        ),
      close: (job) =>
        Effect.all([
          command(progressKey(job), ["DEL", progressKey(job)]),
          command(leaseKey(job), ["DEL", leaseKey(job)]),
          command(jobsKey, ["SREM", jobsKey, member(job)])
        ], { discard: true }),
      // on a Cluster a script reaches the datasets of one identity only: the store groups them
      ...(cluster ? {} : { read: makeBulkRead(script, keys) })
    }

    const xadd = (key: string, partitionKey: string, data: string) =>
      command(key, ["XADD", key, "MAXLEN", "~", maxLength, "*", "partitionKey", partitionKey, "data", data])
    /** Clears the outbox entry a commit left in the identity's slot (on a Cluster). */
    const clear = (ref: { readonly identityPoolId: string; readonly identityId: string }, outbox: string) => {
      const box = keys.outbox(keys.identity(ref.identityPoolId, ref.identityId))
      return command(box, ["HDEL", box, outbox])
    }
    const publish: StreamPublisher.StreamPublisherShape["publish"] = (streamName, record, outbox) => {
      const append = xadd(streamKey(streamName), record.identityId, JSON.stringify(record))
      // an entry the commit appended itself is never handed here: core skips it (appendedInCommit)
      return outbox === undefined || mode === "commit" ? Effect.asVoid(append) : Effect.zipRight(append, clear(record, outbox))
    }
    const offload: StreamPublisher.StreamPublisherShape["offload"] = (records) => {
      const key = keys.streamPayload(randomUUID())
      return Effect.as(command(key, ["SET", key, JSON.stringify(records), "PX", String(DAY)]), `redis:${key}`)
    }

    const outboxAge = options.outboxAge === undefined ? 5000 : Duration.toMillis(Duration.decode(options.outboxAge))
    const outboxPattern = `${globEscaped(prefix)}:{*}:outbox`
    /** where the scan of each primary stands between sweeps: a large keyspace is gone through a part at a time */
    const cursors = new Map<string, string>()
    /** Appends the entries older than `outboxAge` of one outbox, and clears them; drops what is no entry. */
    const sweepOutbox = (box: string, now: number) =>
      Effect.gen(function*() {
        const fields = yield* command(box, ["HGETALL", box])
        if (!Array.isArray(fields)) return
        for (let i = 0; i + 1 < fields.length; i += 2) {
          const field = String(fields[i])
          const entry = parseOutboxEntry(fields[i + 1])
          if (entry !== undefined && now - entry.now < outboxAge) continue
          if (entry !== undefined) {
            if (entry.payload !== "") yield* command(entry.payloadKey, ["SET", entry.payloadKey, entry.payload, "PX", String(DAY)])
            yield* xadd(streamKey(entry.streamName), entry.partitionKey, entry.data)
          }
          yield* command(box, ["HDEL", box, field])
        }
      })
    /** On every primary, the next part of the scan for outboxes (up to SCANS_PER_SWEEP calls), each swept. */
    const sweep = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      yield* Effect.forEach(nodes(), (node) =>
        Effect.gen(function*() {
          for (let call = 0; call < SCANS_PER_SWEEP; call++) {
            const reply = yield* nodeCommand(node, ["SCAN", cursors.get(node) ?? "0", "MATCH", outboxPattern, "COUNT", "1000"])
            if (!Array.isArray(reply) || !Array.isArray(reply[1])) return
            cursors.set(node, String(reply[0]))
            yield* Effect.forEach(reply[1] as Array<unknown>, (box) => sweepOutbox(String(box), now), { discard: true })
            if (String(reply[0]) === "0") return
          }
        }), { discard: true })
    })
    if (mode === "outbox") {
      yield* Effect.forkScoped(
        sweep.pipe(
          Effect.catchAllCause((cause) => Effect.logWarning("syncalite: sweeping the Cognito Streams outbox failed", cause)),
          Effect.repeat(Schedule.spaced(Duration.millis(outboxAge / 2)))
        )
      )
    }

    return {
      streamKey,
      publish,
      appendedInCommit: mode === "commit",
      offload,
      bulk
    }
  })

/**
 * The publisher as a layer of both its own tag and the port's, over a `RedisSyncStore`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<RedisStreamPublisher | StreamPublisher.StreamPublisher, never, RedisSyncStore> =>
  Layer.scopedContext(
    Effect.map(make(options), (publisher) =>
      Context.make(RedisStreamPublisher, publisher).pipe(Context.add(StreamPublisher.StreamPublisher, publisher)))
  )
