/**
 * The configuration of the Cognito Identity service: the secret its identity credentials are
 * signed with (the `identitySecret` the HTTP layer verifies them with), their lifetime, the
 * region and account of its ids and ARNs, the issuer of its OpenID tokens, and how the logins of
 * third-party providers are verified.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import { checkSecret } from "./IdentityCredentials.js"

/**
 * How the tokens of one login provider are verified: an OpenID Connect issuer's key set and
 * audience (the token's signature, expiry, audience and issuer are checked, its keys cached), or
 * a function answering the subject a token stands for, and throwing for a token it refuses.
 *
 * @since 0.1.0
 * @category models
 */
export type LoginProvider =
  | {
    /** where the issuer publishes its keys, e.g. `https://www.googleapis.com/oauth2/v3/certs` */
    readonly jwksUrl: string
    /** the audiences accepted: the app's client ids */
    readonly audience: string | ReadonlyArray<string>
    /** the `iss` required; `https://<provider name>` by default */
    readonly issuer?: string
  }
  | ((token: string) => string | Promise<string>)

/**
 * @since 0.1.0
 * @category models
 */
export interface CognitoIdentityConfigShape {
  readonly region: string
  readonly accountId: string
  readonly credentialsSecret: Redacted.Redacted<string>
  readonly credentialsLifetime: Duration.Duration
  readonly openIdTokenLifetime: Duration.Duration
  readonly developerTokenLifetime: Duration.Duration
  readonly issuer: string
  readonly providers: { readonly [provider: string]: LoginProvider }
  readonly mergeSweepInterval: Duration.Duration
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CognitoIdentityConfigInput {
  /** signs the identity credentials; the HTTP layer's `identitySecret`; at least 16 characters */
  readonly credentialsSecret?: string | Redacted.Redacted<string>
  /** the region of new pool and identity ids; `us-east-1` by default */
  readonly region?: string
  /** the account of the pools' ARNs; `000000000000` by default */
  readonly accountId?: string
  /** how long GetCredentialsForIdentity's credentials last; one hour by default */
  readonly credentialsLifetime?: Duration.DurationInput
  /** how long GetOpenIdToken's tokens last; ten minutes by default, as with AWS */
  readonly openIdTokenLifetime?: Duration.DurationInput
  /** GetOpenIdTokenForDeveloperIdentity's lifetime without a TokenDuration; fifteen minutes by default */
  readonly developerTokenLifetime?: Duration.DurationInput
  /** the `iss` of the OpenID tokens; `https://cognito-identity.amazonaws.com` by default, as with AWS */
  readonly issuer?: string
  /** how the logins of each provider (its name in `Logins`) are verified */
  readonly providers?: { readonly [provider: string]: LoginProvider }
  /**
   * how often the service sweeps the pending merges of identities (at start too), taking up those
   * pending at least that long: what a device wrote with the source's credentials since, and the
   * merges of a process that died before their datasets moved; one minute by default
   */
  readonly mergeSweepInterval?: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CognitoIdentityConfig extends Context.Tag("@syncalite/identity/CognitoIdentityConfig")<
  CognitoIdentityConfig,
  CognitoIdentityConfigShape
>() {}

const generatedSecret = Effect.suspend(() =>
  process.env.NODE_ENV === "production"
    ? Effect.dieMessage("syncalite: a credentials secret is required in production (credentialsSecret or SYNCALITE_SECRET)")
    : Effect.as(
      Effect.logWarning(
        "syncalite: no credentials secret configured; using a random one. Identity credentials will not verify in other processes or after a restart."
      ),
      Redacted.make(randomBytes(32).toString("base64url"))
    )
)

/**
 * Builds the configuration. Without a secret, a random one is generated with a warning; with
 * `NODE_ENV=production` a missing secret is a defect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: CognitoIdentityConfigInput = {}): Effect.Effect<CognitoIdentityConfigShape> =>
  Effect.gen(function*() {
    const secret = input.credentialsSecret === undefined
      ? yield* generatedSecret
      : Redacted.isRedacted(input.credentialsSecret)
      ? input.credentialsSecret
      : Redacted.make(input.credentialsSecret)
    yield* Effect.try(() => checkSecret(Redacted.value(secret))).pipe(Effect.orDie)
    return {
      region: input.region ?? "us-east-1",
      accountId: input.accountId ?? "000000000000",
      credentialsSecret: secret,
      credentialsLifetime: Duration.decode(input.credentialsLifetime ?? Duration.hours(1)),
      openIdTokenLifetime: Duration.decode(input.openIdTokenLifetime ?? Duration.minutes(10)),
      developerTokenLifetime: Duration.decode(input.developerTokenLifetime ?? Duration.minutes(15)),
      issuer: input.issuer ?? "https://cognito-identity.amazonaws.com",
      providers: input.providers ?? {},
      mergeSweepInterval: Duration.decode(input.mergeSweepInterval ?? Duration.minutes(1))
    }
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (input: CognitoIdentityConfigInput = {}): Layer.Layer<CognitoIdentityConfig> =>
  Layer.effect(CognitoIdentityConfig, make(input))
