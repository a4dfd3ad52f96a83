import { readFileSync } from "node:fs"
import { Duration } from "effect"
import { describe, expect, it } from "vitest"
import { readConfig } from "../src/config.js"
import { version } from "../src/version.js"

const secrets = {
  SYNCALITE_SECRET: "a token secret of some length",
  SYNCALITE_DEV_KEY: "AKIDCONFIGTEST",
  SYNCALITE_DEV_SECRET: "a developer secret long enough"
}

describe("configuration", () => {
  it("defaults: 127.0.0.1:8080, SQLite, metrics off, secrets generated and said to be", () => {
    const config = readConfig({})
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      store: "sqlite:./data/syncalite.db",
      metrics: false,
      logLevel: "info",
      production: false,
      developer: { accountId: "developer" }
    })
    expect(config.generated.map(([name]) => name)).toEqual(["SYNCALITE_SECRET", "SYNCALITE_DEV_KEY", "SYNCALITE_DEV_SECRET"])
    expect(config.developer.secretAccessKey.length).toBeGreaterThanOrEqual(20)
  })

  it("takes what is given, and generates nothing then", () => {
    const config = readConfig({ ...secrets, PORT: "0", HOST: "0.0.0.0", SYNCALITE_METRICS: "on", SYNCALITE_POOLS: "us-east-1:0e1a2b3c, us-east-1:0e1a2b3d", SYNCALITE_MAX_DEVICES: "5" })
    expect(config.limits).toEqual({ devicesPerIdentity: 5 })
    expect(config.events).toEqual({})
    expect(readConfig({ SYNCALITE_MAX_STREAMS: "3", SYNCALITE_MAX_STREAMS_PER_IDENTITY: "2", SYNCALITE_EVENTS_KEEP_ALIVE: "30" }).events)
      .toEqual({ maxStreams: 3, maxStreamsPerIdentity: 2, keepAliveSeconds: 30 })
    expect(config).toMatchObject({ port: 0, host: "0.0.0.0", metrics: true, secret: secrets.SYNCALITE_SECRET, pools: ["us-east-1:0e1a2b3c", "us-east-1:0e1a2b3d"], generated: [] })
  })

  it("a bulk publish lease of 30 seconds unless SYNCALITE_BULK_LEASE gives a second or more", () => {
    expect(Duration.toMillis(readConfig({}).bulkLease)).toBe(30_000)
    expect(Duration.toMillis(readConfig({ SYNCALITE_BULK_LEASE: "2 seconds" }).bulkLease)).toBe(2000)
    expect(() => readConfig({ SYNCALITE_BULK_LEASE: "5s" })).toThrow(/SYNCALITE_BULK_LEASE=5s is not a duration of a second or more/)
    expect(() => readConfig({ SYNCALITE_BULK_LEASE: "200 millis" })).toThrow(/SYNCALITE_BULK_LEASE=200 millis is not a duration/)
  })

  it("refuses what cannot work, naming the variable and the fix", () => {
    expect(() => readConfig({ SYNCALITE_MAX_DEVICES: "0" })).toThrow(/SYNCALITE_MAX_DEVICES=0 is not a positive integer/)
    expect(() => readConfig({ SYNCALITE_MAX_PUSH_TOKEN: "4k" })).toThrow(/SYNCALITE_MAX_PUSH_TOKEN=4k is not a positive integer/)
    expect(() => readConfig({ SYNCALITE_MAX_STREAMS: "-1" })).toThrow(/SYNCALITE_MAX_STREAMS=-1 is not a positive integer/)
    expect(() => readConfig({ SYNCALITE_EVENTS_KEEP_ALIVE: "15s" })).toThrow(/SYNCALITE_EVENTS_KEEP_ALIVE=15s is not a positive integer/)
    expect(() => readConfig({ PORT: "http" })).toThrow(/PORT=http is not a port number; give one from 0 to 65535/)
    expect(() => readConfig({ PORT: "70000" })).toThrow(/not a port number/)
    expect(() => readConfig({ SYNCALITE_SECRET: "short" })).toThrow(/SYNCALITE_SECRET is 5 characters long; give 16 or more/)
    expect(() => readConfig({ SYNCALITE_DEV_SECRET: "x" })).toThrow(/SYNCALITE_DEV_KEY is not/)
    expect(() => readConfig({ SYNCALITE_DEV_KEY: "AKID", SYNCALITE_DEV_SECRET: "nineteen characters" })).toThrow(/SYNCALITE_DEV_SECRET is 19 characters long; give 20 or more/)
    expect(() => readConfig({ SYNCALITE_POOLS: "mypool" })).toThrow(/"mypool" is not an identity pool id/)
    expect(() => readConfig({ SYNCALITE_METRICS: "maybe" })).toThrow(/neither on nor off/)
    expect(() => readConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL=loud is not a level/)
  })

  it("NODE_ENV=production: nothing generated; missing, short or weak secrets refused with the reason", () => {
    const production = { ...secrets, NODE_ENV: "production" }
    expect(readConfig(production)).toMatchObject({ production: true, generated: [] })
    expect(() => readConfig({ ...production, SYNCALITE_SECRET: undefined })).toThrow(/NODE_ENV=production: SYNCALITE_SECRET is not set; set it \(or --secret\)/)
    expect(() => readConfig({ ...production, SYNCALITE_SECRET: "a".repeat(40) })).toThrow(/NODE_ENV=production: SYNCALITE_SECRET is one character repeated/)
    expect(() => readConfig({ ...production, SYNCALITE_DEV_KEY: undefined, SYNCALITE_DEV_SECRET: undefined })).toThrow(/NODE_ENV=production: SYNCALITE_DEV_KEY is not set/)
    expect(() => readConfig({ ...production, SYNCALITE_DEV_SECRET: undefined })).toThrow(/NODE_ENV=production: SYNCALITE_DEV_SECRET is not set/)
    expect(() => readConfig({ ...production, SYNCALITE_DEV_SECRET: "short developer key" })).toThrow(/SYNCALITE_DEV_SECRET is 19 characters long/)
    expect(() => readConfig({ ...production, SYNCALITE_DEV_SECRET: "x".repeat(30) })).toThrow(/SYNCALITE_DEV_SECRET is one character repeated/)
  })

  it("--version prints the package's version", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(version).toBe(manifest.version)
  })
})
