/**
 * A consumer of Cognito Streams on Redis Streams: one member of a consumer group reading
 * `<prefix>:streams:<StreamName>`, where syncalite appends an entry per write (fields
 * `partitionKey`, the identity id, and `data`, the stream record as JSON). Every process started
 * with the same group shares the entries; each entry is acknowledged once handled, and what a
 * consumer read but never acknowledged (it stopped) is claimed by another after a minute.
 *
 *   STREAM=my-stream node --import tsx examples/stream-consumer/src/consumer.ts
 *
 * REDIS_URL (redis://127.0.0.1:6379), SYNCALITE_REDIS_PREFIX (syncalite), GROUP (syncalite-consumers),
 * CONSUMER (this host and process).
 */
import { hostname } from "node:os"
import { pathToFileURL } from "node:url"
import { createClient } from "@redis/client"

/** The stream record of SPEC B §9, as syncalite writes it. */
export interface StreamRecord {
  readonly identityPoolId: string
  readonly identityId: string
  readonly datasetName: string
  readonly operation: "replace" | "remove"
  readonly kinesisSyncRecords: ReadonlyArray<{
    readonly key: string
    readonly value: string | null
    readonly syncCount: number
    readonly lastModifiedDate: number
    readonly deviceLastModifiedDate: number | null
    readonly op: "replace" | "remove"
  }> | null
  readonly kinesisSyncRecordsURL: string | null
  readonly lastModifiedDate: number
  readonly payloadType: "Inline" | "S3Url"
  readonly syncCount: number
}

export interface ConsumerOptions {
  readonly url: string
  /** the full key of the stream: `<prefix>:streams:<StreamName>` */
  readonly stream: string
  readonly group: string
  readonly consumer: string
  /** handles one record; the entry is acknowledged when it resolves */
  readonly handle: (record: StreamRecord, partitionKey: string) => Promise<void> | void
  readonly signal: AbortSignal
  /** how long an entry read by a consumer that stopped waits before another claims it; a minute by default */
  readonly claimAfterMs?: number
}

/** Reads the stream as one member of the group until the signal aborts. */
export const consume = async (options: ConsumerOptions): Promise<void> => {
  const client = createClient({ url: options.url })
  client.on("error", () => undefined)
  await client.connect()
  try {
    // the group reads from the stream's start the first time; "$" would read only new entries
    await client.xGroupCreate(options.stream, options.group, "0", { MKSTREAM: true }).catch((error: Error) => {
      if (!error.message.startsWith("BUSYGROUP")) throw error
    })
    const handleAll = async (entries: ReadonlyArray<{ id: string; message: { [field: string]: string } } | null>) => {
      for (const entry of entries) {
        if (entry === null) continue
        await options.handle(JSON.parse(entry.message.data!) as StreamRecord, entry.message.partitionKey!)
        await client.xAck(options.stream, options.group, entry.id)
      }
    }
    while (!options.signal.aborted) {
      // first what another member read and never acknowledged
      const claimed = await client.xAutoClaim(options.stream, options.group, options.consumer, options.claimAfterMs ?? 60_000, "0-0", { COUNT: 100 })
      await handleAll(claimed.messages)
      const read = await client.xReadGroup(options.group, options.consumer, { key: options.stream, id: ">" }, { COUNT: 100, BLOCK: 1000 })
      for (const stream of (read ?? []) as Array<{ messages: Array<{ id: string; message: { [field: string]: string } }> }>) {
        await handleAll(stream.messages)
      }
    }
  } finally {
    client.destroy()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const stream = process.env.STREAM
  if (!stream) {
    console.error("give the stream's name: STREAM=<StreamName>")
    process.exit(2)
  }
  const abort = new AbortController()
  process.once("SIGINT", () => abort.abort())
  process.once("SIGTERM", () => abort.abort())
  await consume({
    url: process.env.REDIS_URL || "redis://127.0.0.1:6379",
    stream: `${process.env.SYNCALITE_REDIS_PREFIX || "syncalite"}:streams:${stream}`,
    group: process.env.GROUP || "syncalite-consumers",
    consumer: process.env.CONSUMER || `${hostname()}-${process.pid}`,
    signal: abort.signal,
    handle: (record) => {
      const keys = record.kinesisSyncRecords?.map((entry) => `${entry.key}=${entry.value ?? "(removed)"}`).join(" ") ?? ""
      console.log(`${record.identityId} ${record.datasetName} #${record.syncCount} ${record.operation} ${keys}`)
    }
  })
}
