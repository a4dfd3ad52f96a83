import { afterEach, describe, expect, it, vi } from "vitest"
import { Effect, Either, Fiber } from "effect"
import { SyncStore } from "@syncalite/core"
import { type ClientLike, makeConnection } from "../src/internal/connection.js"
import type { Script } from "../src/internal/scripts.js"

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

/** @redis/client's class of the errors Redis answers, as the connection tells them: by its name */
class ErrorReply extends Error {}

const script: Script = { name: "probe", sha: "0123", source: "return 1", library: "syncalite_probe", librarySource: "#!lua name=syncalite_probe" }

describe("Connection.scriptThen", () => {

  /** the answers the callbacks were handed, as ["ok", reply] or ["failed", message] */
  const answers = (connection: ReturnType<typeof makeConnection>) => {
    const got: Array<readonly [string, unknown]> = []
    connection.scriptThen(script, ["k"], ["a"], (reply) => void got.push(["ok", reply]), (error) => void got.push(["failed", error.message]))
    return got
  }

  it("sends FCALL of the script's library over the keys and arguments, and hands the reply to succeed once", async () => {
    const sent: Array<unknown> = []
    const connection = makeConnection(client(true, async (...args: Array<unknown>) => (sent.push(args), ["1-0"])), 1000)
    const got = answers(connection)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(sent).toEqual([[["FCALL", "syncalite_probe", "1", "k", "a"]]])
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

  it("hands fail a StorageError when succeed throws, once, with nothing left unhandled", async () => {
    const rejected: Array<unknown> = []
    const onRejection = (reason: unknown) => void rejected.push(reason)
    process.on("unhandledRejection", onRejection)
    const connection = makeConnection(client(true, async () => "an answer"), 1000)
    const failures: Array<string> = []
    connection.scriptThen(script, ["k"], ["a"], () => {
      throw new Error("a reader's bug")
    }, (error) => void failures.push(error.message))
    await new Promise((resolve) => setTimeout(resolve, 10))
    process.off("unhandledRejection", onRejection)
    expect(failures).toEqual(["Unreadable answer of script probe"])
    expect(rejected).toEqual([])
    connection.dispose()
  })
})

describe("Connection.command", () => {
  it("answers commands in any order, fails those not answered in time, and drops a reply that comes after that", async () => {
    const replies: Array<(reply: unknown) => void> = []
    const connection = makeConnection(client(true, () => new Promise((resolve) => void replies.push(resolve))), 40)
    const outcomes = ["a", "b", "c", "d"].map((name) =>
      Effect.runPromise(Effect.either(connection.command(name, ["GET", name])))
    )
    replies[2]!("third")
    replies[0]!("first")
    await new Promise((resolve) => setTimeout(resolve, 120))
    replies[1]!("too late")
    const settled = await Promise.all(outcomes)
    expect(settled.map((outcome) => Either.isRight(outcome) ? outcome.right : outcome.left.message)).toEqual([
      "first",
      "Redis did not answer within 40 ms",
      "third",
      "Redis did not answer within 40 ms"
    ])
    // the connection keeps working once its list of pending commands is empty again
    const again = Effect.runPromise(connection.command("e", ["GET", "e"]))
    replies[4]!("fifth")
    expect(await again).toBe("fifth")
    connection.dispose()
  })
})

describe("Connection.script", () => {
  /** a client answering each command by `answer`, recording what it was sent */
  const scripted = (answer: (command: ReadonlyArray<string>) => unknown) => {
    const sent: Array<string> = []
    const connection = makeConnection(
      client(true, async (...args: Array<unknown>) => {
        const command = args[0] as ReadonlyArray<string>
        sent.push(command[0] === "FUNCTION" ? `FUNCTION ${command[1]}` : command[0]!)
        const reply = answer(command)
        if (reply instanceof Error) throw reply
        return reply
      }),
      1000
    )
    const call = () => Effect.runPromise(Effect.either(connection.script(script, ["k"], ["a"])))
    return { sent, call, connection }
  }

  it("loads the library where Redis has it not, on the node of the first key, and calls it again", async () => {
    let loaded = false
    const { call, connection, sent } = scripted((command) => {
      if (command[0] === "FUNCTION") {
        expect(command).toEqual(["FUNCTION", "LOAD", script.librarySource])
        loaded = true
        return "syncalite_probe"
      }
      return loaded ? "done" : new ErrorReply("ERR Function not found")
    })
    expect(await call()).toEqual(Either.right("done"))
    expect(await call()).toEqual(Either.right("done"))
    expect(sent).toEqual(["FCALL", "FUNCTION LOAD", "FCALL", "FCALL"])
    connection.dispose()
  })

  it("takes a library another process loaded first as loaded", async () => {
    let calls = 0
    const { call, connection, sent } = scripted((command) =>
      command[0] === "FUNCTION"
        ? new ErrorReply("ERR Library 'syncalite_probe' already exists")
        : ++calls === 1
        ? new ErrorReply("ERR Function not found")
        : "done"
    )
    expect(await call()).toEqual(Either.right("done"))
    expect(sent).toEqual(["FCALL", "FUNCTION LOAD", "FCALL"])
    connection.dispose()
  })

  it.each([
    ["has no FCALL", (command: ReadonlyArray<string>) => command[0] === "FCALL" && new ErrorReply("ERR unknown command 'FCALL', with args beginning with: ")],
    ["refuses FUNCTION LOAD", (command: ReadonlyArray<string>) =>
      command[0] === "FCALL"
        ? new ErrorReply("ERR Function not found")
        : command[0] === "FUNCTION" && new ErrorReply("NOPERM this user has no permissions to run the 'function|load' command")]
  ])("runs scripts as EVALSHA, EVAL once Redis lost them, for the life of the connection when Redis %s", async (_, refuses) => {
    let cached = false
    const { call, connection, sent } = scripted((command) => {
      const refused = refuses(command)
      if (refused) return refused
      if (command[0] === "EVALSHA") return cached ? "by digest" : new ErrorReply("NOSCRIPT No matching script")
      if (command[0] === "EVAL") {
        expect(command[1]).toBe(script.source)
        cached = true
        return "by source"
      }
      throw new Error(`unexpected ${command[0]}`)
    })
    expect(await call()).toEqual(Either.right("by source"))
    expect(await call()).toEqual(Either.right("by digest"))
    expect(sent.filter((command) => command === "FCALL")).toHaveLength(1)
    expect(sent.slice(-3)).toEqual(["EVALSHA", "EVAL", "EVALSHA"])
    connection.dispose()
  })

  it("fails with what Redis answered, functions kept, when Redis refuses a load for the moment", async () => {
    const { call, connection, sent } = scripted((command) =>
      command[0] === "FUNCTION"
        ? new ErrorReply("OOM command not allowed when used memory > 'maxmemory'.")
        : new ErrorReply("ERR Function not found")
    )
    const failed = await call()
    expect(Either.isLeft(failed) && failed.left.message).toMatch(/Redis refused script probe: OOM command not allowed/)
    await call()
    expect(sent).toEqual(["FCALL", "FUNCTION LOAD", "FCALL", "FUNCTION LOAD"])
    connection.dispose()
  })

  describe("with `then`", () => {
    it("runs the effect `then` makes of the answer, a failure of it the script's failure", async () => {
      const { connection } = scripted(() => ["a", "b"])
      const joined = connection.script(script, ["k"], ["a"], (reply) => Effect.succeed((reply as Array<string>).join("+")))
      expect(await Effect.runPromise(joined)).toBe("a+b")
      const refused = connection.script(script, ["k"], ["a"], () => Effect.fail("refused by then" as const))
      expect(await Effect.runPromise(Effect.either(refused))).toEqual(Either.left("refused by then"))
      connection.dispose()
    })

    it("reads an answer that comes after the fiber waiting was interrupted, and runs nothing of what it makes", async () => {
      let answer: (reply: unknown) => void = () => undefined
      const connection = makeConnection(client(true, () => new Promise((resolve) => void (answer = resolve))), 1000)
      const [read, ran]: [Array<unknown>, Array<unknown>] = [[], []]
      const fiber = Effect.runFork(connection.script(script, ["k"], ["a"], (reply) => {
        read.push(reply)
        return Effect.sync(() => ran.push(reply))
      }))
      await new Promise((resolve) => setTimeout(resolve, 5))
      await Effect.runPromise(Fiber.interrupt(fiber))
      answer("late")
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect(read).toEqual(["late"])
      expect(ran).toEqual([])
      connection.dispose()
    })

    it("fails the fiber waiting with a StorageError when `then` throws, leaving no rejection unhandled", async () => {
      const rejected: Array<unknown> = []
      const onRejection = (reason: unknown) => void rejected.push(reason)
      process.on("unhandledRejection", onRejection)
      const { connection } = scripted(() => "an answer")
      const failed = await Effect.runPromise(Effect.either(connection.script(script, ["k"], ["a"], (): Effect.Effect<void> => {
        throw new Error("a reader's bug")
      })))
      await new Promise((resolve) => setTimeout(resolve, 10))
      process.off("unhandledRejection", onRejection)
      expect(rejected).toEqual([])
      expect(Either.isLeft(failed) && failed.left).toBeInstanceOf(SyncStore.StorageError)
      expect(Either.isLeft(failed) && failed.left.message).toBe("Unreadable answer of script probe")
      expect(Either.isLeft(failed) && String(failed.left.cause)).toContain("a reader's bug")
      connection.dispose()
    })

    it("does not call `then` when the script fails", async () => {
      const { connection } = scripted(() => new ErrorReply("ERR refused"))
      let called = false
      const failed = await Effect.runPromise(Effect.either(connection.script(script, ["k"], ["a"], () => {
        called = true
        return Effect.void
      })))
      expect(Either.isLeft(failed) && failed.left.message).toMatch(/Redis refused script probe: ERR refused/)
      expect(called).toBe(false)
      connection.dispose()
    })
  })
})
