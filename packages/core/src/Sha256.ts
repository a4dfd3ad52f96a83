/**
 * SHA-256 and HMAC-SHA256 (RFC 2104) as one-shot functions over `crypto.hash` (Node 20.12 and
 * later): a `createHash` or `createHmac` object per call cost an operation several times the
 * hashing itself. An HMAC key's two padded blocks are made once, when the key is given. Without
 * `crypto.hash`, node's hash objects.
 *
 * @example
 * ```ts
 * import { Sha256 } from "@syncalite/core"
 *
 * const mac = Sha256.hmac("a secret")
 * mac("a message").toString("hex") // as createHmac("sha256", "a secret").update("a message").digest("hex")
 * ```
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"

/**
 * What is hashed: text (as UTF-8) or bytes.
 *
 * @since 0.1.0
 * @category models
 */
export type Data = string | Uint8Array

const BLOCK = 64
/** the longest message written into a key's own buffer; a longer one gets a buffer of its own */
const SCRATCH = 1024
const oneShot = typeof crypto.hash === "function" ? crypto.hash : undefined

/**
 * How a digest is written out as text.
 *
 * @since 0.1.0
 * @category models
 */
export type Encoding = crypto.BinaryToTextEncoding

/**
 * A digest as bytes: `crypto.hash` writes one as a Buffer several times slower than as text,
 * and one byte per character ("binary", i.e. latin1) is read back as a Buffer at a fraction of that.
 */
const bytesOf = (binary: string): Buffer => Buffer.from(binary, "binary")

/**
 * The SHA-256 digest of `data`.
 *
 * @since 0.1.0
 * @category hashing
 */
export const hash = (data: Data): Buffer =>
  oneShot === undefined ? crypto.createHash("sha256").update(data).digest() : bytesOf(oneShot("sha256", data, "binary"))

/**
 * The SHA-256 digest of `data`, in lower-case hexadecimal.
 *
 * @since 0.1.0
 * @category hashing
 */
export const hashHex = (data: Data): string =>
  oneShot === undefined ? crypto.createHash("sha256").update(data).digest("hex") : oneShot("sha256", data, "hex")

/**
 * HMAC-SHA256 under `key`: a function from a message to its MAC written in `encoding`, cheaper
 * than the MAC as bytes when text is what is wanted (a token, a signature).
 *
 * @since 0.1.0
 * @category hashing
 */
export const hmacText = (key: Data, encoding: Encoding): (message: Data) => string => {
  if (oneShot === undefined) return (message) => crypto.createHmac("sha256", key).update(message).digest(encoding)
  const given = typeof key === "string" ? Buffer.from(key) : key
  const block = given.length > BLOCK ? hash(given) : given
  const innerPad = Buffer.alloc(BLOCK, 0x36)
  // the outer hash's input: its padded key block, then the inner digest, written in place
  const outer = Buffer.alloc(BLOCK + 32, 0x5c)
  for (let i = 0; i < block.length; i++) {
    innerPad[i]! ^= block[i]!
    outer[i]! ^= block[i]!
  }
  // the inner hash's input: the padded key block, then the message, written in place while it fits
  const inner = Buffer.alloc(BLOCK + SCRATCH)
  innerPad.copy(inner)
  return (message) => {
    const size = typeof message === "string" ? Buffer.byteLength(message) : message.length
    const into = size <= SCRATCH ? inner : Buffer.allocUnsafe(BLOCK + size)
    if (into !== inner) innerPad.copy(into)
    if (typeof message === "string") into.write(message, BLOCK)
    else into.set(message, BLOCK)
    outer.write(oneShot("sha256", into.subarray(0, BLOCK + size), "binary"), BLOCK, "binary")
    return oneShot("sha256", outer, encoding)
  }
}

/**
 * HMAC-SHA256 under `key`: a function from a message to its MAC.
 *
 * @since 0.1.0
 * @category hashing
 */
export const hmac = (key: Data): (message: Data) => Buffer => {
  const mac = hmacText(key, "binary")
  return (message) => bytesOf(mac(message))
}
