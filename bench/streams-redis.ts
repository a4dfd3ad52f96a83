/**
 * Cognito Streams on Redis Streams (`RedisStreamPublisher`), each figure beside its baseline in
 * the same run:
 *
 * - UpdateRecords through `createCognitoSync` on Redis, on a pool whose streaming is ENABLED
 *   beside the same on a pool whose streaming is DISABLED, at 1 and 64 in flight (each writer on
 *   a dataset of its own), in alternating rounds; target: at least 80%.
 * - Bulk publish of a pool of 10,000 datasets, from BulkPublish to SUCCEEDED (listing the pool,
 *   reading every dataset, appending each once with the job's progress), beside raw XADD of the
 *   very entries it appended (same fields, same MAXLEN) into another stream through the same
 *   client, one command each, 64 in flight (the client pipelines them): the cost of the appends
 *   alone, with nothing read and nothing recorded; target: at least 50%. Beside it the floor of
 *   any job that reads every dataset and appends it through the same client: the head and the
 *   records of each dataset read by hand (HGET and HVALS, 64 datasets in flight), then the same
 *   raw XADD into a third stream.
 *
 * Redis comes from REDIS_URL (default redis://127.0.0.1:6379); the section is skipped when it
 * does not answer. Keys live under a prefix of their own and are removed afterwards.
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { createCognitoSync, StreamPublisher, SyncSessionToken, SyncStore } from "@syncalite/core"
import { RedisStreamPublisher, RedisSyncStore } from "@syncalite/redis"
import { alternate, type Figure, sessions } from "./measure.js"
import { measureInFlight, storeKeys } from "./redis-harness.js"
import { line } from "./storage-redis.js"

const url = process.env.REDIS_URL || "redis://127.0.0.1:6379"
const secret = "bench-secret-0123456789"
const limits = { datasetsPerIdentity: 20, recordsPerDataset: 1024, bytesPerDataset: 1024 * 1024 }
const DATASETS = 10_000
const ROUNDS = 5
const BULK_ROUNDS = 3
/** how many XADD the baseline keeps in flight */
const RAW_IN_FLIGHT = 64

