import { afterAll, describe, expect, it } from "vitest"
import { CognitoSync } from "@syncalite/core"
import { Effect } from "effect"
import { developer, facade, listAll, newId, newIdentity, rejectionOf, replace, run, triples, write } from "./helpers.js"

type Operation = "listRecords" | "updateRecords" | "deleteDataset" | "describeDataset" | "listDatasets"

const pool = "us-east-1:0a0b0c"
const identity = "us-east-1:1d2e3f"
const ids = { IdentityPoolId: pool, IdentityId: identity }
const ref = { ...ids, DatasetName: "settings" }
const token = "not-checked-before-validation"
const patch = { Op: "replace", Key: "k", Value: "v", SyncCount: 0 }

const failure = (member: string, value: string, constraint: string) =>
  `1 validation error detected: Value ${value} at '${member}' failed to satisfy constraint: Member must ${constraint}`

/** One service for the whole table: validation reads no state. */
const shared = facade()
afterAll(() => shared.close())

/** Calls one operation with a raw input, answering "OK" or the error's tag. */
const outcome = (operation: Operation, input: unknown) =>
  shared.runtime.runPromise(Effect.gen(function*() {
    const sync = yield* CognitoSync.CognitoSync
    const call = sync[operation] as (input: unknown, caller: typeof developer) => Effect.Effect<unknown, { _tag: string; message: string }>
    const result = yield* Effect.either(call(input, developer))
    return result._tag === "Right" ? { tag: "OK", message: "" } : { tag: result.left._tag, message: result.left.message }
  }))

/** The validation message of a call that must fail validation. */
const attempt = async (operation: Operation, input: unknown) => {
  const { message, tag } = await outcome(operation, input)
  expect(tag).toBe("InvalidParameterException")
  return message
}

const identifierPattern = "satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
const namePattern = "satisfy regular expression pattern: [a-zA-Z0-9_.:-]+"

/** The members every one of these operations takes, with the input around them. */
const identifierCases = (operation: Operation, base: Record<string, unknown>) => [
  [operation, { ...base, IdentityPoolId: undefined }, failure("identityPoolId", "null", "not be null")],
  [operation, { ...base, IdentityPoolId: "" }, failure("identityPoolId", "''", "have length greater than or equal to 1")],
  [operation, { ...base, IdentityPoolId: `us-east-1:${"a".repeat(46)}` }, failure("identityPoolId", `'us-east-1:${"a".repeat(46)}'`, "have length less than or equal to 55")],
  [operation, { ...base, IdentityPoolId: "us-east-1_0a0b" }, failure("identityPoolId", "'us-east-1_0a0b'", identifierPattern)],
  [operation, { ...base, IdentityPoolId: 42 }, failure("identityPoolId", "'42'", "be a string")],
  [operation, { ...base, IdentityId: undefined }, failure("identityId", "null", "not be null")],
  [operation, { ...base, IdentityId: "us-east-1:ABCDEF" }, failure("identityId", "'us-east-1:ABCDEF'", identifierPattern)],
  [operation, { ...base, IdentityId: `us-east-1:${"0".repeat(46)}` }, failure("identityId", `'us-east-1:${"0".repeat(46)}'`, "have length less than or equal to 55")]
] as const

const datasetNameCases = (operation: Operation, base: Record<string, unknown>) => [
  [operation, { ...base, DatasetName: undefined }, failure("datasetName", "null", "not be null")],
  [operation, { ...base, DatasetName: "" }, failure("datasetName", "''", "have length greater than or equal to 1")],
  [operation, { ...base, DatasetName: "a/b" }, failure("datasetName", "'a/b'", namePattern)],
  [operation, { ...base, DatasetName: "a b" }, failure("datasetName", "'a b'", namePattern)],
  [operation, { ...base, DatasetName: "d".repeat(129) }, failure("datasetName", `'${"d".repeat(129)}'`, "have length less than or equal to 128")]
] as const

const updateBase = { ...ref, SyncSessionToken: token, RecordPatches: [patch] }

