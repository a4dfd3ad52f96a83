/**
 * Cognito Identity on the wire, beside Cognito Sync under the same mount path: `POST /` with
 * `X-Amz-Target: AWSCognitoIdentityService.<Operation>` and a JSON body (awsJson1_1), and
 * `GET /.well-known/jwks.json`, the keys the server's OpenID tokens verify with. GetId,
 * GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity are served unsigned, as AWS serves
 * them; the other operations need developer credentials (SigV4, service `cognito-identity`) or
 * the application's own login. Errors are awsJson1_1's: `__type` and `message`, status 400 for
 * every error the caller caused and 500 for InternalErrorException.
 *
 * @since 0.1.0
 */
import { Cause, Context, Exit, Layer, ManagedRuntime, Runtime, type Effect } from "effect"
import type { Caller } from "@syncalite/core"
import { CognitoIdentity, CognitoIdentityError, type CognitoIdentityClient } from "@syncalite/identity"
import { type BodySource, readBody, TOO_LARGE, UNREADABLE } from "./internal/body.js"
import { DecodeError, encodeError, type HttpResponse, type JsonBounds, outputJson, parseBody } from "./Protocol.js"
import * as Router from "./Router.js"
import * as Sigv4 from "./Sigv4.js"

/**
 * What serves the identity API: the Promise facade's instance (`createCognitoIdentity(...)`,
 * which the application keeps and closes) or a layer of the service (built here, released by
 * `dispose`).
 *
 * @since 0.1.0
 * @category models
 */
export type IdentityService = CognitoIdentityClient | Layer.Layer<CognitoIdentity.CognitoIdentity, unknown>

/**
 * @since 0.1.0
 * @category models
 */
export interface IdentityApiOptions extends Omit<Sigv4.Sigv4Options, "identitySecret"> {
  readonly identity: IdentityService
  /** the identity pools served; a request naming another is refused */
  readonly pools?: ReadonlyArray<string>
  readonly maxBodyBytes: number
  readonly bounds: JsonBounds
  readonly onDefect: (defect: unknown) => void
}

/**
 * A request as the identity API reads it.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityRequest {
  readonly method: string
  readonly url: string
  readonly originalUrl?: string
  readonly body?: BodySource
  readonly parsedBody?: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface IdentityApi {
  /**
   * The answer to a request of the identity API, or undefined for a request that is not one.
   * `hooked` is the application's own login of the request, tried before SigV4.
   */
  readonly answer: (
    request: IdentityRequest,
    headers: { readonly [name: string]: string | ReadonlyArray<string> | undefined },
    path: string,
    requestId: string,
    hooked: () => Promise<Caller.Caller | undefined>
  ) => Promise<HttpResponse | undefined>
  readonly dispose: () => Promise<void>
}

const TARGET_PREFIX = "AWSCognitoIdentityService."
const CONTENT_TYPE = "application/x-amz-json-1.1"
const refused = { name: "NotAuthorizedException", status: 400, message: "The request signature or credentials are not valid" }
const internal = { name: "InternalErrorException", status: 500, message: "An internal error occurred" }

const isFacade = (u: unknown): u is CognitoIdentityClient =>
  typeof u === "object" && u !== null && "runtime" in u && ManagedRuntime.isManagedRuntime((u as CognitoIdentityClient).runtime)

const isJwks = (path: string) => path === "/.well-known/jwks.json"

/**
 * The methods the identity API serves at a path (relative to the mount path): POST at the root
 * (its operations), GET for the key set; undefined elsewhere. A browser's preflight lists them.
 *
 * @since 0.1.0
 * @category routing
 */
export const methodsAt = (path: string): ReadonlyArray<string> | undefined =>
  Router.segments(path)?.length === 0 ? ["POST"] : isJwks(path) ? ["GET"] : undefined

interface Ready {
  readonly service: CognitoIdentity.CognitoIdentityShape
  readonly run: (effect: Effect.Effect<unknown, unknown>) => Promise<Exit.Exit<unknown, unknown>>
}

type Method = (input: unknown, caller?: Caller.Caller) => Effect.Effect<unknown, unknown>

