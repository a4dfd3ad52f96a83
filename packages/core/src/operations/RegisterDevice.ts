/**
 * RegisterDevice: the DeviceId of a push token for an identity; the same token gets the same id.
 * An identity has at most `devicesPerIdentity` devices and a token at most `pushTokenLength`
 * characters; both are InvalidParameterException, the only fitting error the model lists for
 * this operation (it has no LimitExceededException).
 *
 * @since 0.1.0
 */
import { Effect, Random, Schema } from "effect"
import { InvalidConfigurationException, InvalidParameterException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { applicationArnFor } from "../internal/push.js"

/** @since 0.1.0 @category schemas */
export const RegisterDeviceInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId,
  Platform: S.Platform,
  Token: S.PlainString
})
/** @since 0.1.0 @category models */
export type RegisterDeviceInput = typeof RegisterDeviceInput.Encoded

/** @since 0.1.0 @category models */
export interface RegisterDeviceOutput {
  readonly DeviceId: string
}

const hex = (digits: number) =>
  Effect.map(
    Effect.all(Array.from({ length: digits }, () => Random.nextIntBetween(0, 16))),
    (values) => values.map((value) => value.toString(16)).join("")
  )

/** A version 4 UUID drawn from Effect's `Random`. */
const uuid = Effect.map(
  Effect.all([hex(8), hex(4), hex(3), Random.nextIntBetween(8, 12), hex(3), hex(12)]),
  ([a, b, c, variant, d, e]) => `${a}-${b}-4${c}-${variant.toString(16)}${d}-${e}`
)

/** @since 0.1.0 @category operations */
export const RegisterDevice = operation({
  access: "identity",
  input: RegisterDeviceInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const { devicesPerIdentity, pushTokenLength } = services.config.limits
      if (input.Token.length > pushTokenLength) {
        return yield* Effect.fail(
          new InvalidParameterException({
            message:
              `1 validation error detected: Value at 'token' failed to satisfy constraint: Member must have length less than or equal to ${pushTokenLength}`
          })
        )
      }
      const pool = yield* services.store.readPool(input.IdentityPoolId)
      if (applicationArnFor(pool, input.Platform) === undefined) {
        return yield* Effect.fail(
          new InvalidConfigurationException({
            message: `Push sync is not configured for platform ${input.Platform} in this identity pool`
          })
        )
      }
      const registered = yield* services.store.registerDevice(input.IdentityPoolId, input.IdentityId, {
        deviceId: yield* uuid,
        platform: input.Platform,
        token: input.Token
      }, devicesPerIdentity)
      if (registered._tag === "LimitExceeded") {
        return yield* Effect.fail(
          new InvalidParameterException({
            message: `An identity may register at most ${devicesPerIdentity} devices; this one has ${registered.devices}`
          })
        )
      }
      return { DeviceId: registered.deviceId } satisfies RegisterDeviceOutput
    })
})
