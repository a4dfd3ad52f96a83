import * as fc from "fast-check"
import { Arbitrary, Either, FastCheck, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { compileDecoder, Undecided } from "../src/internal/compiledDecoder.js"
import { CounterDoc, IdentityDoc, IndexDoc, RecordsDoc } from "../src/internal/documents.js"
import { withoutNulls } from "../src/internal/validation.js"
import { ListRecordsInput } from "../src/operations/ListRecords.js"
import { UpdateRecordsInput } from "../src/operations/UpdateRecords.js"
import { SetIdentityPoolConfigurationInput } from "../src/operations/SetIdentityPoolConfiguration.js"

const options = { errors: "all", onExcessProperty: "ignore" } as const

/** Values of the wrong type or just outside a constraint, and nulls. */
const noise = fc.oneof(
  fc.constantFrom("us-east-1:ZZ", "", "a b", "x".repeat(60), "replace", "settings"),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(null, undefined, 0, 1, -1, 1.5, Number.NaN, true, new Date(0), new Date(Number.NaN), [], {}),
  fc.integer({ min: -2, max: 5 })
)
/** A member mostly valid, sometimes not. */
const member = <A>(valid: fc.Arbitrary<A>) => fc.oneof({ arbitrary: valid, weight: 8 }, noise)
const id = member(fc.constantFrom("us-east-1:0a0b", "eu-west-1:1-2"))
const text = member(fc.string({ maxLength: 8 }))
const count = member(fc.integer({ min: 0, max: 5 }))
const patch = fc.record({
  Op: member(fc.constantFrom("replace", "remove")),
  Key: member(fc.string({ minLength: 1, maxLength: 4 })),
  Value: text,
  SyncCount: count,
  DeviceLastModifiedDate: member(fc.date()),
  Extra: noise
}, { requiredKeys: ["Op", "Key", "SyncCount"] })
const input = fc.record({
  IdentityPoolId: id,
  IdentityId: id,
  DatasetName: member(fc.constantFrom("settings", "a.b:c-d_e")),
  LastSyncCount: count,
  NextToken: text,
  MaxResults: member(fc.integer({ min: 1, max: 100 })),
  SyncSessionToken: text,
  DeviceId: text,
  ClientContext: text,
  RecordPatches: member(fc.array(patch, { maxLength: 3 })),
  PushSync: member(fc.record({ ApplicationArns: member(fc.constant(["arn:aws:sns:us-east-1:1:app/GCM/a"])), RoleArn: noise })),
  CognitoStreams: member(fc.record({ StreamName: text, StreamingStatus: member(fc.constantFrom("ENABLED", "DISABLED")) }))
}, { requiredKeys: ["IdentityPoolId", "IdentityId", "DatasetName", "SyncSessionToken"] })

describe("compiled decoders", () => {
  for (const [name, schema] of [
    ["ListRecords", ListRecordsInput],
    ["UpdateRecords", UpdateRecordsInput],
    ["SetIdentityPoolConfiguration", SetIdentityPoolConfigurationInput]
  ] as const) {
    it(`decode what the schema decodes from ${name} inputs without their nulls`, () => {
      const compiled = compileDecoder(schema as Schema.Schema<unknown, unknown>, options)
      expect(compiled).toBeDefined()
      const decode = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>, options)
      let vouched = 0
      fc.assert(
        fc.property(input, (given) => {
          const expected = decode(withoutNulls(given))
          const value = compiled!(given)
          // what it does not vouch for, valid or not, the schema decodes
          if (value === Undecided) return
          expect(Either.isRight(expected) && expected.right).toStrictEqual(value)
          vouched++
        }),
        { numRuns: 3000 }
      )
      expect(vouched).toBeGreaterThan(300)
    })
  }

  it("leave to the schema objects that are not plain and members that are not enumerable", () => {
    const compiled = compileDecoder(ListRecordsInput, options)!
    const ref = { IdentityPoolId: "us-east-1:0a", IdentityId: "us-east-1:0b", DatasetName: "d" }
    expect(compiled(ref)).toStrictEqual(ref)
    expect(compiled(Object.assign(new (class Input {})(), ref))).toBe(Undecided)
    expect(compiled(Object.defineProperty({ ...ref }, "NextToken", { value: "t", enumerable: false }))).toBe(Undecided)
  })

  it("are not made for schemas with transformations", () => {
    expect(compileDecoder(Schema.Struct({ n: Schema.NumberFromString }), options)).toBeUndefined()
  })
})

