/**
 * The framework-free handler: `handle(request)` turns one HTTP request of the Cognito Sync
 * REST-JSON protocol into a call of the `CognitoSync` service and answers the response. It
 * never throws: every failure is an AWS-shaped JSON error (`x-amzn-ErrorType`, `__type`,
 * `message`, the model's status), and every response carries an `x-amzn-RequestId`.
 *
 * A request goes through: a header that must come once and came twice or, from Node, no
 * `Host` (400 `InvalidParameterException`); with `cors`, the answer to a browser's preflight (204); the route
 * (404 `UnknownOperationException`, 405 `MethodNotAllowedException`), the body up to
 * `maxBodyBytes` (413 `RequestEntityTooLargeException`), authentication (403
 * `NotAuthorizedException`), decoding (400 `InvalidParameterException`), then the operation,
 * which authorizes the caller before anything else (SPEC B §11).
 *
 * @example
 * ```ts
 * import { createCognitoSync } from "@syncalite/core"
 * import { Handler } from "@syncalite/http"
 *
 * const handler = Handler.make({
 *   sync: createCognitoSync({ tokenSecret: process.env.SYNCALITE_SECRET }),
 *   developers: [{ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "a developer secret", accountId: "123456789012" }],
 *   identitySecret: process.env.SYNCALITE_SECRET
 * })
 * const response = await handler.handle({ method: "GET", url: "/identitypools", headers: {} })
 * // { status: 403, headers: { "x-amzn-ErrorType": "NotAuthorizedException", ... }, body: "{...}" }
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Cause, Context, Effect, Exit, Layer, ManagedRuntime, Option, Runtime } from "effect"
import { type Caller, CognitoSync, CognitoSyncError, DeviceEvents } from "@syncalite/core"
import type { CognitoSyncClient } from "@syncalite/core"
import * as Cors from "./Cors.js"
import * as Events from "./Events.js"
import * as IdentityApi from "./IdentityApi.js"
import { type BodySource, readBody, TOO_LARGE, UNREADABLE } from "./internal/body.js"
import { callerVerification } from "./internal/callers.js"
import { exceededInValue } from "./internal/jsonBounds.js"
import { headerFault } from "./internal/headerFaults.js"
import {
  DecodeError,
  decodeInput,
  defaultJsonBounds,
  encodeError,
  encodeOutput,
  type HttpResponse,
  parseQuery
} from "./Protocol.js"
import * as Router from "./Router.js"
import * as Sigv4 from "./Sigv4.js"

/**
 * Request headers: lower-case names, as Node gives them.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpHeaders {
  readonly [name: string]: string | ReadonlyArray<string> | undefined
}

/**
 * A request, from any server or framework.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpRequest {
  readonly method: string
  /** the path and query below the mount point, percent-encoded as received: what is routed */
  readonly url: string
  /** the path and query exactly as the client sent them, mount path included: what is signed; `url` by default */
  readonly originalUrl?: string
  readonly headers: HttpHeaders
  /** the headers as received, names and values in turn (Node's `rawHeaders`): a repeated `Host`, `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` or `Content-Length` is refused, and so is no `Host` */
  readonly rawHeaders?: ReadonlyArray<string>
  /** the raw body: bytes, a string, or a stream (a Node `IncomingMessage`) read up to the limit */
  readonly body?: BodySource
  /** a JSON body the application already parsed, when its raw bytes are gone */
  readonly parsedBody?: unknown
  /** the framework's own request object, for an `authenticate` hook */
  readonly native?: unknown
}

export type { HttpResponse }

/**
 * Authenticates a request with the application's own login; `undefined` when it does not.
 *
 * @since 0.1.0
 * @category models
 */
export type Authenticate = (request: HttpRequest) => Caller.Caller | undefined | Promise<Caller.Caller | undefined>

/**
 * What the handler serves: the Promise facade's instance (`createCognitoSync(...)`, which the
 * application keeps and closes) or a layer of the service (built by the handler, released by
 * `dispose`).
 *
 * @since 0.1.0
 * @category models
 */
export type Service = CognitoSyncClient | Layer.Layer<CognitoSync.CognitoSync, unknown>

/**
 * @since 0.1.0
 * @category models
 */
