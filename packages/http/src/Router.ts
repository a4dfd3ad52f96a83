/**
 * The route table of the Cognito Sync REST-JSON protocol, generated from the API model
 * (`scripts/generate-routes.ts`), and the matching of a request path against it.
 *
 * @since 0.1.0
 */
import { CognitoSync } from "@syncalite/core"
import { type OperationName, type RouteSpec, routes as generated } from "./internal/routes.js"

/**
 * One operation on the wire: its method, its path with `{Member}` labels, and where each
 * member of its input travels (query, header, body).
 *
 * @since 0.1.0
 * @category models
 */
export interface Route extends RouteSpec {
  /** the method of the `CognitoSync` service that implements it */
  readonly serviceMethod: keyof CognitoSync.CognitoSyncShape
}

/**
 * @since 0.1.0
 * @category models
 */
export type { OperationName }

/**
 * What a request path and method resolve to.
 *
 * @since 0.1.0
 * @category models
 */
export type Match =
  | { readonly _tag: "Found"; readonly route: Route; readonly labels: { readonly [member: string]: string } }
  | { readonly _tag: "MethodNotAllowed"; readonly allow: ReadonlyArray<string> }
  | { readonly _tag: "NotFound" }

const serviceMethods: { readonly [K in OperationName]: keyof CognitoSync.CognitoSyncShape } = CognitoSync.operationNames

/**
 * The 17 routes of the API model.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<Route> = generated.map((route) => ({
  ...route,
  serviceMethod: serviceMethods[route.operation]
}))

/** A route as matching reads it: each segment of its path, a label's member name or the literal text. */
interface Template {
  readonly route: Route
  readonly segments: ReadonlyArray<{ readonly label: string } | string>
}

/** Routes by number of segments, so that a match looks at few candidates. */
const bySegments = new Map<number, Array<Template>>()
for (const route of routes) {
  const list = bySegments.get(route.path.length) ?? []
  list.push({ route, segments: route.path.map((segment) => segment.startsWith("{") ? { label: segment.slice(1, -1) } : segment) })
  bySegments.set(route.path.length, list)
}

const notFound: Match = { _tag: "NotFound" }

/**
 * The segments of a percent-encoded path: empty segments are dropped, as the clients' signers
 * drop them (a trailing slash on an endpoint gives `//`); `undefined` for `.` and `..`.
 *
 * @since 0.1.0
 * @category routes
 */
export const segments = (path: string): ReadonlyArray<string> | undefined => {
  const out: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "") continue
    if (segment === "." || segment === "..") return undefined
    out.push(segment)
  }
  return out
}

/**
 * Resolves a method and a percent-encoded path (below the mount point, without the query) to
 * a route and its labels, still percent-encoded.
 *
 * @since 0.1.0
 * @category routes
 */
export const match = (method: string, path: string): Match => {
  const parts = segments(path)
  if (parts === undefined) return notFound
  const candidates = bySegments.get(parts.length)
  if (candidates === undefined) return notFound
  let allow: Array<string> | undefined
  for (const { route, segments: template } of candidates) {
    let matched = true
    for (let i = 0; i < parts.length; i++) {
      const expected = template[i]!
      if (typeof expected === "string" && expected !== parts[i]) {
        matched = false
        break
      }
    }
    if (!matched) continue
    if (route.method !== method) {
      ;(allow ??= []).push(route.method)
      continue
    }
    const labels: { [member: string]: string } = {}
    for (let i = 0; i < parts.length; i++) {
      const expected = template[i]!
      if (typeof expected !== "string") labels[expected.label] = parts[i]!
    }
    return { _tag: "Found", route, labels }
  }
  return allow === undefined ? notFound : { _tag: "MethodNotAllowed", allow }
}
