/**
 * Configuration of the Cognito Sync service: limits, session tokens, account and region.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"

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
  maxPoolsPerPage: 60
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
 * `SYNCALITE_TRIGGER_TIMEOUT` (durations such as `30 minutes`), and the limits
 * `SYNCALITE_MAX_DATASETS`, `SYNCALITE_MAX_RECORDS`, `SYNCALITE_MAX_BYTES`.
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
      datasetsPerIdentity: Config.option(Config.integer("SYNCALITE_MAX_DATASETS")),
      recordsPerDataset: Config.option(Config.integer("SYNCALITE_MAX_RECORDS")),
      bytesPerDataset: Config.option(Config.integer("SYNCALITE_MAX_BYTES"))
    })
    const env = yield* Effect.orDie(read)
    const limits: Partial<{ -readonly [K in keyof Limits]: Limits[K] }> = {}
    if (Option.isSome(env.datasetsPerIdentity)) limits.datasetsPerIdentity = env.datasetsPerIdentity.value
    if (Option.isSome(env.recordsPerDataset)) limits.recordsPerDataset = env.recordsPerDataset.value
    if (Option.isSome(env.bytesPerDataset)) limits.bytesPerDataset = env.bytesPerDataset.value
    return yield* make({
      limits,
      ...Option.match(env.tokenSecret, { onNone: () => ({}), onSome: (tokenSecret) => ({ tokenSecret }) }),
      ...Option.match(env.accountId, { onNone: () => ({}), onSome: (accountId) => ({ accountId }) }),
      ...Option.match(env.region, { onNone: () => ({}), onSome: (region) => ({ region }) }),
      ...Option.match(env.tokenLifetime, { onNone: () => ({}), onSome: (tokenLifetime) => ({ tokenLifetime }) }),
      ...Option.match(env.triggerTimeout, { onNone: () => ({}), onSome: (triggerTimeout) => ({ triggerTimeout }) })
    })
  })
)
