import { describe, expect, it } from "vitest"
import { main as effectMain } from "../src/effect.js"
import { main as promiseMain } from "../src/promise.js"

describe("examples/embedded", () => {
  it("the Promise example converges both devices after a conflict", async () => {
    const lines: Array<string> = []
    const { described, phone } = await promiseMain((line) => lines.push(line))
    expect(phone).toEqual({ theme: "dark", volume: "7+3" })
    expect(lines).toContain("phone sees volume = 7+3, tablet sees volume = 7+3")
    expect(lines.some((line) => line.startsWith("tablet: conflict on volume"))).toBe(true)
    expect(described.Dataset.NumRecords).toBe(2)
    expect(described.Dataset.DataStorage).toBe("theme".length + "dark".length + "volume".length + "7+3".length)
  })

  it("the Effect example resolves its conflict with the server's sync count", async () => {
    const records = await effectMain()
    expect(records).toMatchObject([{ Key: "level", Value: "2", SyncCount: 2 }])
  })
})