/**
 * Builds the identity API.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: IdentityApiOptions): IdentityApi => {
  const owned = isFacade(options.identity) ? undefined : ManagedRuntime.make(options.identity)
  const managed = isFacade(options.identity) ? options.identity.runtime : owned!
  let built: Ready | undefined
  const ready: Promise<Ready> = managed.runtime().then((runtime) =>
    built = {
      service: Context.get(runtime.context, CognitoIdentity.CognitoIdentity),
      run: Runtime.runPromiseExit(runtime)
    }
  )
  ready.catch(() => undefined)
  const verify = options.developers === undefined
    ? undefined
    : Sigv4.verifier({ ...options, developers: options.developers }, "cognito-identity")
  const served = options.pools === undefined ? undefined : new Set(options.pools)

  const developerOf = async (signed: Sigv4.SignedRequest, hooked: () => Promise<Caller.Caller | undefined>) => {
    const caller = (await hooked()) ?? (verify === undefined ? undefined : await verify(signed))
    if (caller?.kind !== "developer") return undefined
    if (served === undefined) return caller
    return { ...caller, pools: (caller.pools ?? [...served]).filter((pool) => served.has(pool)) }
  }

  const json = (status: number, body: unknown, requestId: string, contentType: string): HttpResponse => ({
    status,
    headers: { "content-type": contentType, "x-amzn-RequestId": requestId },
    body: outputJson(body)
  })

  return {
    answer: async (request, headers, path, requestId, hooked) => {
      const method = request.method.toUpperCase()
      if (method === "GET" && isJwks(path)) {
        const { service } = built ?? await ready
        const answer = json(200, service.jwks, requestId, "application/json")
        return { ...answer, headers: { ...answer.headers, "cache-control": "public, max-age=300" } }
      }
      const target = headers["x-amz-target"]
      if (method !== "POST" || typeof target !== "string" || !target.startsWith(TARGET_PREFIX) || Router.segments(path)?.length !== 0) {
        return undefined
      }
      const name = target.slice(TARGET_PREFIX.length)
      const operation = CognitoIdentity.methodOf(name)
      if (operation === undefined) {
        return encodeError({ name: "UnknownOperationException", status: 400, message: `No Cognito Identity operation ${name.slice(0, 64)}` }, requestId)
      }
      const read = request.body === undefined && request.parsedBody !== undefined
        ? Buffer.from(JSON.stringify(request.parsedBody) ?? "")
        : await readBody(request.body, headers, options.maxBodyBytes)
      if (read === TOO_LARGE) {
        return encodeError(
          { name: "InvalidParameterException", status: 400, message: `The request body is larger than ${options.maxBodyBytes} bytes` },
          requestId
        )
      }
      if (read === UNREADABLE) {
        return encodeError({ name: "InvalidParameterException", status: 400, message: "The request body could not be read" }, requestId)
      }
      const input = parseBody({ bytes: read }, options.bounds)
      if (input instanceof DecodeError) return encodeError(input, requestId)
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        return encodeError({ name: "InvalidParameterException", status: 400, message: "The request body must be a JSON object" }, requestId)
      }
      let caller: Caller.Caller | undefined
      if (CognitoIdentity.accessOf(operation) === "developer") {
        caller = await developerOf({ method: request.method, url: request.originalUrl ?? request.url, headers, body: read }, hooked)
        if (caller === undefined) return encodeError(refused, requestId)
      } else {
        const pool = (input as { readonly IdentityPoolId?: unknown }).IdentityPoolId
        if (served !== undefined && typeof pool === "string" && !served.has(pool)) return encodeError(refused, requestId)
      }
      const { run, service } = built ?? await ready
      const exit = await run((service[operation] as Method)(input, caller))
      if (Exit.isSuccess(exit)) return json(200, exit.value, requestId, CONTENT_TYPE)
      const failure = Cause.failureOption(exit.cause)
      if (failure._tag === "Some" && CognitoIdentityError.isCognitoIdentityError(failure.value)) {
        if (failure.value._tag === "InternalErrorException") options.onDefect(failure.value)
        return encodeError({ name: failure.value._tag, status: failure.value.status, message: failure.value.message }, requestId)
      }
      options.onDefect(Cause.squash(exit.cause))
      return encodeError(internal, requestId)
    },
    dispose: async () => {
      if (owned !== undefined) await owned.dispose()
    }
  }
}
