/**
 * A map by the common part of an identity's keys, for what a process reads by a key just cut
 * from a publication: a `Map` hashes such a key, a new string each time, whole (about a hundred
 * characters, the most a publication costs the process per part); this index hashes its last
 * characters only, those of the identity id, which tell identities apart, and compares the whole
 * key with the few entries of that hash.
 */

/** How many characters of a key, from its end, its hash reads. */
const TAIL = 16

const tailHash = (key: string): number => {
  let hash = key.length
  for (let at = Math.max(0, key.length - TAIL); at < key.length; at++) hash = (Math.imul(hash, 31) + key.charCodeAt(at)) | 0
  return hash
}

interface Entry<A> {
  readonly key: string
  readonly value: A
}

export interface KeyIndex<A> {
  readonly get: (key: string) => A | undefined
  readonly set: (key: string, value: A) => void
  readonly delete: (key: string) => void
  readonly values: () => Iterable<A>
}

export const makeKeyIndex = <A>(): KeyIndex<A> => {
  const byHash = new Map<number, Array<Entry<A>>>()
  const find = (entries: ReadonlyArray<Entry<A>>, key: string): number => {
    for (let at = 0; at < entries.length; at++) if (entries[at]!.key === key) return at
    return -1
  }
  return {
    get: (key) => {
      const entries = byHash.get(tailHash(key))
      if (entries === undefined) return undefined
      const at = find(entries, key)
      return at < 0 ? undefined : entries[at]!.value
    },
    set: (key, value) => {
      const hash = tailHash(key)
      const entries = byHash.get(hash)
      if (entries === undefined) return void byHash.set(hash, [{ key, value }])
      const at = find(entries, key)
      if (at < 0) entries.push({ key, value })
      else entries[at] = { key, value }
    },
    delete: (key) => {
      const hash = tailHash(key)
      const entries = byHash.get(hash)
      const at = entries === undefined ? -1 : find(entries, key)
      if (at < 0) return
      entries!.splice(at, 1)
      if (entries!.length === 0) byHash.delete(hash)
    },
    values: () => [...byHash.values()].flatMap((entries) => entries.map((entry) => entry.value))
  }
}