describe("compiled decoders of declarations", () => {
  // accepts only what holds a null: never what the schema sees of a plain object, whose nulls are gone
  const HoldsNull = Schema.declare((u): u is object => typeof u === "object" && u !== null && Object.values(u).includes(null))
  it("leave plain containers to the schema, which sees them without their nulls", () => {
    const schema = Schema.Struct({ d: HoldsNull })
    const compiled = compileDecoder(schema, options)!
    expect(compiled({ d: { a: null } })).toBe(Undecided)
    expect(Either.isLeft(Schema.decodeUnknownEither(schema, options)(withoutNulls({ d: { a: null } })))).toBe(true)
    const holder = new Map([["a", null]])
    Object.assign(holder, { a: null })
    expect(compiled({ d: holder })).toStrictEqual({ d: holder })
  })
})

describe("compiled decoders of stored documents, where a null is a value", () => {
  const documents = [
    ["identity", IdentityDoc],
    ["records", RecordsDoc],
    ["index", IndexDoc],
    ["counter", CounterDoc]
  ] as const
  /** a document, or one with a member changed to something of another kind (effect's own fast-check makes them) */
  const variant = (schema: Schema.Schema<unknown, unknown>) =>
    FastCheck.oneof(
      Arbitrary.make(schema),
      FastCheck.tuple(Arbitrary.make(schema), FastCheck.jsonValue()).map(([document, noise]) => spoiled(document, noise))
    )
  for (const [name, schema] of documents) {
    it(`decode what the schema decodes from ${name} documents, and nothing it refuses`, () => {
      const compiled = compileDecoder(schema as Schema.Schema<unknown, unknown>, {}, "values")
      expect(compiled).toBeDefined()
      const decode = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)
      let vouched = 0
      FastCheck.assert(
        FastCheck.property(variant(schema as Schema.Schema<unknown, unknown>), (given) => {
          const document = JSON.parse(JSON.stringify(given)) as unknown
          // the schema loses a "__proto__" key of a map, which the compiled decoder keeps (below)
          if (JSON.stringify(document).includes("\"__proto__\"")) return
          const expected = decode(document)
          const value = compiled!(document)
          if (value === Undecided) {
            expect(Either.isLeft(expected)).toBe(true)
            return
          }
          expect(Either.isRight(expected) && expected.right).toStrictEqual(value)
          vouched++
        }),
        { numRuns: 1000 }
      )
      expect(vouched).toBeGreaterThan(100)
    })
  }

  it("keep every key of a map as an own member, \"__proto__\" included", () => {
    const compiled = compileDecoder(IdentityDoc, {}, "values")!
    const document = JSON.parse(`{"datasets":{},"devices":{},"subscriptions":{"__proto__":["d1"],"constructor":["d2"]}}`) as unknown
    const value = compiled(document) as IdentityDoc
    expect(Object.getPrototypeOf(value.subscriptions)).toBe(Object.prototype)
    expect(Object.keys(value.subscriptions)).toEqual(["__proto__", "constructor"])
    expect(Object.getOwnPropertyDescriptor(value.subscriptions, "__proto__")?.value).toEqual(["d1"])
  })

  it("take a null for a value where the schema allows one, and refuse it elsewhere", () => {
    const compiled = compileDecoder(RecordsDoc, {}, "values")!
    const record = { key: "k", value: null, syncCount: 1, lastModifiedDate: 1, lastModifiedBy: "me" }
    expect(compiled({ records: [record] })).toStrictEqual({ records: [record] })
    expect(compiled({ records: [{ ...record, key: null }] })).toBe(Undecided)
    expect(compiled({ records: [{ ...record, deviceLastModifiedDate: null }] })).toBe(Undecided)
  })
})

/** `document` with one of its members, at any depth, replaced by `noise`. */
const spoiled = (document: unknown, noise: unknown): unknown => {
  const paths: Array<ReadonlyArray<string | number>> = []
  const walk = (value: unknown, path: ReadonlyArray<string | number>) => {
    if (path.length > 0) paths.push(path)
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]))
    else if (typeof value === "object" && value !== null) for (const [key, item] of Object.entries(value)) walk(item, [...path, key])
  }
  walk(document, [])
  if (paths.length === 0) return noise
  const path = paths[JSON.stringify(noise).length % paths.length]!
  const copy = JSON.parse(JSON.stringify(document)) as Record<string | number, unknown>
  let target = copy
  for (const step of path.slice(0, -1)) target = target[step] as Record<string | number, unknown>
  target[path[path.length - 1]!] = noise
  return copy
}
