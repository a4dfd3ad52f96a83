/**
 * The server's configuration: each setting from its flag, else its environment variable, else a
 * default, generated for local use when it is a secret. Under `NODE_ENV=production` nothing is
 * generated: a missing, short or weak secret stops the start with the reason.
 *
 *   --port PORT                              8080
 *   --host HOST                              127.0.0.1
 *   --store SYNCALITE_STORE                  sqlite:./data/syncalite.db
 *   --secret SYNCALITE_SECRET                signs sync session tokens and identity credentials
 *   --dev-key SYNCALITE_DEV_KEY              developer access key id
 *   --dev-secret SYNCALITE_DEV_SECRET        developer secret access key
 *   --account-id SYNCALITE_ACCOUNT_ID        LastModifiedBy of developer writes ("developer")
 *   --pools SYNCALITE_POOLS                  comma-separated identity pool ids served (any by default)
 *   --redis-prefix SYNCALITE_REDIS_PREFIX    the first part of every Redis key ("syncalite")
 *   --bulk-lease SYNCALITE_BULK_LEASE        how long a stopped process holds its bulk publish job ("30 seconds")
 *   --push-mqtt SYNCALITE_PUSH_MQTT          the MQTT broker push sync notifications go to (none)
 *   --metrics SYNCALITE_METRICS              Prometheus metrics at /metrics (off)
 *   --triggers SYNCALITE_TRIGGERS            sync triggers in other services: JSON { "<lambda arn>": "<url>" }
 *   --trigger-secret SYNCALITE_TRIGGER_SECRET          signs the trigger calls (whsec_…)
 *   --trigger-timeout SYNCALITE_TRIGGER_TIMEOUT        how long a trigger may take ("5 seconds")
 *   --push-webhook SYNCALITE_PUSH_WEBHOOK              push-sync deliveries POSTed to this URL
 *   --push-webhook-secret SYNCALITE_PUSH_WEBHOOK_SECRET  signs the push deliveries (whsec_…)
 *   --log-level LOG_LEVEL                    info
 *
 * The limits are read from their variables (`CognitoSyncConfig.limitVariables`), and so are the
 * events route's caps and keep-alive (`Events.optionVariables`: SYNCALITE_MAX_STREAMS,
 * SYNCALITE_MAX_STREAMS_PER_IDENTITY, SYNCALITE_EVENTS_KEEP_ALIVE, SYNCALITE_EVENTS_MAX_AGE).
 */
import { randomBytes } from "node:crypto"
import { Duration, Option } from "effect"
import { CognitoSyncConfig } from "@syncalite/core"
import { Events } from "@syncalite/http"

/**
 * A refusal of the configuration or of the start: one line saying what is wrong and how to fix it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError"
}

/**
 * The settings by environment variable name; flags are given under the variable they override.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly [name: string]: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ServeConfig {
  readonly port: number
  readonly host: string
  readonly store: string
  readonly secret: string
  readonly developer: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly accountId: string }
  readonly pools: ReadonlyArray<string> | undefined
  /** the first part of every key in a Redis store, when not the adapter's default */
  readonly redisPrefix: string | undefined
  /** how long a bulk publish lease lasts unrenewed, with a Redis store */
  readonly bulkLease: Duration.Duration
  /** the MQTT broker push sync notifications are published to, when set */
  readonly pushMqtt: string | undefined
  readonly metrics: boolean
  /** sync triggers called over HTTP: each Lambda ARN's URL, and the secret signing the calls */
  readonly triggers: {
    readonly targets: { readonly [arn: string]: string }
    readonly secret: string
    readonly timeout: Duration.Duration
  } | undefined
  /** where push-sync deliveries are POSTed, and the secret signing them */
  readonly pushWebhook: { readonly url: string; readonly secret: string } | undefined
  readonly logLevel: string
  /** the limits set by their variables (SYNCALITE_MAX_DEVICES, …); the others keep their defaults */
  readonly limits: Partial<CognitoSyncConfig.Limits>
  /** the events route's caps and keep-alive set by their variables (SYNCALITE_MAX_STREAMS, …) */
  readonly events: Events.EventsOptions
  readonly production: boolean
  /** the variables that were unset, with the values generated for them */
  readonly generated: ReadonlyArray<readonly [name: string, value: string]>
}

/**
 * A setting: its variable, its flag, what it is.
 *
 * @since 0.1.0
 * @category models
 */