export interface HandlerOptions extends Sigv4.Sigv4Options {
  readonly sync: Service
  /** Cognito Identity at the same mount path (`IdentityApi`); not served by default */
  readonly identity?: IdentityApi.IdentityService
  /** the application's own login, tried before SigV4 */
  readonly authenticate?: Authenticate
  /** the identity pools served; any well-formed pool id by default. Callers are narrowed to them. */
  readonly pools?: ReadonlyArray<string>
  /** the largest body read; 2 MiB by default (a dataset holds at most 1 MB) */
  readonly maxBodyBytes?: number
  /** the deepest nesting of arrays and objects in a JSON body; 32 by default (400 InvalidParameterException beyond) */
  readonly maxJsonDepth?: number
  /** the most values (containers, members, elements) in a JSON body; 16 384 by default (400 InvalidParameterException beyond) */
  readonly maxJsonValues?: number
  /** told about every internal error answered as InternalErrorException; `console.error` by default */
  readonly onDefect?: (defect: unknown) => void
  /** cross-origin access for clients in web pages; none by default */
  readonly cors?: Cors.CorsOptions
  /** told about every response once it is made, for request logs and metrics */
  readonly onResponse?: (event: ResponseEvent) => void
  /** the events route's keep-alive and caps (see `Events`); served when the service has `DeviceEvents` */
  readonly events?: Events.EventsOptions
}

/**
 * A response as `onResponse` is told about it: never a secret nor a record value.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseEvent {
  readonly requestId: string
  readonly method: string
  /** the operation routed to; none for a path that is not one */
  readonly operation: Router.OperationName | undefined
  /** the kind of the authenticated caller; none when the request was refused before */
  readonly caller: Caller.Caller["kind"] | undefined
  readonly status: number
  readonly durationMs: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Handler {
  /** answers a request; never rejects */
  readonly handle: (request: HttpRequest) => Promise<HttpResponse>
  /** releases the service when the handler built it from a layer */
  readonly dispose: () => Promise<void>
  /** ends every open event stream cleanly, for a server that shuts down */
  readonly endStreams: () => void
}