export const benchStreamsRedis = async () => {
  console.log(`\n# Cognito Streams on Redis Streams at ${url.replace(/\/\/[^@/]*@/, "//")}`)
  const prefix = `syncalite-bench-${randomUUID().slice(0, 8)}`
  const scope = Effect.runSync(Scope.make())
  const layer = RedisStreamPublisher.layer().pipe(Layer.provideMerge(RedisSyncStore.layer({ redis: url, prefix })))
  const built = await Effect.runPromiseExit(Layer.buildWithScope(layer, scope))
  if (Exit.isFailure(built)) {
    console.log(`skipped: Redis does not answer at ${url} (set REDIS_URL)`)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    return
  }
  const store = Context.get(built.value, RedisSyncStore.RedisSyncStore)
  const publisher = Context.get(built.value, RedisStreamPublisher.RedisStreamPublisher)
  const client = store.client as unknown as { sendCommand: (args: ReadonlyArray<string>) => Promise<unknown> }
  const sync = createCognitoSync({
    tokenSecret: secret,
    store: Layer.succeed(SyncStore.SyncStore, store),
    stream: Layer.succeed(StreamPublisher.StreamPublisher, publisher),
    // the jobs' progress lines are not figures; what goes wrong still prints
    log: ({ level, message, error }) => {
      if (level !== "info" && level !== "debug") console.log(`${level}: ${message}`, error ?? "")
    }
  })
  const session = sessions()
  const identities = Array.from({ length: 64 }, (_, i) => `us-east-1:${i.toString(16).padStart(8, "0")}`)
  try {
    const pool = async (status: "ENABLED" | "DISABLED") => {
      const id = `us-east-1:${randomUUID()}`
      await sync.setIdentityPoolConfiguration({
        IdentityPoolId: id,
        CognitoStreams: { StreamName: `bench-${randomUUID()}`, StreamingStatus: status }
      })
      return id
    }
    const enabled = await pool("ENABLED")
    const disabled = await pool("DISABLED")

    const updates = (IdentityPoolId: string, inFlight: number, name: string) => {
      const counts = new Array<number>(inFlight).fill(0)
      const DatasetName = `writes-${inFlight}`
      return () =>
        measureInFlight(name, inFlight, async (worker, i) => {
          const IdentityId = identities[worker]!
          const result = await sync.updateRecords({
            IdentityPoolId,
            IdentityId,
            DatasetName,
            // a fresh token per write, minted as ListRecords would
            SyncSessionToken: SyncSessionToken.mint(secret, { identityPoolId: IdentityPoolId, identityId: IdentityId, datasetName: DatasetName }, session()),
            RecordPatches: [{ Op: "replace", Key: "key", Value: `value ${i}`, SyncCount: counts[worker]! }]
          })
          counts[worker] = result.Records[0]!.SyncCount
        }, { seconds: 0.5, warmup: 0.1 })
    }
    for (const inFlight of [1, 64]) {
      const [off, on] = await alternate(
        ROUNDS,
        updates(disabled, inFlight, "streaming DISABLED"),
        updates(enabled, inFlight, "streaming ENABLED")
      )
      line(`UpdateRecords, streaming ENABLED, ${inFlight} in flight`, on, off, 0.8)
    }

    /** The nth dataset of a bulk published pool: 1,000 identities of 10 datasets each. */
    const refOf = (identityPoolId: string, n: number) => ({
      identityPoolId,
      identityId: `us-east-1:${(n % 1000).toString(16).padStart(8, "0")}`,
      datasetName: `d${Math.floor(n / 1000)}`
    })
    /** A pool of DATASETS datasets of one record each, written straight through the store. */
    const populated = async () => {
      const IdentityPoolId = await pool("ENABLED")
      let next = 0
      await Promise.all(Array.from({ length: 64 }, async () => {
        for (let n = next++; n < DATASETS; n = next++) {
          await Effect.runPromise(store.commit({
            ref: refOf(IdentityPoolId, n),
            session: session(),
            conditions: [{ key: "key", syncCount: 0 }],
            writes: [{ key: "key", value: `value ${n}` }],
            modifiedBy: "bench",
            now: Date.now(),
            limits
          }))
        }
      }))
      const { CognitoStreams } = await sync.getIdentityPoolConfiguration({ IdentityPoolId })
      return { IdentityPoolId, streamKey: publisher.streamKey(CognitoStreams!.StreamName!) }
    }

    const bulk: Array<Figure> = []
    const raw: Array<Figure> = []
    const floor: Array<Figure> = []
    for (let round = 0; round < BULK_ROUNDS; round++) {
      const { IdentityPoolId, streamKey } = await populated()
      const start = performance.now()
      await sync.bulkPublish({ IdentityPoolId })
      for (;;) {
        const { BulkPublishStatus } = await sync.getBulkPublishDetails({ IdentityPoolId })
        if (BulkPublishStatus === "FAILED") throw new Error("the bulk publish failed")
        if (BulkPublishStatus === "SUCCEEDED") break
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      bulk.push({ name: "bulk publish", perSecond: DATASETS / ((performance.now() - start) / 1000) })

      // the same entries again, appended by hand
      const entries = (await client.sendCommand(["XRANGE", streamKey, "-", "+"])) as Array<[string, Array<string>]>
      if (entries.length !== DATASETS) throw new Error(`the bulk publish appended ${entries.length} entries, not ${DATASETS}`)
      const copy = `${streamKey}:raw`
      let taken = 0
      const rawStart = performance.now()
      await Promise.all(Array.from({ length: RAW_IN_FLIGHT }, async () => {
        for (let n = taken++; n < entries.length; n = taken++) {
          await client.sendCommand(["XADD", copy, "MAXLEN", "~", "1000000", "*", ...entries[n]![1]])
        }
      }))
      raw.push({ name: `raw XADD of its entries, ${RAW_IN_FLIGHT} in flight`, perSecond: entries.length / ((performance.now() - rawStart) / 1000) })

      // the floor: every dataset read by hand (its head and its records), then its entry appended
      const again = `${streamKey}:floor`
      taken = 0
      let found = 0
      const floorStart = performance.now()
      await Promise.all(Array.from({ length: RAW_IN_FLIGHT }, async () => {
        for (let n = taken++; n < DATASETS; n = taken++) {
          const { datasetName, identityId } = refOf(IdentityPoolId, n)
          const { heads, records } = storeKeys(prefix, IdentityPoolId, identityId, datasetName)
          const [head] = await Promise.all([
            client.sendCommand(["HGET", heads, `h${datasetName}`]),
            client.sendCommand(["HVALS", records])
          ])
          if (head !== null) found++
        }
      }))
      if (found !== DATASETS) throw new Error(`the floor found ${found} datasets, not ${DATASETS}: the store's keys moved`)
      taken = 0
      await Promise.all(Array.from({ length: RAW_IN_FLIGHT }, async () => {
        for (let n = taken++; n < entries.length; n = taken++) {
          await client.sendCommand(["XADD", again, "MAXLEN", "~", "1000000", "*", ...entries[n]![1]])
        }
      }))
      floor.push({ name: "floor", perSecond: DATASETS / ((performance.now() - floorStart) / 1000) })
    }
    const median = (figures: ReadonlyArray<Figure>): Figure => ({
      name: figures[0]!.name,
      perSecond: [...figures].map((figure) => figure.perSecond).sort((a, b) => a - b)[Math.floor(figures.length / 2)]!
    })
    line(`Bulk publish of ${DATASETS.toLocaleString("en-US")} datasets (datasets/s)`, median(bulk), median(raw), 0.5)
    line(`  floor: ${RAW_IN_FLIGHT} HGET + HVALS in flight, then XADD`, median(floor), median(raw))
  } finally {
    await sync.close()
    for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
      let cursor = "0"
      do {
        const [next, batch] = (await client.sendCommand(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])) as [string, Array<string>]
        cursor = next
        if (batch.length > 0) await client.sendCommand(["UNLINK", ...batch])
      } while (cursor !== "0")
    }
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
