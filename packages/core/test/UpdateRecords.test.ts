import { describe, expect, it } from "vitest"
import { Caller, CognitoSync, SyncStore } from "@syncalite/core"
import { Effect, TestClock } from "effect"
import {
  advanceTo,
  developer,
  type DatasetInput,
  facade,
  listAll,
  newIdentity,
  type Patch,
  rejectionOf,
  remove,
  replace,
  run,
  start,
  triples,
  write
} from "./helpers.js"

/** A write expected to be refused, with the dataset before and after it. */
const refused = (ref: DatasetInput, patches: ReadonlyArray<Patch>) =>
  Effect.gen(function*() {
    const before = yield* listAll(ref)
    const error = yield* Effect.flip(write(ref, patches))
    const after = yield* listAll(ref)
    return { error, before, after }
  })

describe("UpdateRecords", () => {
  describe("sync counts", () => {
    it("creates a dataset with the first write and returns the written record (B 2)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const written = yield* write(ref, [replace("k1", "v", 0)], me.caller)
        const listed = yield* listAll(ref)
        return { written, listed }
      }))
      expect(out.written.Records).toHaveLength(1)
      expect(out.written.Records[0]).toMatchObject({ Key: "k1", Value: "v", SyncCount: 1 })
      expect(out.listed.DatasetExists).toBe(true)
      expect(out.listed.DatasetSyncCount).toBe(1)
      expect(out.listed.Count).toBe(1)
    })

    it("advances the dataset count by exactly one per call, sharing it among the records (B 3, A 1)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* advanceTo(ref, 4)
        const written = yield* write(ref, [replace("k1", "a", 0), replace("k2", "b", 0), replace("k3", "c", 0)])
        const listed = yield* listAll(ref)
        return { written, listed }
      }))
      expect(triples(out.written.Records)).toEqual([["k1", "a", 5], ["k2", "b", 5], ["k3", "c", 5]])
      expect(out.listed.DatasetSyncCount).toBe(5)
    })

    it("gives an edited record the dataset's new count, not a per-record counter", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const written = await run(Effect.gen(function*() {
        yield* advanceTo(ref, 41)
        return yield* write(ref, [replace("once", "x", 0)])
      }))
      expect(triples(written.Records)).toEqual([["once", "x", 42]])
    })

    it("advances the count for a no-op replace (same value, right count) and returns the record", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("k", "same", 0)])
        const written = yield* write(ref, [replace("k", "same", 1)])
        return { written, listed: yield* listAll(ref) }
      }))
      expect(triples(out.written.Records)).toEqual([["k", "same", 2]])
      expect(out.listed.DatasetSyncCount).toBe(2)
    })

    it("leaves untouched records at the count they last changed at", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const listed = await run(Effect.gen(function*() {
        yield* write(ref, [replace("a", "1", 0), replace("b", "1", 0)])
        yield* write(ref, [replace("a", "2", 1)])
        return yield* listAll(ref)
      }))
      expect(triples(listed.Records)).toEqual([["a", "2", 2], ["b", "1", 1]])
    })

    it("stores an empty string as a value, distinct from a removal", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const written = yield* write(ref, [replace("empty", "", 0)])
        const described = yield* (yield* CognitoSync.CognitoSync).describeDataset(ref, developer)
        return { written, described }
      }))
      expect(out.written.Records[0]!.Value).toBe("")
      expect(out.described.Dataset.NumRecords).toBe(1)
      expect(out.described.Dataset.DataStorage).toBe(5)
    })
  })

  describe("conflicts", () => {
    it("refuses SyncCount 0 for an existing key, naming it with server and client counts (B 6, B 40)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("k1", "v", 0)])
        return yield* refused(ref, [replace("k1", "w", 0)])
      }))
      expect(out.error._tag).toBe("ResourceConflictException")
      expect(out.error.message).toBe("Current SyncCount for: k1 is: 1 not: 0")
      expect(out.after.DatasetSyncCount).toBe(1)
      expect(out.after.Records).toEqual(out.before.Records)
    })

    it("refuses a stale count even with an identical value (B 7)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("k1", "v", 0)])
        yield* write(ref, [replace("k1", "v", 1)])
        return yield* refused(ref, [replace("k1", "v", 1)])
      }))
      expect(out.error._tag).toBe("ResourceConflictException")
      expect(out.error.message).toBe("Current SyncCount for: k1 is: 2 not: 1")
      expect(out.after).toEqual({ ...out.before, SyncSessionToken: out.after.SyncSessionToken })
    })

    it("refuses a count greater than the server's", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("k1", "v", 0)])
        return yield* refused(ref, [replace("k1", "w", 7)])
      }))
      expect(out.error.message).toBe("Current SyncCount for: k1 is: 1 not: 7")
    })

    it("refuses a non-zero count for a key the server never had", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(refused(ref, [replace("new", "v", 3)]))
      expect(out.error._tag).toBe("ResourceConflictException")
      expect(out.error.message).toBe("Current SyncCount for: new is: 0 not: 3")
      expect(out.after.DatasetExists).toBe(false)
    })

    it("rejects the whole request when one patch conflicts (B 8)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("k1", "a", 0), replace("k2", "b", 0)])
        yield* write(ref, [replace("k2", "b2", 1)])
        return yield* refused(ref, [replace("k1", "a2", 1), replace("k2", "b3", 1), replace("k3", "c", 0)])
      }))
      expect(out.error._tag).toBe("ResourceConflictException")
      expect(out.error.message).toBe("Current SyncCount for: k2 is: 2 not: 1")
      expect(triples(out.after.Records)).toEqual([["k1", "a", 1], ["k2", "b2", 2]])
      expect(out.after.DatasetSyncCount).toBe(2)
    })

    it("names the first conflicting key of the request, in request order (B 40)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("a", "1", 0), replace("z", "1", 0)])
        return yield* refused(ref, [replace("z", "2", 0), replace("a", "2", 0)])
      }))
      expect(out.error.message).toBe("Current SyncCount for: z is: 1 not: 0")
    })

    it("answers 409 through the Promise facade", async () => {
      const sync = facade()
      const me = newIdentity()
      const ref = me.ref()
      const first = await sync.listRecords(ref, me.caller)
      await sync.updateRecords({ ...ref, SyncSessionToken: first.SyncSessionToken, RecordPatches: [replace("k1", "v", 0)] }, me.caller)
      const second = await sync.listRecords(ref, me.caller)
      const error = await rejectionOf(
        sync.updateRecords({ ...ref, SyncSessionToken: second.SyncSessionToken, RecordPatches: [replace("k1", "w", 0)] }, me.caller)
      )
      expect(error).toBeInstanceOf(Error)
      expect(error.name).toBe("ResourceConflictException")
      expect(error.status).toBe(409)
      expect(error.message).toBe("Current SyncCount for: k1 is: 1 not: 0")
      await sync.close()
    })
  })

  describe("removal and tombstones", () => {
    it("leaves a tombstone that ListRecords returns and NumRecords does not count (B 9)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        yield* write(ref, [replace("k1", "v", 0), replace("k2", "w", 0)])
        const removed = yield* write(ref, [remove("k1", 1)])
        return {
          removed,
          since1: yield* sync.listRecords({ ...ref, LastSyncCount: 1 }, developer),
          all: yield* listAll(ref),
          described: yield* sync.describeDataset(ref, developer),
          listed: yield* sync.listDatasets(me.ids, developer)
        }
      }))
      expect(out.removed.Records).toHaveLength(1)
      expect(out.removed.Records[0]).toMatchObject({ Key: "k1", SyncCount: 2 })
      expect(out.removed.Records[0]).not.toHaveProperty("Value")
      expect(triples(out.since1.Records)).toEqual([["k1", null, 2]])
      expect(triples(out.all.Records)).toEqual([["k1", null, 2], ["k2", "w", 1]])
      expect(out.described.Dataset.NumRecords).toBe(1)
      expect(out.described.Dataset.DataStorage).toBe(3)
      expect(out.listed.Datasets[0]!.NumRecords).toBe(1)
    })

    it("re-adds a tombstoned key with the tombstone's count, not with 0 (B 10)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("k1", "v", 0)])
        yield* write(ref, [remove("k1", 1)])
        const withZero = yield* refused(ref, [replace("k1", "back", 0)])
        const readded = yield* write(ref, [replace("k1", "back", 2)])
        return { withZero, readded }
      }))
      expect(out.withZero.error._tag).toBe("ResourceConflictException")
      expect(out.withZero.error.message).toBe("Current SyncCount for: k1 is: 2 not: 0")
      expect(triples(out.readded.Records)).toEqual([["k1", "back", 3]])
    })

    it("accepts removing a key that never existed, with SyncCount 0, leaving a tombstone (B 11)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const removed = yield* write(ref, [remove("never", 0)])
        const described = yield* (yield* CognitoSync.CognitoSync).describeDataset(ref, developer)
        return { removed, listed: yield* listAll(ref), described }
      }))
      expect(triples(out.removed.Records)).toEqual([["never", null, 1]])
      expect(triples(out.listed.Records)).toEqual([["never", null, 1]])
      expect(out.listed.DatasetExists).toBe(true)
      expect(out.described.Dataset.NumRecords).toBe(0)
      expect(out.described.Dataset.DataStorage).toBe(0)
    })

    it("refuses a removal with a stale count", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("k1", "v", 0)])
        yield* write(ref, [replace("k1", "w", 1)])
        return yield* refused(ref, [remove("k1", 1)])
      }))
      expect(out.error.message).toBe("Current SyncCount for: k1 is: 2 not: 1")
      expect(triples(out.after.Records)).toEqual([["k1", "w", 2]])
    })
  })

  describe("record metadata", () => {
    it("stamps LastModifiedDate with the server clock and echoes DeviceLastModifiedDate (B 22, A 6)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const device = new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678))
      const out = await run(Effect.gen(function*() {
        yield* TestClock.adjust("1500 millis")
        const written = yield* write(ref, [replace("k1", "v", 0, device), replace("k2", "w", 0)], me.caller)
        const listed = yield* listAll(ref)
        return { written, listed }
      }))
      const k1 = out.written.Records.find((r) => r.Key === "k1")!
      const k2 = out.written.Records.find((r) => r.Key === "k2")!
      expect(k1.LastModifiedDate).toBeInstanceOf(Date)
      expect(k1.LastModifiedDate.getTime()).toBe(start + 1500)
      expect(k1.DeviceLastModifiedDate?.getTime()).toBe(device.getTime())
      expect(k2).not.toHaveProperty("DeviceLastModifiedDate")
      const listedK1 = out.listed.Records.find((r) => r.Key === "k1")!
      expect(listedK1.DeviceLastModifiedDate?.getTime()).toBe(device.getTime())
      expect(listedK1.LastModifiedDate.getTime()).toBe(start + 1500)
    })

    it("sets LastModifiedBy to the identity id for identity callers, the account id for developers (A 6)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const byIdentity = yield* write(ref, [replace("a", "1", 0)], me.caller)
        const byDeveloper = yield* write(ref, [replace("b", "1", 0)], Caller.developer("123456789012"))
        const byDefault = yield* write(ref, [replace("c", "1", 0)], Caller.developer())
        return { byIdentity, byDeveloper, byDefault, listed: yield* listAll(ref) }
      }))
      expect(out.byIdentity.Records[0]!.LastModifiedBy).toBe(me.identityId)
      expect(out.byDeveloper.Records[0]!.LastModifiedBy).toBe("123456789012")
      expect(out.byDefault.Records[0]!.LastModifiedBy).toBe("developer")
      expect(out.listed.Records.map((r) => [r.Key, r.LastModifiedBy])).toEqual([
        ["a", me.identityId],
        ["b", "123456789012"],
        ["c", "developer"]
      ])
    })

    it("uses the facade's configured account id for its default developer caller", async () => {
      const me = newIdentity()
      const ref = me.ref()
      for (const [options, expected] of [[{}, "developer"], [{ accountId: "111122223333" }, "111122223333"]] as const) {
        const sync = facade(options)
        const { SyncSessionToken } = await sync.listRecords(ref)
        const out = await sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", "v", 0)] })
        expect(out.Records[0]!.LastModifiedBy).toBe(expected)
        await sync.close()
      }
    })

    it("accepts and ignores ClientContext and DeviceId", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        const { SyncSessionToken } = yield* sync.listRecords(ref, me.caller)
        const written = yield* sync.updateRecords({
          ...ref,
          SyncSessionToken,
          ClientContext: "eyJjbGllbnQiOnt9fQ==",
          DeviceId: "not-a-registered-device",
          RecordPatches: [replace("k", "v", 0)]
        }, me.caller)
        return written
      }))
      expect(triples(out.Records)).toEqual([["k", "v", 1]])
    })
  })

  describe("limits", () => {
    const small = { limits: { datasetsPerIdentity: 2, recordsPerDataset: 3, bytesPerDataset: 50 } }

    it("refuses the dataset beyond datasetsPerIdentity, writing nothing (B 24)", async () => {
      const me = newIdentity()
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        yield* write(me.ref("one"), [replace("k", "v", 0)])
        yield* write(me.ref("two"), [replace("k", "v", 0)])
        const error = yield* Effect.flip(write(me.ref("three"), [replace("k", "v", 0)]))
        // writing into an existing dataset is still fine
        const existing = yield* write(me.ref("two"), [replace("k2", "v", 0)])
        return {
          error,
          existing,
          three: yield* sync.listRecords(me.ref("three"), developer),
          datasets: yield* sync.listDatasets(me.ids, developer)
        }
      }), small)
      expect(out.error._tag).toBe("LimitExceededException")
      expect(triples(out.existing.Records)).toEqual([["k2", "v", 2]])
      expect(out.three.DatasetExists).toBe(false)
      expect(out.three.DatasetSyncCount).toBe(0)
      expect(out.datasets.Datasets.map((d) => d.DatasetName)).toEqual(["one", "two"])
    })

    it("counts merged datasets toward datasetsPerIdentity, but not other identities' datasets", async () => {
      const me = newIdentity()
      const neighbour = newIdentity(me.pool)
      const out = await run(Effect.gen(function*() {
        yield* write(me.ref("game"), [replace("k", "v", 0)])
        yield* write(me.ref(`game.${neighbour.identityId}`), [replace("k", "v", 0)])
        yield* write(neighbour.ref("a"), [replace("k", "v", 0)])
        yield* write(neighbour.ref("b"), [replace("k", "v", 0)])
        return yield* Effect.flip(write(me.ref("third"), [replace("k", "v", 0)]))
      }), small)
      expect(out._tag).toBe("LimitExceededException")
    })

    it("refuses the record beyond recordsPerDataset, tombstones included, writing nothing (B 24)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        yield* write(ref, [replace("a", "1", 0), replace("b", "1", 0)])
        const fourInOne = yield* refused(ref, [replace("c", "1", 0), replace("d", "1", 0)])
        yield* write(ref, [remove("a", 1), replace("c", "1", 0)])
        // a, b, c: the tombstone of a still takes a place
        const overTombstone = yield* refused(ref, [replace("d", "1", 0)])
        // re-adding the tombstoned key does not add an entry
        const readded = yield* write(ref, [replace("a", "2", 2)])
        return { fourInOne, overTombstone, readded }
      }), small)
      expect(out.fourInOne.error._tag).toBe("LimitExceededException")
      expect(out.fourInOne.after).toEqual({ ...out.fourInOne.before, SyncSessionToken: out.fourInOne.after.SyncSessionToken })
      expect(out.overTombstone.error._tag).toBe("LimitExceededException")
      expect(out.overTombstone.after.DatasetSyncCount).toBe(2)
      expect(triples(out.overTombstone.after.Records)).toEqual([["a", null, 2], ["b", "1", 1], ["c", "1", 2]])
      expect(triples(out.readded.Records)).toEqual([["a", "2", 3]])
    })

    it("refuses a write that takes the dataset over bytesPerDataset in UTF-8 bytes (B 24)", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        // 1 + 45 bytes
        yield* write(ref, [replace("a", "x".repeat(45), 0)])
        // "é" is 2 bytes: 1 + 4 would make 51
        const overByUtf8 = yield* refused(ref, [replace("b", "éé", 0)])
        // 1 + 3 makes exactly 50
        const atLimit = yield* write(ref, [replace("b", "éx", 0)])
        // a tombstone keeps its key's byte: removing b (50 - 3 = 47) leaves room for 3 bytes only
        yield* write(ref, [remove("b", 2)])
        const overTombstone = yield* refused(ref, [replace("c", "xyz", 0)])
        const fits = yield* write(ref, [replace("c", "xy", 0)])
        return { overByUtf8, atLimit, overTombstone, fits }
      }), small)
      expect(out.overByUtf8.error._tag).toBe("LimitExceededException")
      expect(out.overByUtf8.after.DatasetSyncCount).toBe(1)
      expect(triples(out.overByUtf8.after.Records)).toEqual([["a", "x".repeat(45), 1]])
      expect(triples(out.atLimit.Records)).toEqual([["b", "éx", 2]])
      expect(out.overTombstone.error._tag).toBe("LimitExceededException")
      expect(out.overTombstone.after.DatasetSyncCount).toBe(3)
      expect(triples(out.fits.Records)).toEqual([["c", "xy", 4]])
    })

    it("answers LimitExceededException through the facade with status 400", async () => {
      const sync = facade(small)
      const me = newIdentity()
      const ref = me.ref()
      const { SyncSessionToken } = await sync.listRecords(ref)
      const error = await rejectionOf(sync.updateRecords({
        ...ref,
        SyncSessionToken,
        RecordPatches: [replace("a", "1", 0), replace("b", "1", 0), replace("c", "1", 0), replace("d", "1", 0)]
      }))
      expect(error.name).toBe("LimitExceededException")
      expect(error.status).toBe(400)
      expect((await sync.listRecords(ref)).DatasetExists).toBe(false)
      await sync.close()
    })

    it("enforces the real limits by default: 20 datasets, 1024 records, 1 MB (B 24)", async () => {
      const me = newIdentity()
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        for (let i = 0; i < 20; i++) yield* write(me.ref(`ds${i}`), [replace("k", "v", 0)])
        const dataset21 = yield* Effect.flip(write(me.ref("ds20"), [replace("k", "v", 0)]))
        const datasets = yield* sync.listDatasets(me.ids, developer)

        const records = me.ref("ds0")
        const many = Array.from({ length: 1023 }, (_, i) => replace(`r${i}`, "v", 0))
        yield* write(records, many)
        const record1025 = yield* refused(records, [replace("one-more", "v", 0)])

        const bytes = me.ref("ds1")
        // "k" + 1,048,575 bytes = 1,048,576 bytes: exactly the limit, so the existing "k" must go first
        yield* write(bytes, [remove("k", 1)])
        const atLimit = yield* Effect.either(write(bytes, [replace("b", "x".repeat(1048574), 0)]))
        const overLimit = yield* refused(bytes, [replace("c", "x", 0)])
        // 524,288 two-byte characters are 1,048,576 bytes: over the limit with any key
        const overByUtf8 = yield* refused(me.ref("ds2"), [replace("u", "é".repeat(524288), 0)])
        return {
          dataset21,
          datasets,
          record1025,
          atLimit,
          overLimit,
          overByUtf8,
          described: yield* sync.describeDataset(bytes, developer)
        }
      }))
      expect(out.dataset21._tag).toBe("LimitExceededException")
      expect(out.datasets.Count).toBe(20)
      expect(out.datasets.Datasets.map((d) => d.DatasetName)).not.toContain("ds20")

      expect(out.record1025.before.Count).toBe(1024)
      expect(out.record1025.error._tag).toBe("LimitExceededException")
      expect(out.record1025.after.DatasetSyncCount).toBe(out.record1025.before.DatasetSyncCount)
      expect(out.record1025.after.Count).toBe(1024)
      expect(out.record1025.after.Records.some((r) => r.Key === "one-more")).toBe(false)

      expect(out.atLimit._tag).toBe("Right")
      expect(out.overLimit.error._tag).toBe("LimitExceededException")
      expect(out.overLimit.after.DatasetSyncCount).toBe(3)
      expect(out.overLimit.after.Records.some((r) => r.Key === "c")).toBe(false)
      // live bytes: "b" + its value; the tombstone "k" counts toward the limit only
      expect(out.described.Dataset.DataStorage).toBe(1048575)
      expect(out.overByUtf8.error._tag).toBe("LimitExceededException")
      expect(triples(out.overByUtf8.after.Records)).toEqual([["k", "v", 1]])
    })
  })

  describe("concurrent writers", () => {
    it("lets exactly one of many concurrent writers of the same key win", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const results = yield* Effect.all(
          Array.from({ length: 10 }, (_, i) => Effect.either(write(ref, [replace("k", `writer${i}`, 0)]))),
          { concurrency: "unbounded" }
        )
        return { results, listed: yield* listAll(ref) }
      }))
      const won = out.results.filter((r) => r._tag === "Right")
      const lost = out.results.flatMap((r) => (r._tag === "Left" ? [r.left] : []))
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(9)
      for (const error of lost) expect(error.message).toBe("Current SyncCount for: k is: 1 not: 0")
      expect(out.listed.DatasetSyncCount).toBe(1)
      expect(out.listed.Records).toHaveLength(1)
    })

    it("serialises concurrent writers of different keys, one count each", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const results = yield* Effect.all(
          Array.from({ length: 10 }, (_, i) => write(ref, [replace(`k${i}`, "v", 0)])),
          { concurrency: "unbounded" }
        )
        return { results, listed: yield* listAll(ref) }
      }))
      expect(out.results.map((r) => r.Records[0]!.SyncCount).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      expect(out.listed.DatasetSyncCount).toBe(10)
      expect(out.listed.Count).toBe(10)
    })

    it("stays atomic over a store whose every step yields to other writers", async () => {
      const memory = SyncStore.memoryDriver()
      const interleaving: SyncStore.SyncStoreDriver = {
        get: (key) => Effect.zipRight(Effect.yieldNow(), memory.get(key)),
        getMany: (keys) => Effect.zipRight(Effect.yieldNow(), memory.getMany(keys)),
        compareAndSet: (key, expected, value) => Effect.zipRight(Effect.yieldNow(), memory.compareAndSet(key, expected, value)),
        delete: (key) => Effect.zipRight(Effect.yieldNow(), memory.delete(key))
      }
      const sync = facade({ store: SyncStore.fromDriver(interleaving) })
      const me = newIdentity()
      const ref = me.ref()
      const tokens = await Promise.all(Array.from({ length: 8 }, () => sync.listRecords(ref, me.caller)))
      const sameKey = await Promise.allSettled(tokens.map(({ SyncSessionToken }, i) =>
        sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("k", `writer${i}`, 0)] }, me.caller)
      ))
      expect(sameKey.filter((r) => r.status === "fulfilled")).toHaveLength(1)
      for (const r of sameKey) {
        if (r.status === "rejected") expect((r.reason as Error).name).toBe("ResourceConflictException")
      }
      const more = await Promise.all(Array.from({ length: 8 }, () => sync.listRecords(ref, me.caller)))
      const otherKeys = await Promise.all(more.map(({ SyncSessionToken }, i) =>
        sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace(`k${i}`, "v", 0)] }, me.caller)
      ))
      expect(otherKeys.map((r) => r.Records[0]!.SyncCount).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9])
      const listed = await sync.listRecords(ref, me.caller)
      expect(listed.DatasetSyncCount).toBe(9)
      expect(listed.Count).toBe(9)
      await sync.close()
    })

    it("70 writers racing one dataset: none is told its token is not valid, the losers get a conflict and win on retry", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const writers = 70
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        // every writer pulls before any pushes: more than 64 sessions then write after the first tokens were issued
        const tokens = yield* Effect.all(Array.from({ length: writers }, () => sync.listRecords(ref, me.caller)))
        const first = yield* Effect.all(
          tokens.map(({ SyncSessionToken }, i) =>
            Effect.either(sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace(`w${i}`, "v", 0)] }, me.caller))
          ),
          { concurrency: "unbounded" }
        )
        // what a client does on a conflict: pull again, push again
        const retried = yield* Effect.all(
          first.flatMap((result, i) => (result._tag === "Left" ? [write(ref, [replace(`w${i}`, "v", 0)], me.caller)] : [])),
          { concurrency: "unbounded" }
        )
        return { first, retried, listed: yield* listAll(ref) }
      }))
      const lost = out.first.flatMap((result) => (result._tag === "Left" ? [result.left] : []))
      expect(lost.length).toBeGreaterThan(0)
      for (const error of lost) {
        expect(error.message).not.toBe("SyncSessionToken not valid for these inputs")
        expect(error._tag).toBe("ResourceConflictException")
      }
      expect(out.retried).toHaveLength(lost.length)
      expect(out.listed.DatasetSyncCount).toBe(writers)
      expect(out.listed.Records).toHaveLength(writers)
    })

    it("a used token below the window of remembered sessions is refused as a conflict, never accepted", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        const { SyncSessionToken } = yield* sync.listRecords(ref, me.caller)
        yield* sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("first", "v", 0)] }, me.caller)
        yield* TestClock.adjust(1)
        yield* advanceTo(me.ref(ref.DatasetName), 70, me.caller)
        const replayed = yield* Effect.flip(
          sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace("replayed", "v", 0)] }, me.caller)
        )
        // ListRecords with it gives a new session, which writes
        const pulled = yield* sync.listRecords({ ...ref, SyncSessionToken }, me.caller)
        const written = yield* sync.updateRecords(
          { ...ref, SyncSessionToken: pulled.SyncSessionToken, RecordPatches: [replace("after", "v", 0)] },
          me.caller
        )
        return { replayed, pulled, written, listed: yield* listAll(ref) }
      }))
      expect(out.replayed._tag).toBe("ResourceConflictException")
      expect(out.pulled.SyncSessionToken).not.toBe(undefined)
      expect(out.written.Records[0]!.SyncCount).toBe(72)
      expect(out.listed.Records.map((record) => record.Key)).not.toContain("replayed")
    })

    it("lets one token authorise one write only, even concurrently", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(Effect.gen(function*() {
        const sync = yield* CognitoSync.CognitoSync
        const { SyncSessionToken } = yield* sync.listRecords(ref, me.caller)
        const results = yield* Effect.all(
          ["a", "b", "c"].map((key) =>
            Effect.either(sync.updateRecords({ ...ref, SyncSessionToken, RecordPatches: [replace(key, "v", 0)] }, me.caller))
          ),
          { concurrency: "unbounded" }
        )
        return { results, listed: yield* listAll(ref) }
      }))
      expect(out.results.filter((r) => r._tag === "Right")).toHaveLength(1)
      for (const r of out.results) {
        if (r._tag === "Left") expect(r.left.message).toBe("SyncSessionToken not valid for these inputs")
      }
      expect(out.listed.DatasetSyncCount).toBe(1)
      expect(out.listed.Count).toBe(1)
    })
  })

  describe("requests", () => {
    it("refuses two patches of the same key", async () => {
      const me = newIdentity()
      const ref = me.ref()
      const out = await run(refused(ref, [replace("k", "a", 0), replace("k", "b", 0)]))
      expect(out.error._tag).toBe("InvalidParameterException")
      expect(out.after.DatasetExists).toBe(false)
    })

    it("writes through the Promise facade with identity credentials", async () => {
      const sync = facade()
      const me = newIdentity()
      const ref = me.ref()
      const { SyncSessionToken } = await sync.listRecords(ref, me.caller)
      const out = await sync.updateRecords({
        ...ref,
        SyncSessionToken,
        RecordPatches: [replace("a", "1", 0), replace("b", "2", 0), remove("c", 0)]
      }, me.caller)
      expect(triples(out.Records)).toEqual([["a", "1", 1], ["b", "2", 1], ["c", null, 1]])
      const listed = await sync.listRecords(ref, me.caller)
      expect(listed.DatasetSyncCount).toBe(1)
      expect(listed.Count).toBe(3)
      await sync.close()
    })
  })
})