const cases: ReadonlyArray<readonly [Operation, unknown, string]> = [
  ...identifierCases("listRecords", ref),
  ...identifierCases("updateRecords", updateBase),
  ...identifierCases("deleteDataset", ref),
  ...identifierCases("describeDataset", ref),
  ...identifierCases("listDatasets", ids),
  ...datasetNameCases("listRecords", ref),
  ...datasetNameCases("updateRecords", updateBase),
  ...datasetNameCases("deleteDataset", ref),
  ...datasetNameCases("describeDataset", ref),
  ["listRecords", { ...ref, LastSyncCount: -1 }, failure("lastSyncCount", "'-1'", "have value greater than or equal to 0")],
  ["listRecords", { ...ref, LastSyncCount: 1.5 }, failure("lastSyncCount", "'1.5'", "be an integer")],
  ["listRecords", { ...ref, LastSyncCount: "3" }, failure("lastSyncCount", "'3'", "be a number")],
  ["listRecords", { ...ref, MaxResults: 0 }, failure("maxResults", "'0'", "have value greater than or equal to 1")],
  ["listRecords", { ...ref, MaxResults: -4 }, failure("maxResults", "'-4'", "have value greater than or equal to 1")],
  ["listRecords", { ...ref, MaxResults: 2.5 }, failure("maxResults", "'2.5'", "be an integer")],
  ["listRecords", { ...ref, NextToken: 7 }, failure("nextToken", "'7'", "be a string")],
  ["listRecords", { ...ref, SyncSessionToken: 7 }, failure("syncSessionToken", "'7'", "be a string")],
  ["listDatasets", { ...ids, MaxResults: 0 }, failure("maxResults", "'0'", "have value greater than or equal to 1")],
  ["listDatasets", { ...ids, MaxResults: 1.25 }, failure("maxResults", "'1.25'", "be an integer")],
  ["listDatasets", { ...ids, NextToken: false }, failure("nextToken", "'false'", "be a string")],
  ["updateRecords", { ...ref, RecordPatches: [patch] }, failure("syncSessionToken", "null", "not be null")],
  ["updateRecords", { ...updateBase, SyncSessionToken: 1 }, failure("syncSessionToken", "'1'", "be a string")],
  ["updateRecords", { ...updateBase, RecordPatches: "k=v" }, failure("recordPatches", "'k=v'", "be a list")],
  ["updateRecords", { ...updateBase, RecordPatches: [patch, "k=v"] }, failure("recordPatches.2.member", "'k=v'", "be a structure")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, Op: "upsert" }] }, failure("recordPatches.1.member.op", "'upsert'", "satisfy enum value set: [replace, remove]")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, Op: "REPLACE" }] }, failure("recordPatches.1.member.op", "'REPLACE'", "satisfy enum value set: [replace, remove]")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, Op: undefined }] }, failure("recordPatches.1.member.op", "null", "not be null")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, Key: null }] }, failure("recordPatches.1.member.key", "null", "not be null")],
  ["listRecords", { ...ref, DatasetName: null }, failure("datasetName", "null", "not be null")],
  ["updateRecords", { ...updateBase, SyncSessionToken: null }, failure("syncSessionToken", "null", "not be null")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, Key: undefined }] }, failure("recordPatches.1.member.key", "null", "not be null")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, Key: "" }] }, failure("recordPatches.1.member.key", "''", "have length greater than or equal to 1")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, SyncCount: undefined }] }, failure("recordPatches.1.member.syncCount", "null", "not be null")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, SyncCount: 1.5 }] }, failure("recordPatches.1.member.syncCount", "'1.5'", "be an integer")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, SyncCount: "0" }] }, failure("recordPatches.1.member.syncCount", "'0'", "be a number")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, SyncCount: Number.NaN }] }, failure("recordPatches.1.member.syncCount", "'NaN'", "be an integer")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, Value: 5 }] }, failure("recordPatches.1.member.value", "'5'", "be a string")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, DeviceLastModifiedDate: new Date(Number.NaN) }] }, failure("recordPatches.1.member.deviceLastModifiedDate", "'Invalid Date'", "be a valid date")],
  ["updateRecords", { ...updateBase, RecordPatches: [{ ...patch, DeviceLastModifiedDate: "yesterday" }] }, failure("recordPatches.1.member.deviceLastModifiedDate", "'yesterday'", "be a valid date")],
  ["updateRecords", { ...updateBase, DeviceId: "" }, failure("deviceId", "''", "have length greater than or equal to 1")],
  ["updateRecords", { ...updateBase, ClientContext: 1 }, failure("clientContext", "'1'", "be a string")]
]

