/**
 * A device's push-sync notifications as Server-Sent Events:
 * `GET /identitypools/{IdentityPoolId}/identity/{IdentityId}/device/{DeviceId}/events`.
 *
 * The route takes SigV4 in headers, the application's `authenticate` hook, or SigV4 presigned in
 * the query string (what a browser's `EventSource`, which sends no headers, can carry), this
 * route only, signed at most 15 minutes (`clockSkewSeconds`) before it is used; an open stream
 * outlives its signature. Only the identity itself, or a developer allowed on its pool, may open
 * it (403 NotAuthorizedException), for a device registered to that identity (404
 * ResourceNotFoundException); past `maxStreamsPerIdentity` or `maxStreams` open streams the
 * answer is 429 LimitExceededException.
 *
 * Each notification is one event: `event: sync`, `data:` the SPEC B §8 message as one line of
 * JSON, and an `id:`; a client that reconnects with `Last-Event-ID` (or the `LastEventId` query
 * parameter, for a new presigned URL) receives what it missed, from the hub's replay window. A
 * comment line every `keepAliveSeconds` keeps proxies from closing the stream; past
 * `maxAgeSeconds` (when set) a stream is ended, so that its client reconnects; `endAll` (the
 * handler's `endStreams`, on shutdown) ends every stream cleanly.
 *
 * @example
 * ```ts
 * // in a browser, with identity credentials and @smithy/signature-v4
 * const url = new URL(`${endpoint}/identitypools/${pool}/identity/${identity}/device/${device}/events`)
 * const signed = await signer.presign(
 *   { method: "GET", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host } },
 *   { expiresIn: 900 }
 * )
 * const source = new EventSource(`${url}?${new URLSearchParams(signed.query)}`)
 * source.addEventListener("sync", (event) => console.log(event.lastEventId, JSON.parse(event.data)))
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Exit, type Effect } from "effect"
import { type Caller, CognitoSyncError, type DeviceEvents, type PushHub } from "@syncalite/core"
import { DecodeError, encodeError, type HttpResponse, type StreamSink, type WireError } from "./Protocol.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface EventsOptions {
  /** seconds between two keep-alive comments; 15 by default */
  readonly keepAliveSeconds?: number
  /** open streams of one identity; 10 by default */
  readonly maxStreamsPerIdentity?: number
  /** open streams of the handler; 10 000 by default */
  readonly maxStreams?: number
  /**
   * seconds after which an open stream is ended, so that its client reconnects (signing a new
   * URL, with the last event id, and replaying what it missed); never by default
   */
  readonly maxAgeSeconds?: number
}

/**
 * The environment variable of each events option a server may set.
 *
 * @since 0.1.0
 * @category constants
 */
export const optionVariables = {
  maxStreamsPerIdentity: "SYNCALITE_MAX_STREAMS_PER_IDENTITY",
  maxStreams: "SYNCALITE_MAX_STREAMS",
  keepAliveSeconds: "SYNCALITE_EVENTS_KEEP_ALIVE",
  maxAgeSeconds: "SYNCALITE_EVENTS_MAX_AGE"
} as const satisfies { readonly [K in keyof EventsOptions]-?: string }

/**
 * The options set by `optionVariables` in an environment (`process.env` by default), for
 * servers that configure themselves from it; a variable that is not a positive integer throws
 * a `RangeError` naming it.
 *
 * @since 0.1.0
 * @category config
 */
export const optionsFromEnv = (env: { readonly [name: string]: string | undefined } = process.env): EventsOptions => {
  const options: { -readonly [K in keyof EventsOptions]?: number } = {}
  for (const [option, name] of Object.entries(optionVariables) as Array<[keyof EventsOptions, string]>) {
    const given = env[name]
    if (given === undefined || given === "") continue
    if (!/^[1-9]\d{0,14}$/.test(given)) {
      throw new RangeError(`${name}=${given} is not a positive integer; give a number such as 10, or leave it unset for the default`)
    }
    options[option] = Number(given)
  }
  return options
}

/**
 * The device a path names, percent-decoded; `undefined` for another path.
 *
 * @since 0.1.0
 * @category routes
 */