export interface Setting {
  readonly name: string
  readonly flag: string
  readonly description: string
  /** a secret: masked in the summary */
  readonly secret?: boolean
}

/**
 * Every setting of `syncalite serve`, in the order of its help.
 *
 * @since 0.1.0
 * @category constants
 */
export const settings: ReadonlyArray<Setting> = [
  { name: "PORT", flag: "--port <port>", description: "the port to listen on (0: any free one)" },
  { name: "HOST", flag: "--host <host>", description: "the address to listen on; 0.0.0.0 for every interface" },
  { name: "SYNCALITE_STORE", flag: "--store <url>", description: "memory | sqlite:<path> | redis://host:port | rediss://host:port | redis+cluster://host:port[,host:port…]" },
  { name: "SYNCALITE_SECRET", flag: "--secret <secret>", description: "signs sync session tokens and identity credentials (16 characters or more)", secret: true },
  { name: "SYNCALITE_DEV_KEY", flag: "--dev-key <id>", description: "the developer's access key id" },
  { name: "SYNCALITE_DEV_SECRET", flag: "--dev-secret <secret>", description: "the developer's secret access key (20 characters or more)", secret: true },
  { name: "SYNCALITE_ACCOUNT_ID", flag: "--account-id <id>", description: "LastModifiedBy of the developer's writes" },
  { name: "SYNCALITE_POOLS", flag: "--pools <ids>", description: "comma-separated identity pool ids served; any well-formed id by default" },
  { name: "SYNCALITE_REDIS_PREFIX", flag: "--redis-prefix <prefix>", description: "the first part of every Redis key; one per deployment sharing a Redis" },
  { name: "SYNCALITE_BULK_LEASE", flag: "--bulk-lease <duration>", description: "with a Redis store, how long a bulk publish job stays with a process that stopped before another takes it over, such as \"30 seconds\"" },
  { name: "SYNCALITE_PUSH_MQTT", flag: "--push-mqtt <url>", description: "publishes push sync notifications to this MQTT broker (mqtt://, mqtts://, ws://, wss://)" },
  { name: "SYNCALITE_METRICS", flag: "--metrics", description: "Prometheus metrics at /metrics (on | off)" },
  { name: "SYNCALITE_TRIGGERS", flag: "--triggers <json>", description: "sync triggers in other services: JSON {\"<lambda arn>\": \"<url>\"}, each event POSTed signed per Standard Webhooks" },
  { name: "SYNCALITE_TRIGGER_SECRET", flag: "--trigger-secret <secret>", description: "the Standard Webhooks secret (whsec_…) signing the trigger calls", secret: true },
  { name: "SYNCALITE_TRIGGER_TIMEOUT", flag: "--trigger-timeout <duration>", description: "how long a sync trigger may take, such as \"5 seconds\" or \"800 millis\"" },
  { name: "SYNCALITE_PUSH_WEBHOOK", flag: "--push-webhook <url>", description: "push-sync deliveries POSTed to this URL, signed per Standard Webhooks" },
  { name: "SYNCALITE_PUSH_WEBHOOK_SECRET", flag: "--push-webhook-secret <secret>", description: "the Standard Webhooks secret (whsec_…) signing the push deliveries", secret: true },
  { name: "LOG_LEVEL", flag: "--log-level <level>", description: "fatal | error | warn | info | debug | trace | silent" }
]

/**
 * The defaults of the settings that have one.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  PORT: "8080",
  HOST: "127.0.0.1",
  SYNCALITE_STORE: "sqlite:./data/syncalite.db",
  SYNCALITE_ACCOUNT_ID: "developer",
  SYNCALITE_METRICS: "off",
  SYNCALITE_TRIGGER_TIMEOUT: "5 seconds",
  SYNCALITE_BULK_LEASE: "30 seconds",
  LOG_LEVEL: "info"
} as const

const poolPattern = /^[\w-]+:[0-9a-f-]+$/
const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"]

/** A Standard Webhooks secret: whsec_ and base64, as `openssl rand -base64 32` writes it. */
const webhookSecret = /^whsec_[A-Za-z0-9+/]+={0,2}$/

const isHttpUrl = (text: string): boolean => {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol)
  } catch {
    return false
  }
}

