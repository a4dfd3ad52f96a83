/**
 * Cross-origin access, for the clients that run in a web page (the `amazon-cognito-js` sync
 * manager, the AWS SDK in a browser): preflight requests are answered from the route table before
 * any authentication (a browser sends them without credentials), and every answer to an allowed
 * origin carries the headers that let the page read it, `x-amzn-RequestId` and
 * `x-amzn-ErrorType` included. Requests from other origins are served as before, without them,
 * so the browser keeps their answers from the page.
 *
 * @since 0.1.0
 */
import * as Router from "./Router.js"

/** Request headers, lower-case names, as the handler gives them. */
type RequestHeaders = { readonly [name: string]: string | ReadonlyArray<string> | undefined }

/**
 * @since 0.1.0
 * @category models
 */
export interface CorsOptions {
  /** the origins allowed: `"*"` for any, or exact origins such as `"https://app.example.com"` */
  readonly origins: "*" | ReadonlyArray<string>
  /** how long a browser may keep the answer to a preflight, in seconds; 600 by default */
  readonly maxAgeSeconds?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Cors {
  /**
   * the headers of a preflight's answer (status 204), or undefined when the request is not a
   * preflight of an allowed origin; `served` names the methods of paths the Cognito Sync routes
   * do not have (those of the identity API)
   */
  readonly preflight: (
    method: string,
    path: string,
    headers: RequestHeaders,
    served?: (path: string) => ReadonlyArray<string> | undefined
  ) => { readonly [name: string]: string } | undefined
  /** the headers to add to any answer, or undefined for a request from no allowed origin */
  readonly headers: (headers: RequestHeaders) => { readonly [name: string]: string } | undefined
}

/** What the SDKs read of an answer, which a page may read only when it is exposed. */
const EXPOSED = "x-amzn-RequestId, x-amzn-ErrorType"
const originPattern = /^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i

/**
 * Builds the cross-origin rules of `options`; throws a TypeError on options that are not valid.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: CorsOptions): Cors => {
  const { maxAgeSeconds = 600, origins } = options
  if (origins !== "*" && (!Array.isArray(origins) || !origins.every((origin) => typeof origin === "string" && originPattern.test(origin)))) {
    throw new TypeError(`syncalite: cors.origins must be "*" or a list of origins such as "https://app.example.com"`)
  }
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new TypeError("syncalite: cors.maxAgeSeconds must be a whole number of seconds")
  }
  const allowed = origins === "*" ? undefined : new Set(origins)
  const maxAge = String(maxAgeSeconds)

  const originOf = (headers: RequestHeaders) => {
    const origin = headers["origin"]
    if (typeof origin !== "string") return undefined
    return allowed === undefined ? "*" : allowed.has(origin) ? origin : undefined
  }

  return {
    preflight: (method, path, headers, served) => {
      const requested = headers["access-control-request-method"]
      if (method !== "OPTIONS" || typeof requested !== "string" || originOf(headers) === undefined) return undefined
      // every method of the path: no route answers OPTIONS, so this lists them all
      const found = Router.match("OPTIONS", path)
      const allow = found._tag === "MethodNotAllowed" ? found.allow : served?.(path)
      if (allow === undefined) return undefined
      const asked = headers["access-control-request-headers"]
      return {
        "access-control-allow-methods": allow.join(", "),
        // Authorization and the x-amz-* headers a signer adds cannot be allowed with "*"
        ...(typeof asked === "string" && asked !== "" ? { "access-control-allow-headers": asked } : {}),
        "access-control-max-age": maxAge
      }
    },
    headers: (headers) => {
      const origin = originOf(headers)
      if (origin === undefined) return undefined
      return {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": EXPOSED,
        ...(allowed === undefined ? {} : { vary: "Origin" })
      }
    }
  }
}
