import { Effect, Schema } from "effect"
import { CognitoStreams, PushSync } from "../Shapes.js"
import { StorageError, type SyncStoreDriver } from "../SyncStore.js"

const Time = Schema.Number

export const StoredRecordDoc = Schema.Struct({
  key: Schema.String,
  value: Schema.NullOr(Schema.String),
  syncCount: Schema.Number,
  lastModifiedDate: Time,
  lastModifiedBy: Schema.String,
  deviceLastModifiedDate: Schema.optionalWith(Time, { exact: true })
})

export const HeadDoc = Schema.Struct({
  name: Schema.String,
  exists: Schema.Boolean,
  syncCount: Schema.Number,
  lastDeletionCount: Schema.Number,
  creationDate: Time,
  lastModifiedDate: Time,
  lastModifiedBy: Schema.String,
  numRecords: Schema.Number,
  dataStorage: Schema.Number,
  entries: Schema.Number,
  entryBytes: Schema.Number,
  consumedSessions: Schema.Array(Schema.Struct({ id: Schema.String, expiresAt: Time })),
  /** the key of the records document of this version, null when deleted */
  records: Schema.NullOr(Schema.String)
})
export type HeadDoc = typeof HeadDoc.Type

export const DeviceDoc = Schema.Struct({ platform: Schema.String, token: Schema.String })

export const IdentityDoc = Schema.Struct({
  datasets: Schema.Record({ key: Schema.String, value: HeadDoc }),
  devices: Schema.Record({ key: Schema.String, value: DeviceDoc }),
  subscriptions: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })
})
export type IdentityDoc = typeof IdentityDoc.Type

/** An immutable version of a dataset's records, sorted by key. */
export const RecordsDoc = Schema.Struct({ records: Schema.Array(StoredRecordDoc) })
export type RecordsDoc = typeof RecordsDoc.Type

export const PoolDoc = Schema.Struct({
  pushSync: Schema.optionalWith(PushSync, { exact: true }),
  cognitoStreams: Schema.optionalWith(CognitoStreams, { exact: true }),
  events: Schema.Record({ key: Schema.String, value: Schema.String }),
  bulkPublish: Schema.Struct({
    status: Schema.Literal("NOT_STARTED", "IN_PROGRESS", "FAILED", "SUCCEEDED"),
    startTime: Schema.optionalWith(Time, { exact: true }),
    completeTime: Schema.optionalWith(Time, { exact: true }),
    failureMessage: Schema.optionalWith(Schema.String, { exact: true })
  }),
  lastModifiedDate: Schema.optionalWith(Time, { exact: true })
})
export type PoolDoc = typeof PoolDoc.Type

/** A sorted set of ids: the pools, or one shard of a pool's identities. */
export const IndexDoc = Schema.Struct({ ids: Schema.Array(Schema.String) })
export type IndexDoc = typeof IndexDoc.Type

export const CounterDoc = Schema.Struct({ count: Schema.Number })
export type CounterDoc = typeof CounterDoc.Type

export interface Read<A> {
  readonly version: number
  readonly value: A
}

/**
 * Typed reads over a driver: values from an untrusted driver are validated, and a value that
 * does not fit is a StorageError naming its key.
 */
export const reader = (driver: SyncStoreDriver) => {
  const check = <A, I>(schema: Schema.Schema<A, I>) => {
    const decode = Schema.decodeUnknownEither(schema)
    return (key: string, value: unknown): Effect.Effect<A, StorageError> => {
      if (driver.trusted) return Effect.succeed(value as A)
      const result = decode(value)
      return result._tag === "Right"
        ? Effect.succeed(result.right)
        : Effect.fail(new StorageError({ message: `Unreadable value under key ${key}`, key, cause: result.left }))
    }
  }
  return <A, I>(schema: Schema.Schema<A, I>) => {
    const decode = check(schema)
    const one = (key: string): Effect.Effect<Read<A> | undefined, StorageError> =>
      Effect.flatMap(driver.get(key), (entry) =>
        entry === undefined
          ? Effect.succeed(undefined)
          : Effect.map(decode(key, entry.value), (value) => ({ version: entry.version, value })))
    const many = (keys: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Read<A> | undefined>, StorageError> =>
      Effect.flatMap(driver.getMany(keys), (entries) =>
        Effect.forEach(entries, (entry, i) =>
          entry === undefined
            ? Effect.succeed(undefined)
            : Effect.map(decode(keys[i]!, entry.value), (value) => ({ version: entry.version, value }))))
    return { one, many }
  }
}
