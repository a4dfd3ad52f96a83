/**
 * The index of held identities by the common part of their keys: it finds a key whatever string
 * holds it (one cut from a longer text included), and tells apart keys whose ends are alike.
 */
import { describe, expect, it } from "vitest"
import { makeKeyIndex } from "../src/internal/keyIndex.js"

describe("a key index", () => {
  const a = "syncalite:{us-east-1:pool|us-east-1:0f9a8b7c-1234-4abc-9def-001122334455}"
  // the same length and the same last characters as `a`: one hash, two entries
  const b = "syncalitf:{us-east-1:pool|us-east-1:0f9a8b7c-1234-4abc-9def-001122334455}"
  const short = "p:{x|y}"

  it("finds each key it holds, by a string cut from a text too, and nothing for a key it does not", () => {
    const index = makeKeyIndex<number>()
    index.set(a, 1)
    index.set(b, 2)
    index.set(short, 3)
    const text = `{"k":"${b}","e":["x","1"]}`
    expect(index.get(text.slice(6, 6 + b.length))).toBe(2)
    expect(index.get(a)).toBe(1)
    expect(index.get(short)).toBe(3)
    expect(index.get("p:{x|z}")).toBeUndefined()
    expect(index.get(a.slice(1))).toBeUndefined()
    expect([...index.values()].sort()).toEqual([1, 2, 3])
  })

  it("replaces what a key holds, and forgets a key without touching the others of its hash", () => {
    const index = makeKeyIndex<number>()
    index.set(a, 1)
    index.set(b, 2)
    index.set(a, 10)
    expect(index.get(a)).toBe(10)
    index.delete(a)
    index.delete("never held")
    expect(index.get(a)).toBeUndefined()
    expect(index.get(b)).toBe(2)
    index.delete(b)
    expect([...index.values()]).toEqual([])
  })
})
