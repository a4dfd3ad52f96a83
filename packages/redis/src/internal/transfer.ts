/**
 * Scan and restore on Redis. Pools come from the index of pools, in id order; identities from
 * SCAN over the heads keys of each primary (of a cluster, each in turn), a position naming the
 * primary and its cursor. An identity is read by one script and restored by one script, on its
 * slot, after it is put in its pool's indexes.
 */
import { Effect, Either, Schema } from "effect"
import { SyncStore } from "@syncalite/core"
import {
  globEscaped,
  inKeyOrder,
  corruption,
  deviceText,
  escapeText,
  headLine,
  IDENTITY_SHARDS,
  type Keys,
  numberText,
  parseDevice,
  parseHead,
  parseRecords,
  recordTail,
  SESSION_SHARDS,
  shardOf,
  unreadable,
  unreadableAt
} from "./codec.js"
import type { Connection } from "./connection.js"
import * as scripts from "./transferScripts.js"

type StorageError = SyncStore.StorageError

const Position = Schema.parseJson(
  Schema.Union(Schema.Struct({ pools: Schema.String }), Schema.Struct({ node: Schema.String, cursor: Schema.String }))
)
const decodePosition = Schema.decodeUnknownEither(Position)
type Position = typeof Position.Type

const untag = (tag: string): string => tag.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))


const regexEscaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`)

/** The arguments of one dataset for the restore script. */
const datasetArgs = ({ head, records }: SyncStore.DatasetContent): Array<string> => {
  // in expiry order, as the commit script keeps them (a stable sort keeps ties as consumed)
  const sessions = [...head.consumedSessions.sessions].sort((a, b) => a.expiresAt - b.expiresAt)
  const args = [
    head.name,
    headLine(head, head.consumedSessions.floor, sessions.length, sessions[sessions.length - 1]?.expiresAt),
    sessions.map((session) => `\n${escapeText(session.id)}\t${numberText(session.expiresAt)}`).join(""),
    head.exists ? "1" : "0",
    String(records.length)
  ]
  for (const record of records) {
    args.push(
      record.key,
      numberText(record.syncCount),
      `{"syncCount":${numberText(record.syncCount)},"valueBytes":${record.value === null ? -1 : Buffer.byteLength(record.value)},${
        recordTail(record.key, record.value, record.lastModifiedDate, record.lastModifiedBy, record.deviceLastModifiedDate)
      }`
    )
  }
  return args
}

export const makeRedisTransfer = (
  connection: Connection,
  keys: Keys,
  store: Pick<SyncStore.SyncStoreShape, "readPool" | "updatePool">
): Pick<SyncStore.SyncStoreShape, "scan" | "restore"> => {
  const { command, nodeCommand, script } = connection
  const headsPattern = `${globEscaped(keys.prefix)}:{*}:heads`
  const headsKey = new RegExp(`^${regexEscaped(keys.prefix)}:\\{([^{}]*)\\}:heads$`)

  const identityOf = (key: string): readonly [string, string] | undefined => {
    const tags = headsKey.exec(key)?.[1]?.split("|")
    return tags?.length === 2 ? [untag(tags[0]!), untag(tags[1]!)] : undefined
  }

  const pool = (identityPoolId: string): Effect.Effect<SyncStore.PoolItem, StorageError> =>
    Effect.map(
      Effect.all([
        store.readPool(identityPoolId),
        Effect.forEach(Array.from({ length: SESSION_SHARDS }, (_, shard) => keys.sessions(identityPoolId, shard)), (key) =>
          Effect.flatMap(command(key, ["GET", key]), (reply) => {
            const count = reply === null ? 0 : typeof reply === "string" ? Number(reply) : NaN
            return Number.isSafeInteger(count) ? Effect.succeed(count) : Effect.fail(unreadable(key, "not a counter"))
          }))
      ]),
      ([configuration, counts]) => ({
        _tag: "Pool",
        identityPoolId,
        configuration,
        syncSessionsCount: counts.reduce((sum, count) => sum + count, 0)
      })
    )

  const identityOnce = (identityPoolId: string, identityId: string) =>
    Effect.gen(function*() {
      const base = keys.identity(identityPoolId, identityId)
      const heads = keys.heads(base)
      const fields = yield* command(heads, ["HKEYS", heads])
      if (!Array.isArray(fields)) return yield* Effect.fail(unreadable(heads, "not a hash of heads"))
      const names = (fields as Array<string>).filter((field) => field.startsWith("h")).map((field) => field.slice(1))
      const reply = yield* script(
        scripts.readIdentity,
        [heads, keys.devices(base), ...names.flatMap((name) => [keys.records(base, name), keys.subscriptions(base, name), keys.consumed(base, name)])],
        names
      )
      if (reply === "again") return undefined
      const corrupt = corruption(reply)
      if (corrupt !== undefined) return yield* Effect.fail(corrupt)
      if (!Array.isArray(reply) || reply.length !== 2 + 3 * names.length) {
        return yield* Effect.fail(new SyncStore.StorageError({ message: "Unexpected answer of the readIdentity script" }))
      }
      const [headFields, deviceFields] = reply as [Array<string>, Array<string>]
      const stored = new Map<string, string>()
      for (let i = 0; i + 1 < headFields.length; i += 2) stored.set(headFields[i]!, headFields[i + 1]!)
      const datasets: Array<SyncStore.DatasetContent> = []
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!
        const listed = reply[4 + 3 * i]
        const older = stored.get(`s${name}`) ?? (typeof listed === "string" ? listed : "")
        const head = parseHead(name, stored.get(`h${name}`), older, stored.get(`t${name}`))
        if (head === undefined) {
          const fromList = !stored.has(`s${name}`) && !stored.has(`t${name}`) ? keys.consumed(base, name) : undefined
          return yield* Effect.fail(unreadable(unreadableAt(name, stored.get(`h${name}`), heads, fromList), `head of dataset ${name}`))
        }
        const records = parseRecords(reply[2 + 3 * i])
        if (records === undefined) return yield* Effect.fail(unreadable(keys.records(base, name), "records"))
        datasets.push({
          head: { ...head, consumedSessions: head.consumedSessions },
          records: inKeyOrder(records)
        })
      }
      const devices: Array<SyncStore.Device> = []
      for (let i = 0; i + 1 < deviceFields.length; i += 2) {
        const device = parseDevice(deviceFields[i]!, deviceFields[i + 1])
        if (device === undefined) return yield* Effect.fail(unreadable(keys.devices(base), `device ${deviceFields[i]}`))
        devices.push(device)
      }
      return SyncStore.identityItem(identityPoolId, identityId, {
        datasets,
        devices,
        subscriptions: names.map((datasetName, i) => ({ datasetName, deviceIds: reply[3 + 3 * i] as Array<string> }))
      })
    })

  /** An identity read again while a writer changes the set of its datasets between the two reads. */
  const identity = (identityPoolId: string, identityId: string): Effect.Effect<SyncStore.IdentityItem, StorageError> => {
    const attempt = (left: number): Effect.Effect<SyncStore.IdentityItem, StorageError> =>
      Effect.flatMap(identityOnce(identityPoolId, identityId), (item) =>
        item !== undefined
          ? Effect.succeed(item)
          : left === 0
          ? Effect.fail(new SyncStore.StorageError({ message: `Too much contention on identity ${identityId}` }))
          : attempt(left - 1))
    return attempt(100)
  }

  const nextNode = (node: string): Position | undefined => {
    const nodes = connection.nodes()
    const at = nodes.indexOf(node)
    return at + 1 < nodes.length ? { node: nodes[at + 1]!, cursor: "0" } : undefined
  }

  const scanNodes = (from: Position & { readonly node: string }, room: number) =>
    Effect.gen(function*() {
      const found: Array<readonly [string, string]> = []
      const seen = new Set<string>()
      let at: Position | undefined = from
      while (at !== undefined && "node" in at && found.length < room) {
        const reply: unknown = yield* nodeCommand(at.node, ["SCAN", at.cursor, "MATCH", headsPattern, "COUNT", String(Math.max(room, 10))])
        if (!Array.isArray(reply) || typeof reply[0] !== "string" || !Array.isArray(reply[1])) {
          return yield* Effect.fail(new SyncStore.StorageError({ message: "Unexpected answer of SCAN" }))
        }
        for (const key of reply[1] as Array<string>) {
          const pair = identityOf(key)
          if (pair !== undefined && !seen.has(key)) {
            seen.add(key)
            found.push(pair)
          }
        }
        at = reply[0] === "0" ? nextNode(at.node) : { node: at.node, cursor: reply[0] }
      }
      const items = yield* Effect.forEach(found, ([pool, id]) => identity(pool, id), { concurrency: 16 })
      return { items, next: at === undefined ? undefined : JSON.stringify(at) }
    })

  const scan: SyncStore.SyncStoreShape["scan"] = (position, limit) =>
    Effect.gen(function*() {
      let at: Position = { pools: "" }
      if (position !== undefined) {
        const decoded = decodePosition(position)
        if (Either.isLeft(decoded)) {
          return yield* Effect.fail(new SyncStore.StorageError({ message: `Not a scan position of this store: ${position.slice(0, 80)}` }))
        }
        at = decoded.right
      }
      if ("node" in at) return yield* scanNodes(at, limit)
      const ids = yield* command(keys.pools, [
        "ZRANGEBYLEX",
        keys.pools,
        position === undefined ? "-" : `(${at.pools}`,
        "+",
        "LIMIT",
        "0",
        String(limit)
      ])
      if (!Array.isArray(ids)) return yield* Effect.fail(unreadable(keys.pools, "not an index of pools"))
      const pools = yield* Effect.forEach(ids as Array<string>, pool, { concurrency: 16 })
      if (pools.length === limit) return { items: pools, next: JSON.stringify({ pools: ids[ids.length - 1] }) }
      const nodes = yield* scanNodes({ node: connection.nodes()[0]!, cursor: "0" }, limit - pools.length)
      return { items: [...pools, ...nodes.items], next: nodes.next }
    })

  const listed = (identityPoolId: string) => command(keys.pools, ["ZADD", keys.pools, "NX", "0", identityPoolId])

  const restorePool = (item: SyncStore.PoolItem) =>
    Effect.gen(function*() {
      yield* listed(item.identityPoolId)
      yield* store.updatePool(item.identityPoolId, () => Either.right(item.configuration))
      // the whole count in the first counter, none in the others: what a second restore writes again
      const first = keys.sessions(item.identityPoolId, 0)
      yield* command(first, ["SET", first, String(item.syncSessionsCount)])
      for (let shard = 1; shard < SESSION_SHARDS; shard++) {
        const key = keys.sessions(item.identityPoolId, shard)
        yield* command(key, ["DEL", key])
      }
    })

  const restoreIdentity = (item: SyncStore.IdentityItem) =>
    Effect.gen(function*() {
      const base = keys.identity(item.identityPoolId, item.identityId)
      yield* listed(item.identityPoolId)
      const shard = keys.poolIdentities(item.identityPoolId, shardOf(item.identityId, IDENTITY_SHARDS))
      yield* command(shard, ["SADD", shard, item.identityId])
      const scriptKeys = [keys.heads(base), keys.live(base), keys.devices(base), keys.deviceDigests(base)]
      const args = [String(item.datasets.length), String(item.subscriptions.length), String(item.devices.length)]
      for (const dataset of item.datasets) {
        scriptKeys.push(keys.records(base, dataset.head.name), keys.changes(base, dataset.head.name), keys.consumed(base, dataset.head.name))
        args.push(...datasetArgs(dataset))
      }
      for (const { datasetName, deviceIds } of item.subscriptions) {
        scriptKeys.push(keys.subscriptions(base, datasetName))
        args.push(String(deviceIds.length), ...deviceIds)
      }
      for (const device of item.devices) args.push(device.deviceId, deviceText(device.platform, device.token))
      const reply = yield* script(scripts.restoreIdentity, scriptKeys, args)
      if (reply !== 1) {
        return yield* Effect.fail(corruption(reply) ?? new SyncStore.StorageError({ message: "Unexpected answer of the restoreIdentity script" }))
      }
    })

  return {
    scan,
    restore: (items) =>
      Effect.forEach(items, (item) => (item._tag === "Pool" ? restorePool(item) : restoreIdentity(item)), {
        concurrency: 16,
        discard: true
      })
  }
}
