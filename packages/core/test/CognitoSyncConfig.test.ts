import { ConfigProvider, Duration, Effect, Layer, Logger, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { CognitoSyncConfig } from "@syncalite/core"

const read = (layer: Layer.Layer<CognitoSyncConfig.CognitoSyncConfig>) =>
  Effect.runPromise(Effect.provide(CognitoSyncConfig.CognitoSyncConfig, layer))

describe("CognitoSyncConfig", () => {
  it("has the AWS limits and a 30 minute token lifetime by default", async () => {
    const config = await read(CognitoSyncConfig.layer({ tokenSecret: "a secret of enough length" }))
    expect(config.limits).toEqual(CognitoSyncConfig.defaultLimits)
    expect(config.limits).toMatchObject({
      datasetsPerIdentity: 20,
      recordsPerDataset: 1024,
      bytesPerDataset: 1048576,
      devicesPerIdentity: 20,
      pushTokenLength: 4096
    })
    expect(Duration.toMillis(config.tokenLifetime)).toBe(30 * 60 * 1000)
    expect(Duration.toMillis(config.triggerTimeout)).toBe(5000)
    expect(Redacted.value(config.tokenSecret)).toBe("a secret of enough length")
  })

  it("overrides single limits and keeps the others", async () => {
    const config = await read(CognitoSyncConfig.layer({ tokenSecret: "a secret of enough length", limits: { recordsPerDataset: 10 } }))
    expect(config.limits.recordsPerDataset).toBe(10)
    expect(config.limits.datasetsPerIdentity).toBe(20)
  })

  it("generates a secret with a warning when none is given", async () => {
    const logs: Array<string> = []
    const logger = Logger.replace(Logger.defaultLogger, Logger.make(({ logLevel, message }) => logs.push(`${logLevel.label} ${String(message)}`)))
    const config = await Effect.runPromise(
      Effect.provide(CognitoSyncConfig.CognitoSyncConfig, CognitoSyncConfig.layer().pipe(Layer.provide(logger)))
    )
    expect(Redacted.value(config.tokenSecret).length).toBeGreaterThanOrEqual(32)
    expect(logs.some((line) => line.startsWith("WARN") && line.includes("no token secret"))).toBe(true)
  })

  it("refuses to run without a secret in production", async () => {
    const before = process.env.NODE_ENV
    process.env.NODE_ENV = "production"
    try {
      await expect(read(CognitoSyncConfig.layer())).rejects.toThrow(/token secret is required in production/)
    } finally {
      process.env.NODE_ENV = before
    }
  })

  it("refuses a secret shorter than 16 characters", async () => {
    await expect(read(CognitoSyncConfig.layer({ tokenSecret: "short" }))).rejects.toThrow(/at least 16 characters/)
  })

  it("reads its settings from the environment", async () => {
    const provider = ConfigProvider.fromMap(new Map([
      ["SYNCALITE_SECRET", "an environment secret"],
      ["SYNCALITE_ACCOUNT_ID", "123456789012"],
      ["SYNCALITE_REGION", "eu-west-1"],
      ["SYNCALITE_TOKEN_LIFETIME", "10 minutes"],
      ["SYNCALITE_TRIGGER_TIMEOUT", "2 seconds"],
      ["SYNCALITE_MAX_DATASETS", "3"],
      ["SYNCALITE_MAX_RECORDS", "50"],
      ["SYNCALITE_MAX_BYTES", "4096"],
      ["SYNCALITE_MAX_DEVICES", "5"],
      ["SYNCALITE_MAX_PUSH_TOKEN", "512"],
      ["SYNCALITE_MAX_PUSH_WAIT", "250"]
    ]))
    const config = await read(CognitoSyncConfig.layerFromEnv.pipe(Layer.provide(Layer.setConfigProvider(provider))))
    expect(Redacted.value(config.tokenSecret)).toBe("an environment secret")
    expect(config.accountId).toBe("123456789012")
    expect(config.region).toBe("eu-west-1")
    expect(Duration.toMillis(config.tokenLifetime)).toBe(600_000)
    expect(Duration.toMillis(config.triggerTimeout)).toBe(2000)
    expect(config.limits).toMatchObject({
      datasetsPerIdentity: 3,
      recordsPerDataset: 50,
      bytesPerDataset: 4096,
      devicesPerIdentity: 5,
      pushTokenLength: 512,
      pushWaitMillis: 250
    })
  })

  it("limitsFromEnv: the limits a server's environment sets, and nothing else", () => {
    expect(CognitoSyncConfig.limitsFromEnv({ SYNCALITE_MAX_DEVICES: "3", SYNCALITE_MAX_PUSH_TOKEN: "", PATH: "/bin" })).toEqual({
      devicesPerIdentity: 3
    })
    expect(CognitoSyncConfig.limitsFromEnv({})).toEqual({})
    expect(() => CognitoSyncConfig.limitsFromEnv({ SYNCALITE_MAX_PUSH_TOKEN: "0" })).toThrow(/SYNCALITE_MAX_PUSH_TOKEN/)
    expect(() => CognitoSyncConfig.limitsFromEnv({ SYNCALITE_MAX_DEVICES: "lots" })).toThrow(/SYNCALITE_MAX_DEVICES/)
  })

  it("fails clearly on a malformed environment value", async () => {
    const provider = ConfigProvider.fromMap(new Map([["SYNCALITE_SECRET", "an environment secret"], ["SYNCALITE_MAX_RECORDS", "many"]]))
    await expect(read(CognitoSyncConfig.layerFromEnv.pipe(Layer.provide(Layer.setConfigProvider(provider))))).rejects
      .toThrow(/SYNCALITE_MAX_RECORDS/)
  })
})

