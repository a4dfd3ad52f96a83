/**
 * What merging two identities does to their Cognito Sync data: every dataset of the source
 * identity moves to the surviving one as `<DatasetName>.<sourceIdentityId>` (SPEC B §6). A port,
 * so that the identity service runs with a sync store (`layerSyncStore`) or alone (`layerNoop`).
 *
 * Over a sync store, each dataset is written whole into the survivor in one atomic step (the
 * store's `restore` of an item), its head starting at DatasetSyncCount 1 while its records keep
 * their sync counts, then deleted from the source. The two steps are not one: a crash between
 * them leaves the dataset in both identities, and merging again writes the same copy again.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { SyncStore } from "@syncalite/core"

/**
 * @since 0.1.0
 * @category models
 */
export interface DatasetMergeShape {
  /** moves every dataset of `source` to `destination`, each atomically */
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

/**
 * Moves datasets in a sync store with the store's own port: its reads, `restore` and
 * `deleteDataset`, so every adapter does it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (store: SyncStore.SyncStoreShape): DatasetMergeShape => ({
  merge: (identityPoolId, source, destination, now) =>
    Effect.gen(function*() {
      const heads = yield* store.listDatasets(identityPoolId, source)
      for (const { exists, name } of heads) {
        if (!exists) continue
        const ref = { identityPoolId, identityId: source, datasetName: name }
        const { head, records } = yield* store.readDataset(ref, { since: 0 })
        if (head === undefined || !head.exists) continue
        yield* store.restore([{
          _tag: "Identity",
          identityPoolId,
          identityId: destination,
          datasets: [{
            head: {
              ...head,
              name: `${name}.${source}`,
              syncCount: 1,
              lastDeletionCount: 0,
              lastModifiedDate: now,
              consumedSessions: { floor: 0, sessions: [] }
            },
            records
          }],
          devices: [],
          subscriptions: []
        }])
        yield* store.deleteDataset(ref, now)
      }
    })
})

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
