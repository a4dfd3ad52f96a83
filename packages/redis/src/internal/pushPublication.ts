/**
 * What the push hub publishes after its appends (pushBatches.ts): a JSON array of parts,
 * each `{"k": identity, "e": event, "d": [device ids], "i": [entry ids]}`, `"k"` (the common part
 * of the identity's keys) left out on an identity's own channel, an entry id `null` where the
 * append failed. A publication holding no escaped character (the common case: keys, dataset
 * names, sync counts and entry ids have none) is read by scanning it in the order `writePart`
 * writes it, without building JSON values; any other is parsed as JSON. Either is read into one
 * list of devices and one of entry ids for all its parts, each part naming its range of them,
 * rather than into two lists per part.
 */

/** `[datasetName, syncCount]`: a message but what is its identity's */
export type Event = readonly [datasetName: string, syncCount: string]

/** One message of a publication, to its devices from `from` to `to`, of the channel's identity or of `k`. */
export interface Part {
  /** the common part of the keys of the identity, when the channel is not the identity's own */
  readonly k: string | undefined
  readonly datasetName: string
  readonly syncCount: string
  readonly from: number
  readonly to: number
}

/** A publication read: its parts, and the device ids and entry ids of them all, part after part. */
export interface Publication {
  readonly parts: ReadonlyArray<Part>
  readonly devices: ReadonlyArray<string>
  /** the entry ids, in the order of the devices; null where the append failed */
  readonly ids: ReadonlyArray<string | null>
}

/** A part as JSON has it. */
interface Published {
  readonly k?: unknown
  readonly e: Event
  readonly d: ReadonlyArray<unknown>
  readonly i: ReadonlyArray<unknown>
}

export const isEvent = (u: unknown): u is Event => Array.isArray(u) && typeof u[0] === "string" && typeof u[1] === "string"

const isPublished = (u: unknown): u is Published =>
  typeof u === "object" && u !== null && ((u as Published).k === undefined || typeof (u as Published).k === "string") &&
  isEvent((u as Published).e) && Array.isArray((u as Published).d) && Array.isArray((u as Published).i)

/**
 * Adds one part of a publication to `pieces`, the text of the parts before it (the publication
 * is `[`, the pieces joined, `]`): the identity as a JSON string ("" on its own channel, where it
 * is left out), the event as JSON, and from `from` to `to` the device ids as JSON strings and the
 * entry id of each (as Redis makes them: digits and a dash, nothing to escape), null for "" or
 * any other answer (a failed append). A part is written as pieces, joined once for the publication,
 * rather than as a string of its own.
 */
export const writePart = (
  pieces: Array<string>,
  identity: string,
  event: string,
  devices: ReadonlyArray<string>,
  ids: ReadonlyArray<unknown>,
  from: number,
  to: number
): void => {
  pieces.push(pieces.length === 0 ? "{" : ",{", identity === "" ? "\"e\":" : `"k":${identity},"e":`, event, ",\"d\":[")
  for (let at = from; at < to; at++) {
    if (at > from) pieces.push(",")
    pieces.push(devices[at]!)
  }
  pieces.push("],\"i\":[")
  for (let at = from; at < to; at++) {
    const id = ids[at]
    if (typeof id === "string" && id !== "") pieces.push(at > from ? ",\"" : "\"", id, "\"")
    else pieces.push(at > from ? ",null" : "null")
  }
  pieces.push("]}")
}

const QUOTE = 34
const COMMA = 44

/**
 * A publication as `writePart` writes them, or undefined for any other text (a part with as many
 * entry ids as devices included) and for one holding a backslash (with none, a string's end is
 * the next quote).
 */
export const scanPublication = (text: string): Publication | undefined => {
  if (text.indexOf("\\") !== -1 || !text.startsWith("[{\"")) return undefined
  const parts: Array<Part> = []
  const devices: Array<string> = []
  const ids: Array<string | null> = []
  let at = 2
  for (;;) {
    let identity: string | undefined
    let end: number
    if (text.startsWith("\"k\":\"", at)) {
      end = text.indexOf("\"", at + 5)
      if (end < 0 || text.charCodeAt(end + 1) !== COMMA) return undefined
      identity = text.slice(at + 5, end)
      at = end + 2
    }
    if (!text.startsWith("\"e\":[\"", at)) return undefined
    at += 6
    end = text.indexOf("\"", at)
    if (end < 0 || !text.startsWith("\",\"", end)) return undefined
    const datasetName = text.slice(at, end)
    at = end + 3
    end = text.indexOf("\"", at)
    if (end < 0 || !text.startsWith("\"],\"d\":[", end)) return undefined
    const syncCount = text.slice(at, end)
    at = end + 8
    const from = devices.length
    while (text.charCodeAt(at) === QUOTE) {
      end = text.indexOf("\"", at + 1)
      if (end < 0) return undefined
      devices.push(text.slice(at + 1, end))
      at = text.charCodeAt(end + 1) === COMMA ? end + 2 : end + 1
    }
    if (!text.startsWith("],\"i\":[", at)) return undefined
    at += 7
    for (;;) {
      if (text.charCodeAt(at) === QUOTE) {
        end = text.indexOf("\"", at + 1)
        if (end < 0) return undefined
        ids.push(text.slice(at + 1, end))
        at = end + 1
      } else if (text.startsWith("null", at)) {
        ids.push(null)
        at += 4
      } else break
      if (text.charCodeAt(at) === COMMA) at++
    }
    if (!text.startsWith("]}", at) || ids.length !== devices.length) return undefined
    parts.push({ k: identity, datasetName, syncCount, from, to: devices.length })
    at += 2
    if (text.startsWith(",{\"", at)) at += 2
    else return at === text.length - 1 && text.endsWith("]") ? { parts, devices, ids } : undefined
  }
}

/**
 * A publication; the parts not of its form are left out, and so is a text that is no JSON. Of a
 * part parsed as JSON, a device id that is no string is left out, and an entry id that is none
 * is read null; a device past its part's last entry id has none.
 */
export const readPublication = (text: string): Publication => {
  const scanned = scanPublication(text)
  if (scanned !== undefined) return scanned
  const parts: Array<Part> = []
  const devices: Array<string> = []
  const ids: Array<string | null> = []
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  for (const part of Array.isArray(parsed) ? parsed : []) {
    if (!isPublished(part)) continue
    const from = devices.length
    part.d.forEach((device, at) => {
      if (typeof device !== "string") return
      const id = part.i[at]
      devices.push(device)
      ids.push(typeof id === "string" ? id : null)
    })
    parts.push({ k: part.k as string | undefined, datasetName: part.e[0], syncCount: part.e[1], from, to: devices.length })
  }
  return { parts, devices, ids }
}
