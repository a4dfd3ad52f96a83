import { Effect, type Either, Schema } from "effect"
import type { SyncStore } from "@syncalite/core"
import {
  type IdentityIndex,
  type IdentityStoreShape,
  Login,
  type Page,
  PendingMerge,
  SigningKey,
  StorageError,
  StoredIdentity,
  StoredPool
} from "./storeModel.js"

/** shards of one pool's identity index, so that creating identities does not contend on one key */
const IDENTITY_SHARDS = 16
const MAX_ATTEMPTS = 200

const IndexDoc = Schema.Struct({ ids: Schema.Array(Schema.String) })
const LinkDoc = Schema.Struct({ identityId: Schema.String })
const MergesDoc = Schema.Struct({ merges: Schema.Array(PendingMerge) })

interface Read<A> {
  readonly version: number
  readonly value: A
}

const AGAIN = Symbol("again")
type Step<A> = A | typeof AGAIN

const shardOf = (id: string): number => {
  let hash = 0
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0
  return Math.abs(hash) % IDENTITY_SHARDS
}

const sameLogin = (a: Login, b: Login): boolean => a.provider === b.provider && a.subject === b.subject
const loginOrder = (a: Login, b: Login): number =>
  a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0
const withLogins = (logins: ReadonlyArray<Login>, added: ReadonlyArray<Login>): ReadonlyArray<Login> => {
  const next = [...logins]
  for (const login of added) if (!next.some((known) => sameLogin(known, login))) next.push(login)
  return next.sort(loginOrder)
}

const key = {
  pool: (id: string) => `ci/p/${id}`,
  pools: "ci/pools",
  identity: (id: string) => `ci/i/${id}`,
  identities: (pool: string, shard: number) => `ci/x/${pool}/${shard}`,
  login: (pool: string, login: Login) =>
    `ci/l/${pool}/${encodeURIComponent(login.provider)}/${encodeURIComponent(login.subject)}`,
  signingKey: "ci/k",
  merges: "ci/merges"
}

/** Retries an optimistic step until it stops answering AGAIN (it lost a race). */
const optimistic = <A, E>(what: string, step: Effect.Effect<Step<A>, E>): Effect.Effect<A, E | StorageError> => {
  const attempt = (attempts: number): Effect.Effect<A, E | StorageError> =>
    Effect.flatMap(step, (result) => {
      if (result !== AGAIN) return Effect.succeed(result)
      if (attempts >= MAX_ATTEMPTS) return Effect.fail(new StorageError({ message: `Too much contention on ${what}` }))
      return attempts > 3 ? Effect.zipRight(Effect.sleep(Math.min(attempts, 20)), attempt(attempts + 1)) : attempt(attempts + 1)
    })
  return attempt(1)
}

