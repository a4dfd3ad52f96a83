import { timingSafeEqual } from "node:crypto"
import * as Sha256 from "../Sha256.js"

let keyed: { readonly secret: string; readonly mac: (message: string) => Buffer } | undefined

/** The MAC under `secret`; a service has one secret, so the last key made is kept. */
const macOf = (secret: string) => {
  if (keyed?.secret !== secret) keyed = { secret, mac: Sha256.hmac(secret) }
  return keyed.mac
}

/**
 * `base64url(json).base64url(hmac)`: opaque to clients, tamper-evident to any process holding
 * the secret.
 */
export const seal = (secret: string, payload: unknown): string => {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url")
  return `${body}.${macOf(secret)(body).toString("base64url")}`
}

/** The payload of a sealed value, or undefined when it was not sealed with this secret. */
export const unseal = (secret: string, sealed: string): unknown => {
  const dot = sealed.indexOf(".")
  if (dot <= 0) return undefined
  const body = sealed.slice(0, dot)
  const given = Buffer.from(sealed.slice(dot + 1), "base64url")
  const expected = macOf(secret)(body)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    return JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
  } catch {
    return undefined
  }
}
