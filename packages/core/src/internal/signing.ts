import { timingSafeEqual } from "node:crypto"
import * as Sha256 from "../Sha256.js"

let keyed: { readonly secret: string; readonly mac: (message: string) => Buffer } | undefined

/** The MAC under `secret`; a service has one secret, so the last key made is kept. */
const macOf = (secret: string) => {
  if (keyed?.secret !== secret) keyed = { secret, mac: Sha256.hmac(secret) }
  return keyed.mac
}

/**
 * Whether `text` is the one spelling of `mac` a token is written with: unpadded base64url.
 * Node's decoder also reads padding, trailing junk, the standard alphabet and stray dots as the
 * same bytes; comparing the text rather than what it decodes to refuses all of them, so that
 * a token has one accepted form.
 */
export const spellsMac = (text: string, mac: Buffer): boolean => {
  const given = Buffer.from(text)
  const canonical = Buffer.from(mac.toString("base64url"))
  return given.length === canonical.length && timingSafeEqual(given, canonical)
}

/**
 * `base64url(json).base64url(hmac)`: opaque to clients, tamper-evident to any process holding
 * the secret.
 */
export const seal = (secret: string, payload: unknown): string => {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url")
  return `${body}.${macOf(secret)(body).toString("base64url")}`
}

/** The payload of a sealed value, or undefined when it was not sealed with this secret, or not spelled as sealed. */
export const unseal = (secret: string, sealed: string): unknown => {
  const dot = sealed.indexOf(".")
  if (dot <= 0) return undefined
  const body = sealed.slice(0, dot)
  if (!spellsMac(sealed.slice(dot + 1), macOf(secret)(body))) return undefined
  try {
    return JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
  } catch {
    return undefined
  }
}
