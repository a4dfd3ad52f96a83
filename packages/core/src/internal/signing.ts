import * as Sha256 from "../Sha256.js"

let keyed: { readonly secret: string; readonly mac: (message: string) => string } | undefined

/** The MAC under `secret`, in unpadded base64url; a service has one secret, so the last key made is kept. */
const macOf = (secret: string) => {
  if (keyed?.secret !== secret) keyed = { secret, mac: Sha256.hmacText(secret, "base64url") }
  return keyed.mac
}

/**
 * Whether `text` is `canonical`, compared in a time that depends on their lengths only. A token's
 * MAC has one accepted spelling, unpadded base64url: comparing the text rather than what it
 * decodes to refuses padding, trailing junk, the standard alphabet and stray dots, all of which
 * Node's decoder reads as the same bytes.
 */
export const spellsMac = (text: string, canonical: string): boolean => {
  if (text.length !== canonical.length) return false
  let difference = 0
  for (let i = 0; i < text.length; i++) difference |= text.charCodeAt(i) ^ canonical.charCodeAt(i)
  return difference === 0
}

/**
 * `base64url(json).base64url(hmac)`: opaque to clients, tamper-evident to any process holding
 * the secret.
 */
export const seal = (secret: string, payload: unknown): string => {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url")
  return `${body}.${macOf(secret)(body)}`
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
