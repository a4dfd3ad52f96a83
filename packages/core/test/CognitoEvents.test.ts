import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { CognitoSync, createCognitoSync } from "@syncalite/core"
import { developer, newId, newIdentity, runTest, tokenSecret, triggerArn } from "./poolHelpers.js"

const get = (IdentityPoolId: string) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.getCognitoEvents({ IdentityPoolId }, developer))

const set = (IdentityPoolId: string, Events: { readonly [eventType: string]: string }) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) => sync.setCognitoEvents({ IdentityPoolId, Events }, developer))

describe("GetCognitoEvents and SetCognitoEvents", () => {
  it("start empty, set the sync trigger and remove it with an empty ARN (SPEC 28)", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      expect(yield* get(pool)).toEqual({ Events: {} })
      expect(yield* set(pool, { SyncTrigger: triggerArn })).toEqual({})
      expect(yield* get(pool)).toEqual({ Events: { SyncTrigger: triggerArn } })
      yield* set(pool, { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:other" })
      expect(yield* get(pool)).toEqual({ Events: { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:other" } })
      expect(yield* set(pool, { SyncTrigger: "" })).toEqual({})
      expect(yield* get(pool)).toEqual({ Events: {} })
    }))
  })

  it("change only the event types given: an empty map changes nothing", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      yield* set(pool, { SyncTrigger: triggerArn })
      expect(yield* set(pool, {})).toEqual({})
      expect(yield* get(pool)).toEqual({ Events: { SyncTrigger: triggerArn } })
    }))
  })

  it("are per pool", async () => {
    const one = newId()
    const two = newId()
    await runTest(Effect.gen(function*() {
      yield* set(one, { SyncTrigger: triggerArn })
      expect(yield* get(two)).toEqual({ Events: {} })
    }))
  })

  it("refuse an Events map with more than one entry (SPEC 28)", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      yield* set(pool, { SyncTrigger: triggerArn })
      const error = yield* Effect.flip(set(pool, { SyncTrigger: "arn:aws:lambda:us-east-1:1:function:x", Other: "y" }))
      expect(error._tag).toBe("InvalidParameterException")
      expect(error.message).toMatch(/^1 validation error detected: Value '.*' at 'events' failed to satisfy constraint: Member must have length less than or equal to 1$/)
      expect(yield* get(pool)).toEqual({ Events: { SyncTrigger: triggerArn } })
    }))
  })

  it("refuse an unknown event type", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      const error = yield* Effect.flip(set(pool, { PreSync: triggerArn }))
      expect(error._tag).toBe("InvalidParameterException")
      expect(error.message).toMatch(/^1 validation error detected: Value '.*PreSync.*' at 'events' failed to satisfy constraint: .*\[SyncTrigger\]$/)
      expect(yield* get(pool)).toEqual({ Events: {} })
    }))
  })

  it("refuse a missing Events map, a non-string ARN and a bad pool id", async () => {
    const pool = newId()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const missing = yield* Effect.flip(sync.setCognitoEvents({ IdentityPoolId: pool } as never, developer))
      expect(missing.message).toBe("1 validation error detected: Value null at 'events' failed to satisfy constraint: Member must not be null")
      const notString = yield* Effect.flip(set(pool, { SyncTrigger: 42 as unknown as string }))
      expect(notString._tag).toBe("InvalidParameterException")
      expect(notString.message).toMatch(/Member must be a string/)
      const badPool = yield* Effect.flip(get("pool"))
      expect(badPool._tag).toBe("InvalidParameterException")
      expect(badPool.message).toMatch(/at 'identityPoolId'/)
    }))
  })

  it("are for developers only", async () => {
    const me = newIdentity()
    await runTest(Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const input = { IdentityPoolId: me.identityPoolId, Events: { SyncTrigger: triggerArn } }
      expect((yield* Effect.flip(sync.setCognitoEvents(input, me.caller)))._tag).toBe("NotAuthorizedException")
      expect((yield* Effect.flip(sync.getCognitoEvents({ IdentityPoolId: me.identityPoolId }, me.caller)))._tag).toBe(
        "NotAuthorizedException"
      )
      expect(yield* get(me.identityPoolId)).toEqual({ Events: {} })
    }))
  })

  it("work through the Promise facade", async () => {
    const pool = newId()
    const sync = createCognitoSync({ tokenSecret })
    try {
      expect(await sync.getCognitoEvents({ IdentityPoolId: pool })).toEqual({ Events: {} })
      expect(await sync.setCognitoEvents({ IdentityPoolId: pool, Events: { SyncTrigger: triggerArn } })).toEqual({})
      expect(await sync.getCognitoEvents({ IdentityPoolId: pool })).toEqual({ Events: { SyncTrigger: triggerArn } })
      await expect(sync.setCognitoEvents({ IdentityPoolId: pool, Events: { SyncTrigger: "a", Other: "b" } })).rejects
        .toMatchObject({ name: "InvalidParameterException" })
    } finally {
      await sync.close()
    }
  })
})
