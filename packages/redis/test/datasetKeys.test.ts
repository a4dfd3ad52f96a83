/**
 * The keys of a dataset as the store keeps them: those the codec names, the same object for a
 * dataset asked again, built anew once the store has kept as many as it keeps.
 */
import { describe, expect, it } from "vitest"
import { makeKeys } from "../src/internal/codec.js"
import { makeDatasetKeys } from "../src/internal/datasetKeys.js"

const keys = makeKeys("app")
const ref = (identityId: string, datasetName = "settings") => ({ identityPoolId: "us-east-1:pool", identityId, datasetName })

describe("the keys of a dataset", () => {
  it("are the keys the codec names, in the scripts' order", () => {
    const found = makeDatasetKeys(keys)(ref("us-east-1:a{b}"))
    const base = keys.identity("us-east-1:pool", "us-east-1:a{b}")
    expect(found.base).toBe(base)
    expect(found.dataset).toEqual([
      keys.heads(base),
      keys.records(base, "settings"),
      keys.changes(base, "settings"),
      keys.live(base),
      keys.consumed(base, "settings")
    ])
    expect(found.subscriptions).toEqual([keys.devices(base), keys.subscriptions(base, "settings")])
    expect(found.withSubscribers).toEqual([...found.dataset, ...found.subscriptions])
  })

  it("are kept: a dataset asked again gets the same keys, another dataset its own", () => {
    const keysOf = makeDatasetKeys(keys)
    const first = keysOf(ref("us-east-1:a"))
    expect(keysOf(ref("us-east-1:a"))).toBe(first)
    expect(keysOf(ref("us-east-1:a", "other")).dataset[1]).toBe(keys.records(first.base, "other"))
    expect(keysOf(ref("us-east-1:b")).base).toBe(keys.identity("us-east-1:pool", "us-east-1:b"))
    expect(keysOf({ ...ref("us-east-1:a"), identityPoolId: "us-east-1:other" }).base).toBe(keys.identity("us-east-1:other", "us-east-1:a"))
  })

  it("start afresh past their capacity, and are still right", () => {
    const keysOf = makeDatasetKeys(keys, 3)
    const first = keysOf(ref("us-east-1:0"))
    for (let i = 1; i < 3; i++) keysOf(ref(`us-east-1:${i}`))
    expect(keysOf(ref("us-east-1:0"))).toBe(first)
    keysOf(ref("us-east-1:3"))
    const again = keysOf(ref("us-east-1:0"))
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })
})