export const route = (path: string): DeviceEvents.DeviceEventsInput | DecodeError | undefined => {
  const found = /^\/+identitypools\/([^/]+)\/+identity\/([^/]+)\/+device\/([^/]+)\/+events\/*$/.exec(path)
  if (found === null) return undefined
  try {
    return {
      IdentityPoolId: decodeURIComponent(found[1]!),
      IdentityId: decodeURIComponent(found[2]!),
      DeviceId: decodeURIComponent(found[3]!)
    }
  } catch {
    return new DecodeError("The path is not a valid percent-encoded string")
  }
}

/**
 * The line of one event.
 *
 * @since 0.1.0
 * @category encoding
 */
export const frame = (event: PushHub.PushEvent): string =>
  `id: ${event.id}\nevent: sync\ndata: ${JSON.stringify(event.message)}\n\n`

/**
 * What a request to the route brings, once authenticated.
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenRequest {
  readonly device: DeviceEvents.DeviceEventsInput
  readonly caller: Caller.Caller
  readonly lastEventId: string | undefined
  readonly requestId: string
  readonly service: DeviceEvents.DeviceEventsShape
  readonly run: <A, E>(effect: Effect.Effect<A, E>) => Promise<Exit.Exit<A, E>>
  readonly onDefect: (defect: unknown) => void
}

/**
 * The streams of a handler.
 *
 * @since 0.1.0
 * @category models
 */
export interface Streams {
  /** the response to a request of the route, streamed when it opens */
  readonly open: (request: OpenRequest) => Promise<HttpResponse>
  /** ends every open stream cleanly */
  readonly endAll: () => void
}

const limited: WireError = { name: "LimitExceededException", status: 429, message: "Too many event streams are open" }
const internal: WireError = { name: "InternalErrorException", status: 500, message: "An internal error occurred" }
const MAX_BUFFERED = 10_000

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: EventsOptions = {}): Streams => {
  const keepAlive = (options.keepAliveSeconds ?? 15) * 1000
  const perIdentity = options.maxStreamsPerIdentity ?? 10
  const total = options.maxStreams ?? 10_000
  const maxAge = options.maxAgeSeconds === undefined ? undefined : options.maxAgeSeconds * 1000
  const counts = new Map<string, number>()
  const ends = new Set<() => void>()
  let open = 0

  const release = (identity: string) => {
    open--
    const left = (counts.get(identity) ?? 1) - 1
    if (left === 0) counts.delete(identity)
    else counts.set(identity, left)
  }

  return {
    open: async ({ caller, device, lastEventId, onDefect, requestId, run, service }) => {
      const identity = `${device.IdentityPoolId}\n${device.IdentityId}`
      if (open >= total || (counts.get(identity) ?? 0) >= perIdentity) return encodeError(limited, requestId)
      open++
      counts.set(identity, (counts.get(identity) ?? 0) + 1)

      // what arrives before the response is written (the replay first) waits here
      let buffered: Array<string> | undefined = []
      let sink: StreamSink | undefined
      let closed = false
      let timer: ReturnType<typeof setInterval> | undefined
      let aged: ReturnType<typeof setTimeout> | undefined
      let detach: Effect.Effect<void> | undefined
      const close = () => {
        if (closed) return
        closed = true
        clearInterval(timer)
        clearTimeout(aged)
        ends.delete(end)
        release(identity)
        if (detach !== undefined) void run(detach)
      }
      const end = () => {
        const ending = sink
        close()
        ending?.end()
      }
      const exit = await run(service.open(device, caller, lastEventId, {
        event: (event) => {
          if (closed) return
          if (sink !== undefined) return sink.write(frame(event))
          if (buffered!.length < MAX_BUFFERED) buffered!.push(frame(event))
          else end()
        },
        end
      }))
      if (Exit.isFailure(exit)) {
        close()
        const failure = Cause.failureOption(exit.cause)
        if (failure._tag === "Some" && CognitoSyncError.isCognitoSyncError(failure.value)) {
          if (failure.value._tag === "InternalErrorException") onDefect(failure.value)
          return encodeError({ name: failure.value._tag, status: failure.value.status, message: failure.value.message }, requestId)
        }
        onDefect(Cause.squash(exit.cause))
        return encodeError(internal, requestId)
      }
      detach = exit.value
      if (closed) {
        // the hub ended it while it opened
        void run(detach)
        return encodeError(internal, requestId)
      }
      ends.add(end)
      return {
        status: 200,
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          "x-accel-buffering": "no",
          "x-amzn-RequestId": requestId
        },
        body: "",
        stream: {
          pipe: (to) => {
            if (closed) {
              to.end()
              return () => undefined
            }
            sink = to
            to.write(`retry: 1000\n\n${buffered!.join("")}`)
            buffered = undefined
            timer = setInterval(() => to.write(": keep-alive\n\n"), keepAlive)
            timer.unref?.()
            if (maxAge !== undefined) {
              aged = setTimeout(end, maxAge)
              aged.unref?.()
            }
            return close
          }
        }
      }
    },
    endAll: () => {
      for (const end of [...ends]) end()
    }
  }
}
