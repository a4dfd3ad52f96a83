/**
 * Bounds on the shape of a JSON body, checked before anything recursive reads it: how deeply
 * arrays and objects nest, and how many values (containers, members and elements) it holds.
 * Both checks are loops; a body that breaks a bound costs one pass up to the point it breaks it.
 */

export interface JsonBounds {
  /** the deepest nesting of arrays and objects; the body itself is level 1 */
  readonly maxDepth: number
  /** the most values: every container, member value and element, the body included */
  readonly maxValues: number
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const COMMA = 0x2c

const isWhitespace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09

const tooDeep = (bounds: JsonBounds) => `The request body nests JSON deeper than ${bounds.maxDepth} levels`
const tooMany = (bounds: JsonBounds) => `The request body holds more than ${bounds.maxValues} JSON values`

/**
 * The bound a JSON text (UTF-8 bytes) breaks, as a message; `undefined` within both. Only the
 * structure outside strings is counted (no byte of a multi-byte character is ASCII); whether
 * the text is valid JSON is left to the parser that runs afterwards.
 */
export const exceededInText = (bytes: Uint8Array, bounds: JsonBounds): string | undefined => {
  let depth = 0
  // the body, then the first value of each non-empty container and one more after each comma
  let values = 1
  let last = 0
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (isWhitespace(byte)) continue
    if ((last === OPEN_ARRAY || last === OPEN_OBJECT) && byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT) values++
    switch (byte) {
      case QUOTE:
        i = stringEnd(bytes, i)
        break
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (++depth > bounds.maxDepth) return tooDeep(bounds)
        break
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        depth--
        break
      case COMMA:
        values++
        break
    }
    if (values > bounds.maxValues) return tooMany(bounds)
    last = byte
  }
  return undefined
}

/**
 * Where the string opened at `start` closes: the next quote after an even run of backslashes, or
 * the end of the text. Found by the native search, since strings are most of a body's bytes.
 */
const stringEnd = (bytes: Uint8Array, start: number): number => {
  for (let at = start; ;) {
    at = bytes.indexOf(QUOTE, at + 1)
    if (at < 0) return bytes.length
    let backslashes = 0
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return at
  }
}

/**
 * The bound a value the application already parsed breaks, as a message; `undefined` within
 * both. Counted as `exceededInText` counts the text the value is written as.
 */
export const exceededInValue = (value: unknown, bounds: JsonBounds): string | undefined => {
  const pending: Array<unknown> = [value]
  const depths: Array<number> = [0]
  let values = 0
  while (pending.length > 0) {
    const current = pending.pop()
    const depth = depths.pop()!
    if (++values > bounds.maxValues) return tooMany(bounds)
    if (typeof current !== "object" || current === null) continue
    if (depth + 1 > bounds.maxDepth) return tooDeep(bounds)
    const members = Array.isArray(current) ? current : Object.values(current)
    if (values + pending.length + members.length > bounds.maxValues) return tooMany(bounds)
    for (const member of members) {
      pending.push(member)
      depths.push(depth + 1)
    }
  }
  return undefined
}
