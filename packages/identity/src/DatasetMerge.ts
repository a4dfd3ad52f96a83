/**
 * What merging two identities does to their Cognito Sync data: every dataset of the source
 * identity moves to the surviving one as `<DatasetName>.<sourceIdentityId>` (SPEC B §6). A port,
 * so that the identity service runs with a sync store (`layerSyncStore`) or alone (`layerNoop`).
 *
 * Over a sync store, each dataset moves in two atomic steps of the store's own port, so every
 * adapter does it. First the survivor gets it: written whole when the survivor has no
 * `<DatasetName>.<source>` yet (`restore` of an item holding that dataset only, which leaves the
 * survivor's other datasets as they are; its head at DatasetSyncCount 1, its records keeping
 * their sync counts), or else the source's records newer than the survivor's own committed to it
 * (`commit`, conditional on what was read, so a device of the survivor writing to the merged
 * dataset loses nothing either, and its devices are given the new records). Then the dataset is
 * deleted from the source only while its sync count is still the one read (`deleteDatasetAt`). A
 * write to the source in between (its credentials stay valid after the merge) makes the deletion
 * answer `Changed`, and the dataset is read and moved again, the new write included: no write is
 * lost. Each step is atomic on its own identity, so source and survivor may live on different
 * slots of a Redis Cluster.
 *
 * A process that dies between the two steps leaves the dataset in both; moving it again finds
 * nothing newer to write and deletes it. The identity service keeps a journal of the merges
 * whose datasets may not all have moved, so that it does (see the package README).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { SyncStore } from "@syncalite/core"

/**
 * @since 0.1.0
 * @category models
 */
export interface DatasetMergeShape {
  /**
   * moves every dataset of `source` to `destination`, each atomically and with every write the
   * source received until it moved; moving them again moves what came since
   */
  readonly merge: (
    identityPoolId: string,
    source: string,
    destination: string,
    now: number
  ) => Effect.Effect<void, SyncStore.StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class DatasetMerge extends Context.Tag("@syncalite/identity/DatasetMerge")<DatasetMerge, DatasetMergeShape>() {}

/**
 * No datasets to move: Cognito Identity without Cognito Sync.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNoop: Layer.Layer<DatasetMerge> = Layer.succeed(DatasetMerge, { merge: () => Effect.void })

/** a source written this often while it moves is left to the next attempt of the merge */
const MAX_ATTEMPTS = 100

/**
 * The source's records that the survivor's copy lacks: newer than its own (or of the same
 * millisecond with another value), live or deleting one it has.
 */
const newer = (
  source: ReadonlyArray<SyncStore.StoredRecord>,
  copy: ReadonlyArray<SyncStore.StoredRecord>
): Array<SyncStore.StoredRecord> => {
  const known = new Map(copy.map((record) => [record.key, record]))
  return source.filter((record) => {
    const mine = known.get(record.key)
    if (mine === undefined) return record.value !== null
    return mine.lastModifiedDate < record.lastModifiedDate ||
      (mine.lastModifiedDate === record.lastModifiedDate && mine.value !== record.value)
  })
}

/**
 * Moves datasets in a sync store with the store's own port: its reads, `restore`, `commit` and
 * `deleteDatasetAt`, so every adapter does it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (store: SyncStore.SyncStoreShape): DatasetMergeShape => {
  /** the first copy: the dataset whole, its head at DatasetSyncCount 1 */
  const copied = (target: SyncStore.DatasetRef, head: SyncStore.DatasetHead, records: ReadonlyArray<SyncStore.StoredRecord>, now: number) =>
    Effect.as(
      store.restore([{
        _tag: "Identity",
        identityPoolId: target.identityPoolId,
        identityId: target.identityId,
        datasets: [{
          head: {
            ...head,
            name: target.datasetName,
            syncCount: 1,
            lastDeletionCount: 0,
            lastModifiedDate: now,
            consumedSessions: { floor: 0, sessions: [] }
          },
          records
        }],
        devices: [],
        subscriptions: []
      }]),
      true
    )

  /** a copy the survivor has already: the source's newer records committed to it, unless it changed since read */
  const folded = (
    target: SyncStore.DatasetRef,
    copy: SyncStore.DatasetView,
    head: SyncStore.DatasetHead,
    records: ReadonlyArray<SyncStore.StoredRecord>,
    now: number
  ) => {
    const writes = newer(records, copy.records)
    if (writes.length === 0) return Effect.succeed(true)
    const syncCountOf = new Map(copy.records.map((record) => [record.key, record.syncCount]))
    return Effect.map(
      store.commit({
        ref: target,
        session: { id: `merge-${randomUUID()}`, expiresAt: now + 60_000 },
        conditions: writes.map((record) => ({ key: record.key, syncCount: syncCountOf.get(record.key) ?? 0 })),
        expectedSyncCount: copy.head!.syncCount,
        writes: writes.map(({ deviceLastModifiedDate, key, value }) =>
          deviceLastModifiedDate === undefined ? { key, value } : { key, value, deviceLastModifiedDate }
        ),
        modifiedBy: head.lastModifiedBy,
        now,
        // the source kept within the limits; its copy is not refused for what the survivor holds besides
        limits: { datasetsPerIdentity: Infinity, recordsPerDataset: Infinity, bytesPerDataset: Infinity }
      }),
      (result) => result._tag === "Committed"
    )
  }

  const move = (ref: SyncStore.DatasetRef, destination: string, now: number) =>
    Effect.gen(function*() {
      const target = { identityPoolId: ref.identityPoolId, identityId: destination, datasetName: `${ref.datasetName}.${ref.identityId}` }
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { head, records } = yield* store.readDataset(ref, { since: 0 })
        if (head === undefined || !head.exists) return
        const copy = yield* store.readDataset(target, { since: 0 })
        const written = copy.head?.exists === true
          ? yield* folded(target, copy, head, records, now)
          : yield* copied(target, head, records, now)
        if (!written) continue
        const deletion = yield* store.deleteDatasetAt(ref, head.syncCount, now)
        if (deletion._tag !== "Changed") return
      }
      return yield* Effect.fail(
        new SyncStore.StorageError({ message: `Dataset ${ref.datasetName} of ${ref.identityId} kept changing while it moved` })
      )
    })

  return {
    merge: (identityPoolId, source, destination, now) =>
      Effect.flatMap(store.listDatasets(identityPoolId, source), (heads) =>
        Effect.forEach(
          heads,
          (head) => move({ identityPoolId, identityId: source, datasetName: head.name }, destination, now),
          { discard: true }
        ))
  }
}

/**
 * Moves datasets in the `SyncStore` the layer is given.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSyncStore: Layer.Layer<DatasetMerge, never, SyncStore.SyncStore> = Layer.effect(
  DatasetMerge,
  Effect.map(SyncStore.SyncStore, make)
)
