import { afterEach, describe, expect, it, vi } from "vitest"
import { type ClientLike, makeConnection } from "../src/internal/connection.js"

const client = (ready: boolean, sendCommand: () => Promise<unknown>): ClientLike => ({
  isOpen: ready,
  isReady: ready,
  connect: async () => undefined,
  close: async () => undefined,
  destroy: () => undefined,
  on: () => undefined,
  off: () => undefined,
  sendCommand
})

/** The lines Effect's default logger wrote while `run` ran and a moment after. */
const logged = async (run: () => void): Promise<string> => {
  const lines: Array<string> = []
  const spy = vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => void lines.push(args.map(String).join(" ")))
  run()
  await new Promise((resolve) => setTimeout(resolve, 20))
  spy.mockRestore()
  return lines.join("\n")
}

describe("Connection.post", () => {
  afterEach(() => vi.restoreAllMocks())

  it("sends the command, and nothing is told when Redis takes it", async () => {
    const sent: Array<unknown> = []
    const connection = makeConnection(client(true, async (...args: Array<unknown>) => void sent.push(args)), 1000)
    expect(await logged(() => connection.post("k", ["SPUBLISH", "k", "m"]))).toBe("")
    expect(sent).toEqual([[["SPUBLISH", "k", "m"]]])
    connection.dispose()
  })

  it.each([
    ["Redis refuses it", true, () => Promise.reject(new Error("ERR refused"))],
    ["the client throws as it is handed it", true, () => {
      throw new Error("The client is closed")
    }],
    ["the connection is not ready", false, () => Promise.resolve(1)]
  ] as const)("logs a warning naming the command when %s", async (_, ready, send) => {
    const connection = makeConnection(client(ready, send as () => Promise<unknown>), 1000)
    const lines = await logged(() => connection.post("chan", ["SPUBLISH", "chan", "m"]))
    expect(lines).toContain("level=WARN")
    expect(lines).toContain("Redis did not take SPUBLISH chan")
    connection.dispose()
  })
})

describe("Connection.scriptThen", () => {
  const script = { name: "probe", sha: "0123", source: "return 1" } as unknown as Parameters<ReturnType<typeof makeConnection>["scriptThen"]>[0]

  /** the answers the callbacks were handed, as ["ok", reply] or ["failed", message] */
  const answers = (connection: ReturnType<typeof makeConnection>) => {
    const got: Array<readonly [string, unknown]> = []
    connection.scriptThen(script, ["k"], ["a"], (reply) => void got.push(["ok", reply]), (error) => void got.push(["failed", error.message]))
    return got
  }

  it("sends EVALSHA over the keys and arguments, and hands the reply to succeed once", async () => {
    const sent: Array<unknown> = []
    const connection = makeConnection(client(true, async (...args: Array<unknown>) => (sent.push(args), ["1-0"])), 1000)
    const got = answers(connection)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(sent).toEqual([[["EVALSHA", "0123", "1", "k", "a"]]])
    expect(got).toEqual([["ok", ["1-0"]]])
    connection.dispose()
  })

  it.each([
    ["Redis refuses it", true, () => Promise.reject(new Error("ERR refused")), /Redis is unreachable: ERR refused/],
    ["the connection is not ready", false, () => Promise.resolve(1), /Redis is not connected/],
    ["Redis does not answer in time", true, () => new Promise(() => undefined), /did not answer within 20 ms/]
  ] as const)("hands a StorageError to fail once when %s", async (_, ready, send, message) => {
    const connection = makeConnection(client(ready, send as () => Promise<unknown>), 20)
    const got = answers(connection)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(got).toHaveLength(1)
    expect(got[0]![0]).toBe("failed")
    expect(String(got[0]![1])).toMatch(message)
    connection.dispose()
  })
})
