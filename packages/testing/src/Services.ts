/**
 * Real services for adapter tests: their URLs from the environment, and a check that they answer.
 * A test file asks once, at collection time; when the service is unreachable the tests are
 * skipped with a loud message — except under CI (`CI` set), where that is a failure.
 *
 * @example
 * ```ts
 * import { Services } from "@syncalite/testing"
 * const redis = await Services.check("redis")
 * describe.skipIf(!redis.available)("on Redis", () => { ... redis.url ... })
 * ```
 *
 * @since 0.1.0
 */
import { connect } from "node:net"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly name: string
  readonly url: string
  readonly available: boolean
}

/**
 * The services the adapters are tested against, their environment variables and defaults.
 *
 * @since 0.1.0
 * @category constants
 */
export const known = {
  redis: { variable: "REDIS_URL", fallback: "redis://127.0.0.1:6379" },
  postgres: { variable: "POSTGRES_URL", fallback: "postgres://postgres@127.0.0.1:5432/test" },
  mqtt: { variable: "MQTT_URL", fallback: "mqtt://127.0.0.1:1883" }
} as const

/**
 * The URL of a service: its environment variable, or the default.
 *
 * @since 0.1.0
 * @category accessors
 */
export const url = (name: keyof typeof known): string => process.env[known[name].variable] || known[name].fallback

/**
 * Whether something accepts TCP connections at the host and port of a URL, within `timeoutMs`.
 *
 * @since 0.1.0
 * @category checks
 */
export const reachable = (address: string, timeoutMs = 1000): Promise<boolean> => {
  const { hostname, port, protocol } = new URL(address)
  const defaults: { readonly [protocol: string]: number } = { "redis:": 6379, "rediss:": 6379, "postgres:": 5432, "postgresql:": 5432, "mqtt:": 1883, "mqtts:": 8883 }
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port) || defaults[protocol] || 0 })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })
}

/**
 * The service if it answers. Unreachable: a loud warning and `available: false`, or, under CI,
 * an error that fails the test file.
 *
 * @since 0.1.0
 * @category checks
 */
export const check = async (name: keyof typeof known): Promise<Service> => {
  const address = url(name)
  const available = await reachable(address)
  if (!available) {
    const message = `${name} is not reachable at ${address} (set ${known[name].variable})`
    if (process.env.CI) throw new Error(`${message}: CI needs it`)
    console.warn(`\n!!! SKIPPING the ${name} tests: ${message}\n`)
  }
  return { name, url: address, available }
}

/**
 * What `redisKeys` and `removeRedisKeys` need of a `@redis/client` connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisScanning {
  readonly scanIterator: (options: { MATCH: string; COUNT: number }) => AsyncIterable<Array<string>>
  readonly unlink: (keys: Array<string>) => Promise<unknown>
}

/** The keys under a test's prefix, a SCAN batch at a time: `<prefix>:*`, or the pattern itself when it ends in `*`. */
const batchesUnder = (client: RedisScanning, prefix: string): AsyncIterable<Array<string>> =>
  client.scanIterator({ MATCH: prefix.endsWith("*") ? prefix : `${prefix}:*`, COUNT: 1000 })

/**
 * Every key under a test's prefix (`<prefix>:*`, or the pattern itself when it ends in `*`).
 *
 * @since 0.1.0
 * @category cleanup
 */
export const redisKeys = async (client: RedisScanning, prefix: string): Promise<Array<string>> => {
  const keys: Array<string> = []
  for await (const batch of batchesUnder(client, prefix)) keys.push(...batch)
  return keys
}

/**
 * Removes every key under a test's prefix (as `redisKeys` finds them), a SCAN batch at a time;
 * answers how many there were.
 *
 * @since 0.1.0
 * @category cleanup
 */
export const removeRedisKeys = async (client: RedisScanning, prefix: string): Promise<number> => {
  let removed = 0
  for await (const batch of batchesUnder(client, prefix)) {
    if (batch.length > 0) await client.unlink(batch)
    removed += batch.length
  }
  return removed
}