/** The secret of a webhook setting, which must be set with it. */
const webhookSecretOf = (values: Settings, name: string, setting: string): string => {
  const secret = values[name] ?? ""
  if (secret === "") throw new ConfigError(`${setting} is set but ${name} is not: give the secret its receivers verify with, such as whsec_$(openssl rand -base64 32)`)
  if (!webhookSecret.test(secret)) throw new ConfigError(`${name} is not a Standard Webhooks secret; give whsec_ followed by base64, such as whsec_$(openssl rand -base64 32)`)
  return secret
}

/** The lease of bulk publish jobs, from SYNCALITE_BULK_LEASE: a duration of a second or more. */
const bulkLeaseOf = (setting: string): Duration.Duration => {
  const lease = Duration.decodeUnknown(setting)
  if (Option.isNone(lease) || Duration.lessThan(lease.value, Duration.seconds(1))) {
    throw new ConfigError(`SYNCALITE_BULK_LEASE=${setting} is not a duration of a second or more; give one such as "30 seconds" or "5 seconds"`)
  }
  return lease.value
}

/** The sync trigger URLs by Lambda ARN, from SYNCALITE_TRIGGERS, and their secret. */
const triggersOf = (values: Settings, timeoutSetting: string): ServeConfig["triggers"] => {
  const timeout = Duration.decodeUnknown(timeoutSetting)
  if (Option.isNone(timeout)) throw new ConfigError(`SYNCALITE_TRIGGER_TIMEOUT=${timeoutSetting} is not a duration; give one such as "5 seconds" or "800 millis"`)
  const given = values["SYNCALITE_TRIGGERS"] ?? ""
  if (given === "") return undefined
  const refusal = () =>
    new ConfigError(`SYNCALITE_TRIGGERS is not a JSON object of Lambda ARNs to http(s) URLs; give one such as {"arn:aws:lambda:us-east-1:123456789012:function:clean": "http://127.0.0.1:9000/clean"}`)
  let targets: unknown
  try {
    targets = JSON.parse(given)
  } catch {
    throw refusal()
  }
  if (typeof targets !== "object" || targets === null || Array.isArray(targets)) throw refusal()
  for (const url of Object.values(targets)) if (typeof url !== "string" || !isHttpUrl(url)) throw refusal()
  return {
    targets: targets as { readonly [arn: string]: string },
    secret: webhookSecretOf(values, "SYNCALITE_TRIGGER_SECRET", "SYNCALITE_TRIGGERS"),
    timeout: timeout.value
  }
}

/** The push webhook's URL, from SYNCALITE_PUSH_WEBHOOK, and its secret. */
const pushWebhookOf = (values: Settings): ServeConfig["pushWebhook"] => {
  const url = values["SYNCALITE_PUSH_WEBHOOK"] ?? ""
  if (url === "") return undefined
  if (!isHttpUrl(url)) throw new ConfigError(`SYNCALITE_PUSH_WEBHOOK=${url} is not an http(s) URL; give the URL push deliveries are POSTed to`)
  return { url, secret: webhookSecretOf(values, "SYNCALITE_PUSH_WEBHOOK_SECRET", "SYNCALITE_PUSH_WEBHOOK") }
}

const weak = (secret: string): boolean => /^(.)\1*$/s.test(secret)

/** A secret's value, refused when short or weak; generated when unset outside production. */
const secretOf = (
  values: Settings,
  name: string,
  minimum: number,
  production: boolean,
  generate: () => string,
  generated: Array<readonly [string, string]>
): string => {
  const given = values[name]
  const flag = settings.find((setting) => setting.name === name)!.flag.split(" ")[0]
  if (given === undefined || given === "") {
    if (production) {
      throw new ConfigError(`NODE_ENV=production: ${name} is not set; set it (or ${flag}) to a secret of ${minimum} characters or more, such as: openssl rand -base64 30`)
    }
    const made = generate()
    generated.push([name, made])
    return made
  }
  if (given.length < minimum) throw new ConfigError(`${name} is ${given.length} characters long; give ${minimum} or more (openssl rand -base64 30 makes one)`)
  if (production && weak(given)) throw new ConfigError(`NODE_ENV=production: ${name} is one character repeated; give a random secret (openssl rand -base64 30 makes one)`)
  return given
}

