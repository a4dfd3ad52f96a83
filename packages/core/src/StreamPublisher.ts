/**
 * Cognito Streams: one stream record per successful write of a pool whose streaming is
 * ENABLED, and the records of a bulk publish (SPEC B §9). Dates are epoch milliseconds.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Ref } from "effect"

/**
 * One record as it appears in a stream record.
 *
 * @since 0.1.0
 * @category models
 */
export interface KinesisSyncRecord {
  readonly key: string
  readonly value: string | null
  readonly syncCount: number
  readonly lastModifiedDate: number
  readonly deviceLastModifiedDate: number | null
  readonly op: "replace" | "remove"
}

/**
 * A stream record. Records whose inline form would exceed 1 MB travel by URL instead
 * (`payloadType` "S3Url").
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamRecord {
  readonly identityPoolId: string
  readonly identityId: string
  readonly datasetName: string
  readonly operation: "replace" | "remove"
  readonly kinesisSyncRecords: ReadonlyArray<KinesisSyncRecord> | null
  readonly kinesisSyncRecordsURL: string | null
  readonly lastModifiedDate: number
  readonly payloadType: "Inline" | "S3Url"
  readonly syncCount: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StreamPublisherShape {
  readonly publish: (streamName: string, record: StreamRecord) => Effect.Effect<void, unknown>
  /** keeps records too large to travel inline and answers the URL they can be read from */
  readonly offload: (records: ReadonlyArray<KinesisSyncRecord>) => Effect.Effect<string, unknown>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class StreamPublisher extends Context.Tag("@syncalite/core/StreamPublisher")<
  StreamPublisher,
  StreamPublisherShape
>() {}

/**
 * What was published through `layerMemory`, for tests.
 *
 * @since 0.1.0
 * @category tags
 */
export class StreamPublisherMemory extends Context.Tag("@syncalite/core/StreamPublisherMemory")<
  StreamPublisherMemory,
  {
    readonly published: Effect.Effect<ReadonlyArray<{ readonly streamName: string; readonly record: StreamRecord }>>
    readonly offloaded: (url: string) => Effect.Effect<ReadonlyArray<KinesisSyncRecord> | undefined>
  }
>() {}

/**
 * Discards every record.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNoop: Layer.Layer<StreamPublisher> = Layer.succeed(StreamPublisher, {
  publish: () => Effect.void,
  offload: () => Effect.succeed("about:blank")
})

/**
 * Keeps every record in memory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<StreamPublisher | StreamPublisherMemory> = Layer.effectContext(
  Effect.gen(function*() {
    const published = yield* Ref.make<ReadonlyArray<{ readonly streamName: string; readonly record: StreamRecord }>>([])
    const payloads = yield* Ref.make<ReadonlyMap<string, ReadonlyArray<KinesisSyncRecord>>>(new Map())
    return Context.make(StreamPublisher, {
      publish: (streamName, record) => Ref.update(published, (all) => [...all, { streamName, record }]),
      offload: (records) =>
        Ref.modify(payloads, (all) => {
          const url = `memory://syncalite/stream-payloads/${all.size + 1}`
          return [url, new Map([...all, [url, records]])]
        })
    }).pipe(Context.add(StreamPublisherMemory, {
      published: Ref.get(published),
      offloaded: (url) => Effect.map(Ref.get(payloads), (all) => all.get(url))
    }))
  })
)

/**
 * Hands every record to application functions.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFunction = (options: {
  readonly publish: (streamName: string, record: StreamRecord) => void | Promise<void>
  readonly offload: (records: ReadonlyArray<KinesisSyncRecord>) => string | Promise<string>
}): Layer.Layer<StreamPublisher> =>
  Layer.succeed(StreamPublisher, {
    publish: (streamName, record) => Effect.tryPromise(async () => options.publish(streamName, record)),
    offload: (records) => Effect.tryPromise(async () => options.offload(records))
  })