/**
 * The default body limit: 2 MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBodyBytes = 2 * 1024 * 1024

const refused = { name: "NotAuthorizedException", status: 403, message: "The request signature or credentials are not valid" }
const internal = { name: "InternalErrorException", status: 500, message: "An internal error occurred" }

const isFacade = (u: unknown): u is CognitoSyncClient =>
  typeof u === "object" && u !== null && "runtime" in u && ManagedRuntime.isManagedRuntime((u as CognitoSyncClient).runtime)

const lowerCased = (headers: HttpHeaders): HttpHeaders => {
  for (const name in headers) {
    if (name !== name.toLowerCase()) {
      const out: { [name: string]: string | ReadonlyArray<string> | undefined } = {}
      for (const key in headers) out[key.toLowerCase()] = headers[key]
      return out
    }
  }
  return headers
}

const hasBody = (headers: HttpHeaders): boolean =>
  headers["transfer-encoding"] !== undefined || (headers["content-length"] !== undefined && headers["content-length"] !== "0")

type Method = (input: unknown, caller: Caller.Caller) => Effect.Effect<unknown, unknown>

interface Ready {
  readonly service: CognitoSync.CognitoSyncShape
  readonly events: DeviceEvents.DeviceEventsShape | undefined
  readonly run: <A, E>(effect: Effect.Effect<A, E>) => Promise<Exit.Exit<A, E>>
}

/**
 * Builds a handler.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: HandlerOptions): Handler => {
  const owned = isFacade(options.sync)
    ? undefined
    : Layer.isLayer(options.sync)
    ? ManagedRuntime.make(options.sync)
    : undefined
  const managed = isFacade(options.sync) ? options.sync.runtime : owned
  if (managed === undefined) {
    throw new TypeError("syncalite: `sync` must be a createCognitoSync(...) instance or a layer of CognitoSync")
  }
  const sigv4 = options.developers === undefined && options.identitySecret === undefined ? undefined : callerVerification(options, "cognito-sync")
  if (sigv4 === undefined && options.authenticate === undefined) {
    throw new TypeError("syncalite: configure `developers`, `identitySecret` or `authenticate`: nothing could call the server otherwise")
  }
  const limit = options.maxBodyBytes ?? defaultMaxBodyBytes
  const bounds = {
    maxDepth: options.maxJsonDepth ?? defaultJsonBounds.maxDepth,
    maxValues: options.maxJsonValues ?? defaultJsonBounds.maxValues
  }
  const cors = options.cors === undefined ? undefined : Cors.make(options.cors)
  const onDefect = options.onDefect ?? ((defect: unknown) => console.error("syncalite: internal error", defect))
  const identity = options.identity === undefined
    ? undefined
    : IdentityApi.make({ ...options, identity: options.identity, maxBodyBytes: limit, bounds, onDefect })

  // kept once built, so that a request does not wait a turn for a promise long settled
  let built: Ready | undefined
  const ready: Promise<Ready> = managed.runtime().then((runtime) =>
    built = {
      service: Context.get(runtime.context, CognitoSync.CognitoSync),
      events: Option.getOrUndefined(Context.getOption(runtime.context, DeviceEvents.DeviceEvents)),
      run: Runtime.runPromiseExit(runtime)
    }
  )
  // a service that fails to build answers every request with InternalErrorException
  ready.catch(() => undefined)

  const served = options.pools === undefined ? undefined : new Set(options.pools)
  /** The caller within the pools served: a developer sees only those, an identity of another pool nothing. */
  const narrowed = (caller: Caller.Caller | undefined): Caller.Caller | undefined => {
    if (caller === undefined || served === undefined) return caller
    if (caller.kind === "identity") return served.has(caller.identityPoolId) ? caller : undefined
    const pools = caller.pools === undefined ? [...served] : caller.pools.filter((pool) => served.has(pool))
    return { ...caller, pools }
  }

  const hook = async (request: HttpRequest, headers: HttpHeaders) =>
    options.authenticate === undefined
      ? undefined
      : await options.authenticate(headers === request.headers ? request : { ...request, headers })

  /** The caller SigV4 proves; `query` holds the pairs of the routed query, handed to the verifier when the signed one is the same. */
  const signer = (
    request: HttpRequest,
    headers: HttpHeaders,
    bytes: Uint8Array,
    query: { readonly text: string; readonly pairs: ReadonlyArray<readonly [string, string]> | DecodeError },
    presigned: boolean
  ): Caller.Caller | undefined => {
    if (sigv4 === undefined) return undefined
    const url = request.originalUrl ?? request.url
    const question = url.indexOf("?")
    // built whole rather than spread from another: a spread copies property by property
    const signed = query.pairs instanceof DecodeError || (question < 0 ? "" : url.slice(question + 1)) !== query.text
      ? { method: request.method, url, headers, body: bytes }
      : { method: request.method, url, headers, body: bytes, query: query.pairs }
    return narrowed(sigv4(signed, presigned))
  }

  /** The application's login first, then SigV4; without a login, no turn of the event loop is waited. */
  const authenticate = (
    request: HttpRequest,
    headers: HttpHeaders,
    bytes: Uint8Array,
    query: { readonly text: string; readonly pairs: ReadonlyArray<readonly [string, string]> | DecodeError },
    presigned = false
  ): Caller.Caller | undefined | Promise<Caller.Caller | undefined> =>
    options.authenticate === undefined
      ? signer(request, headers, bytes, query, presigned)
      : hook(request, headers).then((hooked) => hooked !== undefined ? narrowed(hooked) : signer(request, headers, bytes, query, presigned))

  const streams = Events.make(options.events)
  const maxPresignedSeconds = options.clockSkewSeconds ?? 900
  /** The events route: presigned SigV4 accepted, signed at most `clockSkewSeconds` before. */
  const openEvents = async (
    request: HttpRequest,
    headers: HttpHeaders,
    requestId: string,
    seen: { caller?: Caller.Caller["kind"] },
    device: DeviceEvents.DeviceEventsInput,
    method: string,
    text: string
  ): Promise<HttpResponse> => {
    if (method !== "GET") {
      return encodeError({ name: "MethodNotAllowedException", status: 405, message: `This path does not accept ${method.slice(0, 16)}` }, requestId, { allow: "GET" })
    }
    const pairs = parseQuery(text)
    if (pairs instanceof DecodeError) return encodeError(pairs, requestId)
    const expires = pairs.find(([name]) => name === "X-Amz-Expires")
    if (expires !== undefined && !(Number(expires[1]) <= maxPresignedSeconds)) return encodeError(refused, requestId)
    const caller = await authenticate(request, headers, new Uint8Array(0), { text, pairs }, true)
    if (caller === undefined) return encodeError(refused, requestId)
    seen.caller = caller.kind
    const { events, run } = built ?? await ready
    if (events === undefined) {
      return encodeError({ name: "UnknownOperationException", status: 404, message: "This server serves no event streams" }, requestId)
    }
    const header = headers["last-event-id"]
    const lastEventId = typeof header === "string" ? header : pairs.find(([name]) => name === "LastEventId")?.[1]
    return streams.open({ device, caller, lastEventId, requestId, service: events, run, onDefect })
  }

  const respond = async (
    request: HttpRequest,
    headers: HttpHeaders,
    requestId: string,
    seen: { operation?: Router.OperationName; caller?: Caller.Caller["kind"] }
  ): Promise<HttpResponse> => {
    const fault = request.rawHeaders === undefined ? undefined : headerFault(request.rawHeaders)
    if (fault !== undefined) return encodeError(new DecodeError(fault), requestId)
    const method = request.method.toUpperCase()
    const url = request.url
    const question = url.indexOf("?")
    const path = question < 0 ? url : url.slice(0, question)
    const preflight = cors?.preflight(method, path, headers, identity === undefined ? undefined : IdentityApi.methodsAt)
    if (preflight !== undefined) return { status: 204, headers: { ...preflight, "x-amzn-RequestId": requestId }, body: "" }
    const device = Events.route(path)
    if (device instanceof DecodeError) return encodeError(device, requestId)
    if (device !== undefined) return openEvents(request, headers, requestId, seen, device, method, question < 0 ? "" : url.slice(question + 1))
    if (identity !== undefined) {
      const identityAnswer = await identity.answer(request, headers, path, requestId, () => hook(request, headers))
      if (identityAnswer !== undefined) return identityAnswer
    }
    const found = Router.match(method, path)
    if (found._tag === "NotFound") {
      return encodeError({ name: "UnknownOperationException", status: 404, message: "No Cognito Sync operation at this path" }, requestId)
    }
    if (found._tag === "MethodNotAllowed") {
      return encodeError(
        { name: "MethodNotAllowedException", status: 405, message: `This path does not accept ${method.slice(0, 16)}` },
        requestId,
        { allow: found.allow.join(", ") }
      )
    }
    seen.operation = found.route.operation
    // a body parsed by the application: its bytes are gone, and both stock clients wrote them with
    // JSON.stringify, which the signature check reproduces; a parser may give `{}` for no body at all
    const parsedOnly = request.body === undefined && request.parsedBody !== undefined && hasBody(headers)
    // written again as text below, which JSON.stringify does recursively
    const unbounded = parsedOnly ? exceededInValue(request.parsedBody, bounds) : undefined
    if (unbounded !== undefined) return encodeError(new DecodeError(unbounded), requestId)
    const reading = parsedOnly
      ? readBody(Buffer.from(JSON.stringify(request.parsedBody) ?? ""), {}, limit)
      : readBody(request.body, headers, limit)
    // awaited only when it is a promise: a body already read costs no turn of the event loop
    const read = reading instanceof Promise ? await reading : reading
    if (read === TOO_LARGE) {
      // the rest of the body is discarded as it arrives (Node does so for a body nobody read); a
      // declared length far beyond the limit is not worth reading: the connection is closed instead
      const declared = Number(headers["content-length"])
      return encodeError(
        { name: "RequestEntityTooLargeException", status: 413, message: `The request body is larger than ${limit} bytes` },
        requestId,
        declared > 8 * limit ? { connection: "close" } : undefined
      )
    }
    if (read === UNREADABLE) {
      return encodeError({ name: "InvalidParameterException", status: 400, message: "The request body could not be read" }, requestId)
    }
    // the query is parsed once, for the signature and for the input
    const text = question < 0 ? "" : url.slice(question + 1)
    const pairs = parseQuery(text)
    const authenticated = authenticate(request, headers, read, { text, pairs })
    const caller = authenticated instanceof Promise ? await authenticated : authenticated
    if (caller === undefined) return encodeError(refused, requestId)
    seen.caller = caller.kind
    if (pairs instanceof DecodeError) return encodeError(pairs, requestId)
    const input = decodeInput(
      found.route,
      found.labels,
      pairs,
      headers,
      parsedOnly ? { parsed: request.parsedBody } : { bytes: read },
      bounds
    )
    if (input instanceof DecodeError) return encodeError(input, requestId)
    const { run, service } = built ?? await ready
    const exit = await run((service[found.route.serviceMethod] as Method)(input, caller))
    if (Exit.isSuccess(exit)) return encodeOutput(found.route, exit.value, requestId)
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some" && CognitoSyncError.isCognitoSyncError(failure.value)) {
      if (failure.value._tag === "InternalErrorException") onDefect(failure.value)
      return encodeError({ name: failure.value._tag, status: failure.value.status, message: failure.value.message }, requestId)
    }
    onDefect(Cause.squash(exit.cause))
    return encodeError(internal, requestId)
  }

  return {
    handle: async (request) => {
      const requestId = randomUUID()
      const started = performance.now()
      const seen: { operation?: Router.OperationName; caller?: Caller.Caller["kind"] } = {}
      let allowed: { readonly [name: string]: string } | undefined
      let response: HttpResponse
      try {
        const headers = lowerCased(request.headers)
        allowed = cors?.headers(headers)
        response = await respond(request, headers, requestId, seen)
      } catch (defect) {
        try {
          onDefect(defect)
        } catch {
          // a throwing logger must not make the handler throw
        }
        response = encodeError(internal, requestId)
      }
      try {
        options.onResponse?.({
          requestId,
          method: request.method,
          operation: seen.operation,
          caller: seen.caller,
          status: response.status,
          durationMs: performance.now() - started
        })
      } catch {
        // nor a throwing log or metric
      }
      return allowed === undefined ? response : { ...response, headers: { ...response.headers, ...allowed } }
    },
    dispose: async () => {
      streams.endAll()
      await identity?.dispose()
      if (owned !== undefined) await owned.dispose()
    },
    endStreams: streams.endAll
  }
}