export const makeDriverIdentityStore = (driver: SyncStore.SyncStoreDriver, nativeIndex?: IdentityIndex): IdentityStoreShape => {
  /** Typed reads; values of an untrusted driver are validated, and one that does not fit is a StorageError. */
  const documents = <A, I>(schema: Schema.Schema<A, I>) => {
    const decode = Schema.decodeUnknownEither(schema)
    const check = (at: string, entry: SyncStore.Versioned | undefined | null): Read<A> | undefined | StorageError => {
      if (entry === undefined || entry === null) return undefined
      if (driver.trusted === true) return entry as Read<A>
      const decoded = decode(entry.value)
      return decoded._tag === "Right"
        ? { version: entry.version, value: decoded.right }
        : new StorageError({ message: `Unreadable value under key ${at}`, key: at, cause: decoded.left })
    }
    const one = (at: string): Effect.Effect<Read<A> | undefined, StorageError> =>
      Effect.flatMap(driver.get(at), (entry) => {
        const read = check(at, entry)
        return read instanceof StorageError ? Effect.fail(read) : Effect.succeed(read)
      })
    const many = (keys: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Read<A> | undefined>, StorageError> =>
      keys.length === 0 ? Effect.succeed([]) : Effect.flatMap(driver.getMany(keys), (entries) => {
        const reads: Array<Read<A> | undefined> = []
        for (let i = 0; i < keys.length; i++) {
          const read = check(keys[i]!, entries[i])
          if (read instanceof StorageError) return Effect.fail(read)
          reads.push(read)
        }
        return Effect.succeed(reads)
      })
    return { one, many }
  }
  const pools = documents(StoredPool)
  const identities = documents(StoredIdentity)
  const indexes = documents(IndexDoc)
  const links = documents(LinkDoc)
  const keys = documents(SigningKey)
  const merges = documents(MergesDoc)

  /** A compare-and-set of one key's next value from its current one; `next` undefined leaves it. */
  const modify = <A, Doc>(
    at: string,
    read: (at: string) => Effect.Effect<Read<Doc> | undefined, StorageError>,
    next: (current: Doc | undefined) => readonly [A, Doc | undefined]
  ): Effect.Effect<A, StorageError> =>
    optimistic(
      at,
      Effect.flatMap(read(at), (current) => {
        const [result, value] = next(current?.value)
        if (value === undefined) return Effect.succeed(result)
        return Effect.map(driver.compareAndSet(at, current?.version, value), (done): Step<A> => done ? result : AGAIN)
      })
    )

  /** Records a pending merge, or removes the one of `source` (`merge` undefined). */
  const journal = (source: string, merge: PendingMerge | undefined) =>
    modify(key.merges, merges.one, (doc) => {
      const others = (doc?.merges ?? []).filter((known) => known.source !== source)
      if (merge === undefined && others.length === (doc?.merges.length ?? 0)) return [undefined, undefined] as const
      return [undefined, { merges: merge === undefined ? others : [...others, merge] }] as const
    })

  const changeIndex = (at: string, id: string, present: boolean) =>
    modify(at, indexes.one, (index) => {
      const ids = index?.ids ?? []
      if (ids.includes(id) === present) return [undefined, undefined] as const
      const next = present ? [...ids, id].sort() : ids.filter((known) => known !== id)
      return [undefined, { ids: next }] as const
    })

  /** A pool's identities in IDENTITY_SHARDS documents of sorted ids: what a driver without an ordered set of its own keeps. */
  const shardedIndex: IdentityIndex = {
    add: (pool, id) => changeIndex(key.identities(pool, shardOf(id)), id, true),
    remove: (pool, id) => changeIndex(key.identities(pool, shardOf(id)), id, false),
    page: (pool, after, limit) =>
      Effect.map(indexes.many(Array.from({ length: IDENTITY_SHARDS }, (_, shard) => key.identities(pool, shard))), (shards) => {
        const ids = shards.flatMap((shard) => shard?.value.ids ?? []).filter((id) => after === undefined || id > after).sort()
        return { ids: ids.slice(0, limit), more: ids.length > limit }
      })
  }
  /**
   * The native index, into which a listing first moves what an earlier layout kept in shard
   * documents; a removal leaves no id there for a later listing to bring back.
   */
  const adopting = (native: IdentityIndex): IdentityIndex => {
    const adopt = (pool: string) =>
      Effect.forEach(Array.from({ length: IDENTITY_SHARDS }, (_, shard) => key.identities(pool, shard)), (at) =>
        Effect.flatMap(indexes.one(at), (doc) =>
          doc === undefined ? Effect.void : Effect.zipRight(
            Effect.forEach(doc.value.ids, (id) => native.add(pool, id), { discard: true }),
            driver.delete(at)
          )), { discard: true })
    return {
      add: native.add,
      remove: (pool, id) => Effect.zipRight(native.remove(pool, id), shardedIndex.remove(pool, id)),
      page: (pool, after, limit) => Effect.zipRight(adopt(pool), native.page(pool, after, limit))
    }
  }
  const index = nativeIndex === undefined ? shardedIndex : adopting(nativeIndex)

  const page = <A>(
    ids: ReadonlyArray<string>,
    after: string | undefined,
    limit: number,
    read: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Read<A> | undefined>, StorageError>,
    keyOf: (id: string) => string
  ): Effect.Effect<Page<A>, StorageError> => {
    const following = after === undefined ? ids : ids.filter((id) => id > after)
    const chosen = following.slice(0, limit)
    return Effect.map(read(chosen.map(keyOf)), (reads) => ({
      items: reads.flatMap((read) => read === undefined ? [] : [read.value]),
      more: following.length > chosen.length
    }))
  }

  const created = (new_: StoredIdentity) =>
    Effect.zipRight(
      index.add(new_.identityPoolId, new_.identityId),
      Effect.flatMap(driver.compareAndSet(key.identity(new_.identityId), undefined, new_), (done) =>
        done ? Effect.void : Effect.fail(new StorageError({ message: `Identity ${new_.identityId} exists already` })))
    )

  /** Makes sure the identity lists the login, creating the identity when absent. */
  const withLogin = (identityPoolId: string, identityId: string, login: Login, now: number) => {
    const listed = (identity: StoredIdentity) => identity.logins.some((known) => sameLogin(known, login))
    const link = modify(key.identity(identityId), identities.one, (identity) => [
      undefined,
      identity === undefined
        ? { identityId, identityPoolId, logins: [login], creationDate: now, lastModifiedDate: now, disabled: false }
        : listed(identity)
        ? undefined
        : { ...identity, logins: withLogins(identity.logins, [login]), lastModifiedDate: now, disabled: false }
    ] as const)
    return Effect.flatMap(identities.one(key.identity(identityId)), (current) =>
      current === undefined
        ? Effect.zipRight(index.add(identityPoolId, identityId), link)
        : listed(current.value)
        ? Effect.void
        : link)
  }

  const relink = (identityPoolId: string, login: Login, from: string, to: string | undefined) =>
    optimistic(
      key.login(identityPoolId, login),
      Effect.flatMap(links.one(key.login(identityPoolId, login)), (link): Effect.Effect<Step<void>, StorageError> => {
        if (link === undefined || link.value.identityId !== from) return Effect.succeed(undefined)
        if (to === undefined) return Effect.as(driver.delete(key.login(identityPoolId, login)), undefined)
        return Effect.map(
          driver.compareAndSet(key.login(identityPoolId, login), link.version, { identityId: to }),
          (done): Step<void> => done ? undefined : AGAIN
        )
      })
    )

  const updatePool = <E>(
    id: string,
    update: (pool: StoredPool) => Either.Either<StoredPool, E>
  ): Effect.Effect<StoredPool | undefined, E | StorageError> =>
    optimistic(
      key.pool(id),
      Effect.flatMap(pools.one(key.pool(id)), (current): Effect.Effect<Step<StoredPool | undefined>, E | StorageError> => {
        if (current === undefined) return Effect.succeed(undefined)
        const next = update(current.value)
        if (next._tag === "Left") return Effect.fail(next.left)
        return Effect.map(
          driver.compareAndSet(key.pool(id), current.version, next.right),
          (done): Step<StoredPool> => done ? next.right : AGAIN
        )
      })
    )

  return {
    createPool: (pool) =>
      Effect.zipRight(
        changeIndex(key.pools, pool.IdentityPoolId, true),
        Effect.flatMap(driver.compareAndSet(key.pool(pool.IdentityPoolId), undefined, pool), (done) =>
          done ? Effect.void : Effect.fail(new StorageError({ message: `Identity pool ${pool.IdentityPoolId} exists already` })))
      ),
    readPool: (id) => Effect.map(pools.one(key.pool(id)), (read) => read?.value),
    updatePool,
    deletePool: (id) =>
      Effect.flatMap(pools.one(key.pool(id)), (current) =>
        current === undefined
          ? Effect.succeed(false)
          : Effect.as(Effect.zipRight(driver.delete(key.pool(id)), changeIndex(key.pools, id, false)), true)),
    listPools: (after, limit) =>
      Effect.flatMap(indexes.one(key.pools), (index) => page(index?.value.ids ?? [], after, limit, pools.many, key.pool)),

    readIdentity: (id) => Effect.map(identities.one(key.identity(id)), (read) => read?.value),
    createIdentity: created,
    listIdentities: (pool, after, limit) =>
      Effect.flatMap(index.page(pool, after, limit), ({ ids, more }) =>
        Effect.map(identities.many(ids.map(key.identity)), (reads) => ({
          items: reads.flatMap((read) => read === undefined ? [] : [read.value]),
          more
        }))),
    deleteIdentity: (id) =>
      Effect.flatMap(identities.one(key.identity(id)), (current) => {
        if (current === undefined) return Effect.succeed(undefined)
        const identity = current.value
        return Effect.as(
          Effect.all([
            Effect.forEach(identity.logins, (login) => relink(identity.identityPoolId, login, id, undefined), { discard: true }),
            driver.delete(key.identity(id)),
            index.remove(identity.identityPoolId, id)
          ], { discard: true }),
          identity
        )
      }),

    findLogin: (pool, login) => Effect.map(links.one(key.login(pool, login)), (link) => link?.value.identityId),
    linkLogin: (pool, login, identityId, now) =>
      Effect.flatMap(
        optimistic(
          key.login(pool, login),
          Effect.flatMap(links.one(key.login(pool, login)), (link): Effect.Effect<Step<string>, StorageError> =>
            link !== undefined
              ? Effect.succeed(link.value.identityId)
              : Effect.map(
                driver.compareAndSet(key.login(pool, login), undefined, { identityId }),
                (done): Step<string> => done ? identityId : AGAIN
              ))
        ),
        (owner) => Effect.as(withLogin(pool, owner, login, now), owner)
      ),
    unlinkLogin: (id, login, now, disableWhenLast) =>
      Effect.flatMap(identities.one(key.identity(id)), (current) => {
        if (current === undefined || !current.value.logins.some((known) => sameLogin(known, login))) {
          return Effect.succeed(false)
        }
        return Effect.as(
          Effect.zipRight(
            relink(current.value.identityPoolId, login, id, undefined),
            modify(key.identity(id), identities.one, (identity) => {
              if (identity === undefined) return [undefined, undefined] as const
              const logins = identity.logins.filter((known) => !sameLogin(known, login))
              return [undefined, {
                ...identity,
                logins,
                lastModifiedDate: now,
                disabled: identity.disabled || (disableWhenLast && logins.length === 0)
              }] as const
            })
          ),
          true
        )
      }),
    // the journal first: the steps after it are each atomic, not together, and a merge they leave half done must be pending
    mergeIdentity: (source, destination, now) =>
      Effect.flatMap(identities.many([key.identity(source), key.identity(destination)]), ([from, to]) => {
        if (from === undefined || to === undefined || source === destination) return Effect.succeed(false)
        const moved = from.value.logins
        return Effect.as(
          Effect.all([
            journal(source, { identityPoolId: from.value.identityPoolId, source, destination, mergedAt: now }),
            modify(key.identity(destination), identities.one, (identity) => [
              undefined,
              identity && { ...identity, logins: withLogins(identity.logins, moved), lastModifiedDate: now, disabled: false }
            ] as const),
            Effect.forEach(moved, (login) => relink(from.value.identityPoolId, login, source, destination), { discard: true }),
            driver.delete(key.identity(source)),
            index.remove(from.value.identityPoolId, source)
          ], { discard: true }),
          true
        )
      }),

    pendingMerges: () =>
      Effect.map(merges.one(key.merges), (doc) => [...(doc?.value.merges ?? [])].sort((a, b) => a.mergedAt - b.mergedAt)),
    mergeDone: (source) => journal(source, undefined),

    readSigningKey: () => Effect.map(keys.one(key.signingKey), (stored) => stored?.value),
    signingKey: (candidate) =>
      optimistic(
        key.signingKey,
        Effect.flatMap(keys.one(key.signingKey), (stored) =>
          stored !== undefined
            ? Effect.succeed(stored.value)
            : Effect.map(driver.compareAndSet(key.signingKey, undefined, candidate), (done): Step<SigningKey> =>
              done ? candidate : AGAIN))
      )
  }
}
