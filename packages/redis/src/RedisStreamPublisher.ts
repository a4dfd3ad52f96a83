/**
 * Cognito Streams on Redis Streams, over the connection of a `RedisSyncStore`. A pool whose
 * streaming is ENABLED gets one entry per successful write in the stream
 * `<prefix>:streams:<StreamName>`, with the fields `partitionKey` (the identity id) and `data`
 * (the SPEC B §9 record as JSON), the stream bounded by an approximate MAXLEN. Consumers read
 * it with consumer groups (XREADGROUP).
 *
 * Live writes are appended after their commit, by the process that committed. Bulk publish keeps
 * its journal in Redis: the list of running jobs, a lease per job that the running process renews
 * (and that another process takes over when it stops), and each job's progress in the stream's
 * slot, appended to in the same script as the entry, so that every dataset is appended once per
 * job however often the job stops and resumes.
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
import { Context, Duration, Effect, Layer, type Scope } from "effect"
import { StreamPublisher } from "@syncalite/core"
import type { ClientLike } from "./internal/connection.js"
import { makeConnection } from "./internal/connection.js"
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
    const { command, script } = yield* Effect.acquireRelease(
      Effect.sync(() =>
        makeConnection(
          store.client as unknown as ClientLike,
          options.commandTimeout === undefined ? 2000 : Duration.toMillis(Duration.decode(options.commandTimeout))
        )
      ),
      (connection) => Effect.sync(() => connection.dispose())
    )
    const maxLength = String(options.maxLength ?? 1_000_000)
    const leaseMillis = options.leaseTtl === undefined ? 30_000 : Duration.toMillis(Duration.decode(options.leaseTtl))
    const prefix = store.prefix
    const streamKey = (streamName: string) => `${prefix}:streams:${streamName}`
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
            ...entries.flatMap(({ dataset, record }) => [dataset, record.identityId, JSON.stringify(record)])
          ]),
          Number
        ),
      close: (job) =>
        Effect.all([
          command(progressKey(job), ["DEL", progressKey(job)]),
          command(leaseKey(job), ["DEL", leaseKey(job)]),
          command(jobsKey, ["SREM", jobsKey, member(job)])
        ], { discard: true })
    }

    return {
      streamKey,
      publish: (streamName, record) =>
        Effect.asVoid(command(streamKey(streamName), [
          "XADD",
          streamKey(streamName),
          "MAXLEN",
          "~",
          maxLength,
          "*",
          "partitionKey",
          record.identityId,
          "data",
          JSON.stringify(record)
        ])),
      offload: (records) => {
        const key = `${prefix}:stream-payloads:${randomUUID()}`
        return Effect.as(command(key, ["SET", key, JSON.stringify(records), "PX", String(DAY)]), `redis:${key}`)
      },
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
