import { Effect, Schema } from "effect"
import { compileDecoder, Undecided } from "./compiledDecoder.js"
import { StorageError, type SyncStoreDriver, type Versioned } from "./storeModel.js"

const Time = Schema.Number

/** shards of one pool's identity index */
export const IDENTITY_SHARDS = 16
/** counters of one pool's sync sessions: every ListRecords adds to one of them; usage sums them all */
export const SESSION_SHARDS = 32

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
  consumedSessions: Schema.Struct({
    floor: Time,
    sessions: Schema.Array(Schema.Struct({ id: Schema.String, expiresAt: Time }))
  }),
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
export const reader = (driver: SyncStoreDriver) => <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema)
  // a document is read on every call that touches it, all its records with it: the schema's
  // parser cost a Keyv ListRecords of a hundred records more than the rest of it
  const compiled = compileDecoder(schema, {}, "values")
  const check = (key: string, entry: Versioned): Read<A> | StorageError => {
    const value = compiled === undefined ? Undecided : compiled(entry.value)
    if (value !== Undecided) return { version: entry.version, value }
    const result = decode(entry.value)
    return result._tag === "Right"
      ? { version: entry.version, value: result.right }
      : new StorageError({ message: `Unreadable value under key ${key}`, key, cause: result.left })
  }
  if (driver.trusted) {
    // values come back as this store wrote them: no validation, and no extra steps on hot paths
    return {
      one: driver.get as (key: string) => Effect.Effect<Read<A> | undefined, StorageError>,
      many: driver.getMany as (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Read<A> | undefined>, StorageError>
    }
  }
  const one = (key: string): Effect.Effect<Read<A> | undefined, StorageError> =>
    Effect.flatMap(driver.get(key), (entry) => {
      if (entry === undefined || entry === null) return Effect.succeed(undefined)
      const read = check(key, entry)
      return read instanceof StorageError ? Effect.fail(read) : Effect.succeed(read)
    })
  const many = (keys: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Read<A> | undefined>, StorageError> =>
    Effect.flatMap(driver.getMany(keys), (entries) => {
      const reads: Array<Read<A> | undefined> = []
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]
        const read = entry === undefined || entry === null ? undefined : check(keys[i]!, entry)
        if (read instanceof StorageError) return Effect.fail(read)
        reads.push(read)
      }
      return Effect.succeed(reads)
    })
  return { one, many }
}

const MAX_ATTEMPTS = 200

/** Retries an optimistic step until it yields a result; undefined means "lost a race, again". */
export const optimistic = <A, E, R>(what: string, step: Effect.Effect<A | undefined, E, R>): Effect.Effect<A, E | StorageError, R> => {
  const attempt = (attempts: number): Effect.Effect<A, E | StorageError, R> =>
    Effect.flatMap(step, (result) => {
      if (result !== undefined) return Effect.succeed(result)
      if (attempts >= MAX_ATTEMPTS) return Effect.fail(new StorageError({ message: `Too much contention on ${what}` }))
      return attempts > 3 ? Effect.zipRight(Effect.sleep(Math.min(attempts, 20)), attempt(attempts + 1)) : attempt(attempts + 1)
    })
  return attempt(1)
}