/**
 * The configuration from flags over environment variables, both by variable name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const readConfig = (values: Settings): ServeConfig => {
  const value = (name: keyof typeof defaults) => {
    const given = values[name]
    return given === undefined || given === "" ? defaults[name] : given
  }
  const production = values["NODE_ENV"] === "production"
  const generated: Array<readonly [string, string]> = []
  const port = Number(value("PORT"))
  if (!/^\d+$/.test(value("PORT")) || port > 65535) throw new ConfigError(`PORT=${values["PORT"]} is not a port number; give one from 0 to 65535 (--port or PORT)`)
  const key = values["SYNCALITE_DEV_KEY"] ?? ""
  if (key === "" && (values["SYNCALITE_DEV_SECRET"] ?? "") !== "") {
    throw new ConfigError("SYNCALITE_DEV_SECRET is set but SYNCALITE_DEV_KEY is not: set both (--dev-key, --dev-secret), or neither")
  }
  if (production && key === "") {
    throw new ConfigError("NODE_ENV=production: SYNCALITE_DEV_KEY is not set; set the developer credentials (SYNCALITE_DEV_KEY and SYNCALITE_DEV_SECRET, or --dev-key and --dev-secret)")
  }
  const secret = secretOf(values, "SYNCALITE_SECRET", 16, production, () => randomBytes(24).toString("base64url"), generated)
  const accessKeyId = key === "" ? `AKID${randomBytes(8).toString("hex").toUpperCase()}` : key
  if (key === "") generated.push(["SYNCALITE_DEV_KEY", accessKeyId])
  const secretAccessKey = secretOf(values, "SYNCALITE_DEV_SECRET", 20, production, () => randomBytes(30).toString("base64"), generated)
  const pools = values["SYNCALITE_POOLS"]?.split(",").map((pool) => pool.trim()).filter((pool) => pool !== "")
  for (const pool of pools ?? []) {
    if (pool.length > 55 || !poolPattern.test(pool)) throw new ConfigError(`SYNCALITE_POOLS: "${pool}" is not an identity pool id; give ids such as us-east-1:0e1a2b3c`)
  }
  const pushMqtt = values["SYNCALITE_PUSH_MQTT"] || undefined
  if (pushMqtt !== undefined && !/^(mqtts?|wss?):\/\/[^/]/.test(pushMqtt)) {
    throw new ConfigError(`SYNCALITE_PUSH_MQTT=${maskedStore(pushMqtt)} is not a broker URL; give one such as mqtt://127.0.0.1:1883 (mqtt://, mqtts://, ws:// or wss://)`)
  }
  const metrics = value("SYNCALITE_METRICS").toLowerCase()
  if (!["on", "off", "true", "false", "1", "0"].includes(metrics)) throw new ConfigError(`SYNCALITE_METRICS=${metrics} is neither on nor off`)
  const logLevel = value("LOG_LEVEL").toLowerCase()
  if (!levels.includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${logLevel} is not a level; give one of ${levels.join(", ")}`)
  for (const name of Object.values(CognitoSyncConfig.limitVariables)) {
    const given = values[name]
    if (given !== undefined && given !== "" && !/^[1-9]\d{0,14}$/.test(given)) {
      throw new ConfigError(`${name}=${given} is not a positive integer; give a number such as 20, or leave it unset for the default`)
    }
  }
  let events: Events.EventsOptions
  try {
    events = Events.optionsFromEnv(values)
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
  return {
    port,
    host: value("HOST"),
    store: value("SYNCALITE_STORE"),
    secret,
    developer: { accessKeyId, secretAccessKey, accountId: value("SYNCALITE_ACCOUNT_ID") },
    pools: pools === undefined || pools.length === 0 ? undefined : pools,
    redisPrefix: values["SYNCALITE_REDIS_PREFIX"] || undefined,
    bulkLease: bulkLeaseOf(value("SYNCALITE_BULK_LEASE")),
    pushMqtt,
    metrics: ["on", "true", "1"].includes(metrics),
    triggers: triggersOf(values, value("SYNCALITE_TRIGGER_TIMEOUT")),
    pushWebhook: pushWebhookOf(values),
    logLevel,
    limits: CognitoSyncConfig.limitsFromEnv(values),
    events,
    production,
    generated
  }
}

/**
 * A text with the password of every URL in it masked: a store URL, or a message quoting one.
 *
 * @since 0.1.0
 * @category utils
 */
export const maskedStore = (text: string): string => text.replace(/([a-z+]+:\/\/[^:/@\s]*:)[^@/\s]*@/gi, "$1****@")
