/**
 * A device's stream of push-sync events, as the events route of `@syncalite/http` opens it:
 * only the identity itself, or a developer allowed on its pool, may open it
 * (NotAuthorizedException), and only for a device registered to that identity
 * (ResourceNotFoundException). The events come from the `PushHub`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import { authorize, type Caller } from "./Caller.js"
import {
  InternalErrorException,
  type InvalidParameterException,
  type NotAuthorizedException,
  ResourceNotFoundException
} from "./CognitoSyncError.js"
import * as PushHub from "./PushHub.js"
import * as S from "./Shapes.js"
import * as SyncStore from "./SyncStore.js"
import { decodeInput } from "./internal/validation.js"

/**
 * @since 0.1.0
 * @category schemas
 */
export const DeviceEventsInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId,
  DeviceId: S.DeviceId
})

/**
 * @since 0.1.0
 * @category models
 */
export type DeviceEventsInput = typeof DeviceEventsInput.Encoded

/**
 * @since 0.1.0
 * @category models
 */
export interface DeviceEventsShape {
  /** attaches `subscriber` to the device's events after `lastEventId`; the answered effect detaches it */
  readonly open: (
    input: DeviceEventsInput,
    caller: Caller,
    lastEventId: string | undefined,
    subscriber: PushHub.PushSubscriber
  ) => Effect.Effect<
    Effect.Effect<void>,
    NotAuthorizedException | InvalidParameterException | ResourceNotFoundException | InternalErrorException
  >
}

/**
 * @since 0.1.0
 * @category tags
 */
export class DeviceEvents extends Context.Tag("@syncalite/core/DeviceEvents")<DeviceEvents, DeviceEventsShape>() {}

const internal = (cause: SyncStore.StorageError) =>
  new InternalErrorException({ message: "An internal error occurred while accessing storage", cause })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<DeviceEventsShape, never, SyncStore.SyncStore | PushHub.PushHub> = Effect.gen(function*() {
  const store = yield* SyncStore.SyncStore
  const hub = yield* PushHub.PushHub
  const decode = decodeInput(DeviceEventsInput)
  return {
    open: (input, caller, lastEventId, subscriber) =>
      Effect.gen(function*() {
        yield* authorize(caller, "either", input.IdentityPoolId, input.IdentityId)
        const decoded = decode(input)
        if (decoded._tag === "Left") return yield* Effect.fail(decoded.left)
        const { DeviceId, IdentityId, IdentityPoolId } = decoded.right
        const device = yield* Effect.mapError(store.device(IdentityPoolId, IdentityId, DeviceId), internal)
        if (device === undefined) {
          return yield* Effect.fail(new ResourceNotFoundException({ message: `Device ${DeviceId} is not registered to this identity` }))
        }
        return yield* Effect.mapError(
          hub.attach({ identityPoolId: IdentityPoolId, identityId: IdentityId, deviceId: DeviceId }, lastEventId, subscriber),
          internal
        )
      })
  }
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<DeviceEvents, never, SyncStore.SyncStore | PushHub.PushHub> = Layer.effect(DeviceEvents, make)
