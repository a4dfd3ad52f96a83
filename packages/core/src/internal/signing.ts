import * as crypto from "node:crypto"

const BLOCK = 64

/**
 * HMAC-SHA256 (RFC 2104) under one key. The key's two padded blocks are made once; each MAC is
 * then two one-shot hashes (`crypto.hash`, Node 20.12 and later), with no `Hmac` object: a
 * `createHmac` per token cost an operation several times the hashing itself. Without
 * `crypto.hash`, `createHmac`.
 */
export const hmacSha256 = (secret: string | Uint8Array): (message: string) => Buffer => {
  const hash = crypto.hash
  if (typeof hash !== "function") return (message) => crypto.createHmac("sha256", secret).update(message).digest()
  const given = typeof secret === "string" ? Buffer.from(secret) : Buffer.from(secret)
  const key = given.length > BLOCK ? crypto.createHash("sha256").update(given).digest() : given
  const innerPad = Buffer.alloc(BLOCK, 0x36)
  // the outer hash's input: its padded key block, then the inner digest, written in place
  const outer = Buffer.alloc(BLOCK + 32, 0x5c)
  for (let i = 0; i < key.length; i++) {
    innerPad[i]! ^= key[i]!
    outer[i]! ^= key[i]!
  }
  return (message) => {
    const inner = Buffer.allocUnsafe(BLOCK + Buffer.byteLength(message))
    innerPad.copy(inner)
    inner.write(message, BLOCK)
    outer.set(hash("sha256", inner, "buffer"), BLOCK)
    return hash("sha256", outer, "buffer")
  }
}

let keyed: { readonly secret: string; readonly mac: (message: string) => Buffer } | undefined

/** The MAC under `secret`; a service has one secret, so the last key made is kept. */
const macOf = (secret: string) => {
  if (keyed?.secret !== secret) keyed = { secret, mac: hmacSha256(secret) }
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
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined
  try {
    return JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
  } catch {
    return undefined
  }
}
