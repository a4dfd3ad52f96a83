/**
 * What merging two identities does to their Cognito Sync data: every dataset of the source
 * identity moves to the surviving one as `<DatasetName>.<sourceIdentityId>` (SPEC B §6). A port,
 * so that the identity service runs with a sync store (`layerSyncStore`) or alone (`layerNoop`).
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { SyncStore } from "@syncalite/core"

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
