/**
 * Configuration of the Cognito Sync service: limits, session tokens, account and region.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { Config, ConfigProvider, Context, Duration, Effect, Layer, Option, Record, Redacted } from "effect"

/**
 * The per-identity and per-dataset limits, all configurable.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  readonly datasetsPerIdentity: number
  readonly recordsPerDataset: number
  readonly bytesPerDataset: number
  readonly maxRecordsPerPage: number
  readonly maxDatasetsPerPage: number
  readonly maxPoolsPerPage: number
  /** push devices an identity may register */
  readonly devicesPerIdentity: number
  /** characters of a RegisterDevice `Token` */
  readonly pushTokenLength: number
  /** milliseconds a write waits for its push deliveries before answering without them */
  readonly pushWaitMillis: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CognitoSyncConfigShape {
  readonly accountId: string
  readonly region: string
  readonly tokenSecret: Redacted.Redacted<string>
  readonly tokenLifetime: Duration.Duration
  readonly triggerTimeout: Duration.Duration
  readonly limits: Limits
}

/**
 * What a user may set; everything but the token secret has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface CognitoSyncConfigInput {
  readonly accountId?: string
  readonly region?: string
  readonly tokenSecret?: string | Redacted.Redacted<string>
  readonly tokenLifetime?: Duration.DurationInput
  readonly triggerTimeout?: Duration.DurationInput
  readonly limits?: Partial<Limits>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CognitoSyncConfig extends Context.Tag("@syncalite/core/CognitoSyncConfig")<
  CognitoSyncConfig,
  CognitoSyncConfigShape
>() {}

/**
 * The limits of the AWS service.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultLimits: Limits = {
  datasetsPerIdentity: 20,
  recordsPerDataset: 1024,
  bytesPerDataset: 1024 * 1024,
  maxRecordsPerPage: 1024,
  maxDatasetsPerPage: 64,
  maxPoolsPerPage: 60,
  devicesPerIdentity: 20,
  pushTokenLength: 4096,
  pushWaitMillis: 1000
}

/**
 * The environment variable of each limit a server may set.
 *
 * @since 0.1.0
 * @category constants
 */
export const limitVariables = {
  datasetsPerIdentity: "SYNCALITE_MAX_DATASETS",
  recordsPerDataset: "SYNCALITE_MAX_RECORDS",
  bytesPerDataset: "SYNCALITE_MAX_BYTES",
  devicesPerIdentity: "SYNCALITE_MAX_DEVICES",
  pushTokenLength: "SYNCALITE_MAX_PUSH_TOKEN",
  pushWaitMillis: "SYNCALITE_MAX_PUSH_WAIT"
} as const satisfies { readonly [K in keyof Limits]?: string }

type SettableLimits = { -readonly [K in keyof typeof limitVariables]?: number }

/**
 * The limits set by `limitVariables`, read from Effect's `Config`: each a positive integer.
 *
 * @since 0.1.0
 * @category config
 */
export const limitsConfig: Config.Config<SettableLimits> = Config.map(
  Config.all(Record.map(limitVariables, (name) =>
    Config.option(Config.validate(Config.integer(name), {
      message: "Expected a positive integer",
      validation: (value) => value > 0
    })))),
  (options) => Record.getSomes(options) as SettableLimits
)

/**
 * The limits set by `limitVariables` in an environment (`process.env` by default), for servers
 * that configure themselves from it; a variable that is not a positive integer throws.
 *
 * @since 0.1.0
 * @category config
 */
export const limitsFromEnv = (env: { readonly [name: string]: string | undefined } = process.env): SettableLimits => {
  const given = new Map<string, string>()
  for (const name of Object.values(limitVariables)) {
    const value = env[name]
    if (value !== undefined && value !== "") given.set(name, value)
  }
  return Effect.runSync(Effect.withConfigProvider(limitsConfig, ConfigProvider.fromMap(given)))
}

/**
 * Builds the configuration. Without a token secret, a random one is generated with a warning
 * (tokens then do not survive a restart nor verify in another process); with
 * `NODE_ENV=production` a missing secret is a defect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: CognitoSyncConfigInput = {}): Effect.Effect<CognitoSyncConfigShape> =>
  Effect.gen(function*() {
    const secret = input.tokenSecret === undefined
      ? yield* generatedSecret
      : Redacted.isRedacted(input.tokenSecret)
      ? input.tokenSecret
      : Redacted.make(input.tokenSecret)
    if (Redacted.value(secret).length < 16) {
      return yield* Effect.dieMessage("syncalite: the token secret must be at least 16 characters long")
    }
    return {
      accountId: input.accountId ?? "000000000000",
      region: input.region ?? "us-east-1",
      tokenSecret: secret,
      tokenLifetime: Duration.decode(input.tokenLifetime ?? Duration.minutes(30)),
      triggerTimeout: Duration.decode(input.triggerTimeout ?? Duration.seconds(5)),
      limits: { ...defaultLimits, ...input.limits }
    }
  })

const generatedSecret = Effect.suspend(() =>
  process.env.NODE_ENV === "production"
    ? Effect.dieMessage("syncalite: a token secret is required in production (tokenSecret or SYNCALITE_SECRET)")
    : Effect.as(
      Effect.logWarning(
        "syncalite: no token secret configured; using a random one. Sync session tokens will not verify in other processes or after a restart."
      ),
      Redacted.make(randomBytes(32).toString("base64url"))
    )
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (input: CognitoSyncConfigInput = {}): Layer.Layer<CognitoSyncConfig> =>
  Layer.effect(CognitoSyncConfig, make(input))

/**
 * The configuration read from Effect's `Config` (environment variables by default):
 * `SYNCALITE_SECRET`, `SYNCALITE_ACCOUNT_ID`, `SYNCALITE_REGION`, `SYNCALITE_TOKEN_LIFETIME`,
 * `SYNCALITE_TRIGGER_TIMEOUT` (durations such as `30 minutes`), and the limits of
 * `limitVariables`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromEnv: Layer.Layer<CognitoSyncConfig, never> = Layer.effect(
  CognitoSyncConfig,
  Effect.gen(function*() {
    const read = Config.all({
      tokenSecret: Config.option(Config.redacted("SYNCALITE_SECRET")),
      accountId: Config.option(Config.string("SYNCALITE_ACCOUNT_ID")),
      region: Config.option(Config.string("SYNCALITE_REGION")),
      tokenLifetime: Config.option(Config.duration("SYNCALITE_TOKEN_LIFETIME")),
      triggerTimeout: Config.option(Config.duration("SYNCALITE_TRIGGER_TIMEOUT")),
      limits: limitsConfig
    })
    const env = yield* Effect.orDie(read)
    return yield* make({
      limits: env.limits,
      ...Option.match(env.tokenSecret, { onNone: () => ({}), onSome: (tokenSecret) => ({ tokenSecret }) }),
      ...Option.match(env.accountId, { onNone: () => ({}), onSome: (accountId) => ({ accountId }) }),
      ...Option.match(env.region, { onNone: () => ({}), onSome: (region) => ({ region }) }),
      ...Option.match(env.tokenLifetime, { onNone: () => ({}), onSome: (tokenLifetime) => ({ tokenLifetime }) }),
      ...Option.match(env.triggerTimeout, { onNone: () => ({}), onSome: (triggerTimeout) => ({ triggerTimeout }) })
    })
  })
)
