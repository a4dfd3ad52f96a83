import * as fc from "fast-check"
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { compileDecoder, Undecided } from "../src/internal/compiledDecoder.js"
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
