/** Code-unit order of keys and names, the one order every list and page uses. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The first index whose key is >= `key` (or > `key` when `after`), in a sorted array of ids or
 * of records.
 */
export const lowerBound = (
  sorted: ReadonlyArray<string | { readonly key: string }>,
  key: string,
  after = false
): number => {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >>> 1
    const item = sorted[mid]!
    const at = typeof item === "string" ? item : item.key
    if (at < key || (after && at === key)) low = mid + 1
    else high = mid
  }
  return low
}

/** The record of a key in records sorted by key. */
export const lookupIn = <R extends { readonly key: string }>(sorted: ReadonlyArray<R>) => (key: string): R | undefined => {
  const at = lowerBound(sorted, key)
  return sorted[at]?.key === key ? sorted[at] : undefined
}

/** A map entry by key, never one inherited from Object.prototype (a dataset may be named "constructor"). */
export const own = <V>(map: { readonly [key: string]: V } | undefined, key: string): V | undefined =>
  map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined

/** Sets a map entry as an own member whatever its key: assigning "__proto__" would set the map's prototype. */
export const setOwn = <V>(map: { [key: string]: V }, key: string, value: V): void => {
  if (key === "__proto__") Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
  else map[key] = value
}

export const byteLength = (text: string): number => Buffer.byteLength(text, "utf8")

const identityIdPattern = /^[\w-]+:[0-9a-f-]+$/

/** Whether `name` is `<datasetName>.<identityId>`: a dataset merged into `datasetName`. */
export const isMergedName = (datasetName: string, name: string): boolean =>
  name.length > datasetName.length + 1 && name.startsWith(`${datasetName}.`) &&
  identityIdPattern.test(name.slice(datasetName.length + 1))