describe("validation", () => {
  it.each(cases)("%s %j", async (operation, input, expected) => {
    expect(await attempt(operation, input)).toBe(expected)
  })

  it("reports members longer than their maximum, with the value abbreviated", async () => {
    const longKey = await attempt("updateRecords", { ...updateBase, RecordPatches: [{ ...patch, Key: "k".repeat(1025) }] })
    expect(longKey).toMatch(
      /^1 validation error detected: Value 'k{256}\.\.\.' at 'recordPatches\.1\.member\.key' failed to satisfy constraint: Member must have length less than or equal to 1024$/
    )
    const longValue = await attempt("updateRecords", { ...updateBase, RecordPatches: [patch, { ...patch, Key: "v", Value: "v".repeat(1048576) }] })
    expect(longValue).toMatch(
      /^1 validation error detected: Value 'v{256}\.\.\.' at 'recordPatches\.2\.member\.value' failed to satisfy constraint: Member must have length less than or equal to 1048575$/
    )
    const longDevice = await attempt("updateRecords", { ...updateBase, DeviceId: "d".repeat(257) })
    expect(longDevice).toMatch(
      /^1 validation error detected: Value 'd{256}\.\.\.' at 'deviceId' failed to satisfy constraint: Member must have length less than or equal to 256$/
    )
  })

  it("reports every violated member, counted and joined by semicolons", async () => {
    expect(await attempt("listRecords", { ...ref, DatasetName: "a/b", LastSyncCount: -1, MaxResults: 0 })).toBe(
      "3 validation errors detected: " + [
        `Value 'a/b' at 'datasetName' failed to satisfy constraint: Member must ${namePattern}`,
        "Value '-1' at 'lastSyncCount' failed to satisfy constraint: Member must have value greater than or equal to 0",
        "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"
      ].join("; ")
    )
    const message = await attempt("updateRecords", {
      IdentityPoolId: pool,
      RecordPatches: [patch, { Op: "x", Key: "", SyncCount: 1 }]
    })
    expect(message.startsWith("5 validation errors detected: ")).toBe(true)
    for (
      const part of [
        "Value null at 'identityId' failed to satisfy constraint: Member must not be null",
        "Value null at 'datasetName' failed to satisfy constraint: Member must not be null",
        "Value 'x' at 'recordPatches.2.member.op' failed to satisfy constraint: Member must satisfy enum value set: [replace, remove]",
        "Value '' at 'recordPatches.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
        "Value null at 'syncSessionToken' failed to satisfy constraint: Member must not be null"
      ]
    ) expect(message).toContain(part)
  })

  it.each([
    ["listRecords", { ...ref, DatasetName: "game.us-east-1:0000-aaaa" }, "OK"],
    ["listRecords", { ...ref, DatasetName: "aZ09_.:-" }, "OK"],
    ["listRecords", { ...ref, DatasetName: "d".repeat(128) }, "OK"],
    ["listRecords", { ...ref, LastSyncCount: 0, MaxResults: 1 }, "OK"],
    ["listRecords", { ...ref, LastSyncCount: null, MaxResults: undefined, NextToken: null }, "OK"],
    ["listRecords", { IdentityPoolId: "eu-west_1:0", IdentityId: `us-east-1:${"0".repeat(45)}`, DatasetName: "x" }, "OK"],
    ["listDatasets", { ...ids, MaxResults: 1 }, "OK"],
    ["describeDataset", { ...ref, DatasetName: "game.us-east-1:0000-aaaa" }, "ResourceNotFoundException"],
    ["deleteDataset", { ...ref, DatasetName: "d".repeat(128) }, "ResourceNotFoundException"],
    ["updateRecords", { ...updateBase, DeviceId: "d".repeat(256), ClientContext: "" }, "InvalidParameterException"]
  ] as const)("accepts %s %j (B 25)", async (operation, input, tag) => {
    const result = await outcome(operation, input)
    expect(result.tag).toBe(tag)
    expect(result.message).not.toContain("validation error")
  })

  it("accepts the largest members and writes them (B 25)", async () => {
    const me = newIdentity()
    const name = `game.${newId()}`
    const out = await run(Effect.gen(function*() {
      const written = yield* write(me.ref(name), [
        replace("k".repeat(1024), "", 0),
        { Op: "replace", Key: "big", Value: "v".repeat(1000), SyncCount: Number.MAX_SAFE_INTEGER } as never
      ]).pipe(Effect.flip)
      const accepted = yield* write(me.ref(name), [replace("k".repeat(1024), "", 0), replace("v", "v".repeat(1000), 0)])
      return { written, accepted, listed: yield* listAll(me.ref(name)) }
    }))
    expect(out.written._tag).toBe("ResourceConflictException")
    expect(out.accepted.Records).toHaveLength(2)
    expect(out.listed.DatasetExists).toBe(true)
  })

  it("treats null members as absent, as AWS's JSON protocols do", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const written = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const { SyncSessionToken } = yield* sync.listRecords({ ...ref, LastSyncCount: null, SyncSessionToken: null } as never, developer)
      return yield* sync.updateRecords({
        ...ref,
        SyncSessionToken,
        DeviceId: null,
        RecordPatches: [{ Op: "remove", Key: "gone", Value: null, SyncCount: 0, DeviceLastModifiedDate: null }]
      } as never, developer)
    }))
    expect(triples(written.Records)).toEqual([["gone", null, 1]])
  })

  it("reads an input nested 100 000 levels deep without overflowing the stack: a validation error, not a defect", async () => {
    let deep: unknown = null
    for (let level = 0; level < 100_000; level++) deep = [deep, { gone: null }]
    const message = await attempt("updateRecords", { ...ref, SyncSessionToken: token, RecordPatches: [{ ...patch, Value: deep }] })
    expect(message).toBe(failure("recordPatches.1.member.value", "'[...]'", "be a string"))
  })

  it("strips nulls at any depth, copying only the containers that held one", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const kept = { Op: "replace", Key: "kept", Value: "v", SyncCount: 0 }
    const patches = [kept, { Op: "replace", Key: "stripped", Value: "w", SyncCount: 0, DeviceLastModifiedDate: null }]
    const written = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const { SyncSessionToken } = yield* sync.listRecords(ref, developer)
      return yield* sync.updateRecords({ ...ref, SyncSessionToken, DeviceId: null, RecordPatches: patches } as never, developer)
    }))
    expect(triples(written.Records)).toEqual([["kept", "v", 1], ["stripped", "w", 1]])
    expect(patches[1]).toHaveProperty("DeviceLastModifiedDate", null)
  })

  it("writes nothing when one patch of many is invalid, before looking at the token", async () => {
    const me = newIdentity()
    const ref = me.ref()
    const out = await run(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const error = yield* Effect.flip(sync.updateRecords({
        ...ref,
        SyncSessionToken: "made-up",
        RecordPatches: [replace("ok", "v", 0), { Op: "replace", Key: "", SyncCount: 0 } as never]
      }, developer))
      return { error, listed: yield* listAll(ref) }
    }))
    expect(out.error._tag).toBe("InvalidParameterException")
    expect(out.error.message).toBe(
      failure("recordPatches.2.member.key", "''", "have length greater than or equal to 1")
    )
    expect(out.listed.DatasetExists).toBe(false)
  })

  it("rejects through the Promise facade with InvalidParameterException and status 400", async () => {
    const sync = facade()
    const me = newIdentity()
    const error = await rejectionOf(sync.listRecords({ ...me.ref(), DatasetName: "a/b" }))
    expect(error.name).toBe("InvalidParameterException")
    expect(error.status).toBe(400)
    expect(error.message).toBe(failure("datasetName", "'a/b'", namePattern))
    const missing = await rejectionOf(sync.updateRecords({ ...me.ref() } as never))
    expect(missing.message).toBe(failure("syncSessionToken", "null", "not be null"))
    const { SyncSessionToken } = await sync.listRecords(me.ref("ok"))
    const written = await sync.updateRecords({ ...me.ref("ok"), SyncSessionToken, RecordPatches: [replace("k", "v", 0)] })
    expect(triples(written.Records)).toEqual([["k", "v", 1]])
    await sync.close()
  })
})
