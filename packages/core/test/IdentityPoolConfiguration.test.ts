import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { CognitoSync, createCognitoSync } from "@syncalite/core"
import { apnsArn, developer, gcmArn, newId, newIdentity, roleArn, runTest, tokenSecret } from "./poolHelpers.js"

const get = (IdentityPoolId: string) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.getIdentityPoolConfiguration({ IdentityPoolId }, developer))

type SetInput = Parameters<CognitoSync.CognitoSyncShape["setIdentityPoolConfiguration"]>[0]

const set = (input: SetInput) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.setIdentityPoolConfiguration(input, developer))

const pattern = {
  applicationArn: "arn:aws:sns:[-0-9a-z]+:\\d+:app/[A-Z_]+/[a-zA-Z0-9_.-]+",
  roleArn: "arn:aws:iam::\\d+:role/.*"
}

describe("GetIdentityPoolConfiguration", () => {
  it("answers the pool id alone for a fresh pool (SPEC 32)", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      expect(yield* get(pool)).toEqual({ IdentityPoolId: pool })
    }))
  })
})

describe("SetIdentityPoolConfiguration", () => {
  it("sets PushSync without a RoleArn, and clears it with an empty PushSync (SPEC 32)", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      expect(yield* set({ IdentityPoolId: pool, PushSync: { ApplicationArns: [gcmArn] } })).toEqual({
        IdentityPoolId: pool,
        PushSync: { ApplicationArns: [gcmArn] }
      })
      expect(yield* get(pool)).toEqual({ IdentityPoolId: pool, PushSync: { ApplicationArns: [gcmArn] } })
      expect(yield* set({ IdentityPoolId: pool, PushSync: {} })).toEqual({ IdentityPoolId: pool })
      expect(yield* get(pool)).toEqual({ IdentityPoolId: pool })
    }))
  })

  it("keeps the members left out of a call and replaces the ones given", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      yield* set({ IdentityPoolId: pool, PushSync: { ApplicationArns: [gcmArn, apnsArn], RoleArn: roleArn } })
      const streams = { StreamName: "s", RoleArn: roleArn, StreamingStatus: "ENABLED" as const }
      expect(yield* set({ IdentityPoolId: pool, CognitoStreams: streams })).toEqual({
        IdentityPoolId: pool,
        PushSync: { ApplicationArns: [gcmArn, apnsArn], RoleArn: roleArn },
        CognitoStreams: streams
      })
      yield* set({ IdentityPoolId: pool, PushSync: { ApplicationArns: [apnsArn] } })
      expect(yield* get(pool)).toEqual({
        IdentityPoolId: pool,
        PushSync: { ApplicationArns: [apnsArn] },
        CognitoStreams: streams
      })
      yield* set({ IdentityPoolId: pool })
      expect(yield* get(pool)).toEqual({
        IdentityPoolId: pool,
        PushSync: { ApplicationArns: [apnsArn] },
        CognitoStreams: streams
      })
      // CognitoStreams members left out keep their values: disabling keeps the stream and its role
      yield* set({ IdentityPoolId: pool, CognitoStreams: { StreamingStatus: "DISABLED" } })
      expect((yield* get(pool)).CognitoStreams).toEqual({ StreamName: "s", RoleArn: roleArn, StreamingStatus: "DISABLED" })
      yield* set({ IdentityPoolId: pool, CognitoStreams: { StreamName: "t" } })
      expect((yield* get(pool)).CognitoStreams).toEqual({ StreamName: "t", RoleArn: roleArn, StreamingStatus: "DISABLED" })
    }))
  })

  it("is per pool", async () => {
    const one = newId()
    const two = newId()
    await runTest(Effect.gen(function*() {
      yield* set({ IdentityPoolId: one, PushSync: { ApplicationArns: [gcmArn] } })
      expect(yield* get(two)).toEqual({ IdentityPoolId: two })
    }))
  })

  const invalid: ReadonlyArray<readonly [string, SetInput, string]> = [
    [
      "an ApplicationArn off the pattern",
      { IdentityPoolId: "us-east-1:aaaa", PushSync: { ApplicationArns: [gcmArn, "arn:aws:sns:us-east-1:123:topic/x"] } },
      `Value 'arn:aws:sns:us-east-1:123:topic/x' at 'pushSync.applicationArns.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.applicationArn}`
    ],
    [
      "an ApplicationArn with a lower-case platform",
      { IdentityPoolId: "us-east-1:aaaa", PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/gcm/MyApp"] } },
      `Value 'arn:aws:sns:us-east-1:123456789012:app/gcm/MyApp' at 'pushSync.applicationArns.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.applicationArn}`
    ],
    [
      "a PushSync RoleArn off the pattern",
      { IdentityPoolId: "us-east-1:aaaa", PushSync: { RoleArn: "arn:aws:iam::123456789012:user/someone" } },
      `Value 'arn:aws:iam::123456789012:user/someone' at 'pushSync.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.roleArn}`
    ],
    [
      "a RoleArn shorter than 20",
      { IdentityPoolId: "us-east-1:aaaa", CognitoStreams: { RoleArn: "arn:aws:iam::1:role" } },
      "Value 'arn:aws:iam::1:role' at 'cognitoStreams.roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
    ],
    [
      "an empty StreamName",
      { IdentityPoolId: "us-east-1:aaaa", CognitoStreams: { StreamName: "" } },
      "Value '' at 'cognitoStreams.streamName' failed to satisfy constraint: Member must have length greater than or equal to 1"
    ],
    [
      "a StreamName of 129 characters",
      { IdentityPoolId: "us-east-1:aaaa", CognitoStreams: { StreamName: "s".repeat(129) } },
      `Value '${"s".repeat(129)}' at 'cognitoStreams.streamName' failed to satisfy constraint: Member must have length less than or equal to 128`
    ],
    [
      "a StreamingStatus outside the enum",
      { IdentityPoolId: "us-east-1:aaaa", CognitoStreams: { StreamName: "s", StreamingStatus: "PAUSED" as "ENABLED" } },
      "Value 'PAUSED' at 'cognitoStreams.streamingStatus' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
    ],
    [
      "an IdentityPoolId off the pattern",
      { IdentityPoolId: "not a pool" },
      "Value 'not a pool' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
    ]
  ]

  it.each(invalid)("refuses %s with the model's validation message and changes nothing", async (_, input, message) => {
    await runTest(Effect.gen(function*() {
      const error = yield* Effect.flip(set(input))
      expect(error._tag).toBe("InvalidParameterException")
      expect(error.message).toBe(`1 validation error detected: ${message}`)
      if (input.IdentityPoolId === "us-east-1:aaaa") {
        expect(yield* get(input.IdentityPoolId)).toEqual({ IdentityPoolId: input.IdentityPoolId })
      }
    }))
  })

  it("accepts a StreamName of 128 characters and a RoleArn of 20", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      const streams = { StreamName: "s".repeat(128), RoleArn: "arn:aws:iam::1:role/x", StreamingStatus: "ENABLED" as const }
      expect((yield* set({ IdentityPoolId: pool, CognitoStreams: streams })).CognitoStreams).toEqual(streams)
    }))
  })

  it("refuses streaming ENABLED without a StreamName", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      const error = yield* Effect.flip(set({ IdentityPoolId: pool, CognitoStreams: { StreamingStatus: "ENABLED" } }))
      expect(error._tag).toBe("InvalidParameterException")
      expect(error.message).toMatch(/StreamName/)
      expect(yield* get(pool)).toEqual({ IdentityPoolId: pool })
    }))
  })

  it("is for developers only", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const refused = yield* Effect.flip(
        sync.setIdentityPoolConfiguration({ IdentityPoolId: me.identityPoolId, PushSync: { ApplicationArns: [gcmArn] } }, me.caller)
      )
      expect(refused._tag).toBe("NotAuthorizedException")
      expect((yield* Effect.flip(sync.getIdentityPoolConfiguration({ IdentityPoolId: me.identityPoolId }, me.caller)))._tag)
        .toBe("NotAuthorizedException")
      expect(yield* get(me.identityPoolId)).toEqual({ IdentityPoolId: me.identityPoolId })
    }))
  })

  it("works through the Promise facade", async () => {
    const pool = newId()
    const sync = createCognitoSync({ tokenSecret })
    try {
      expect(await sync.getIdentityPoolConfiguration({ IdentityPoolId: pool })).toEqual({ IdentityPoolId: pool })
      await sync.setIdentityPoolConfiguration({
        IdentityPoolId: pool,
        PushSync: { ApplicationArns: [gcmArn], RoleArn: roleArn },
        CognitoStreams: { StreamName: "s", StreamingStatus: "DISABLED" }
      })
      expect(await sync.getIdentityPoolConfiguration({ IdentityPoolId: pool })).toEqual({
        IdentityPoolId: pool,
        PushSync: { ApplicationArns: [gcmArn], RoleArn: roleArn },
        CognitoStreams: { StreamName: "s", StreamingStatus: "DISABLED" }
      })
      const rejected = sync.setIdentityPoolConfiguration({ IdentityPoolId: pool, CognitoStreams: { StreamName: "" } })
      await expect(rejected).rejects.toBeInstanceOf(Error)
      await expect(rejected).rejects.toMatchObject({ name: "InvalidParameterException" })
    } finally {
      await sync.close()
    }
  })
})
