import { once } from "node:events"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { exited, syncalite } from "./process.js"

const env = { SYNCALITE_SECRET: "bad input test secret", PORT: "0", SYNCALITE_STORE: "memory" }

/** Runs the command to its end: its exit code, and standard error line by line. */
const refusal = async (args: ReadonlyArray<string>, extra: { readonly [name: string]: string } = {}) => {
  const started = syncalite(args, { ...env, ...extra })
  const { code } = await exited(started.child)
  return { code, lines: started.output().trim().split("\n") }
}

/** One line saying what is wrong and how to fix it, a non-zero exit, no stack trace. */
const expectOneLine = (outcome: { code: number | null; lines: Array<string> }, pattern: RegExp) => {
  expect(outcome.lines, outcome.lines.join("\n")).toHaveLength(1)
  expect(outcome.lines[0]).toMatch(/^syncalite: /)
  expect(outcome.lines[0]).toMatch(pattern)
  expect(outcome.lines[0]).not.toMatch(/\bat .*:\d+:\d+/)
  expect(outcome.code).not.toBe(0)
  expect(outcome.code).not.toBeNull()
}

describe("bad input: one line, a non-zero exit, no stack trace", () => {
  it("an unknown flag", async () => {
    expectOneLine(await refusal(["serve", "--prot", "8080"]), /unknown option '--prot'.*--help/)
  }, 30_000)

  it("an unknown command", async () => {
    expectOneLine(await refusal(["srve"]), /unknown command 'srve'.*--help/)
  }, 30_000)

  it("a malformed store URL", async () => {
    expectOneLine(await refusal(["serve", "--store", "mongodb://127.0.0.1"]), /SYNCALITE_STORE=mongodb:\/\/127\.0\.0\.1 is not a store URL; give memory, sqlite:<path>, redis:\/\/host:port or redis\+cluster:\/\/host:port\[,host:port…\]/)
    expectOneLine(await refusal(["serve"], { SYNCALITE_STORE: "sqlite:" }), /names no file; give the database file/)
  }, 30_000)

  it("an unreachable store, its password masked", async () => {
    expectOneLine(await refusal(["serve", "--store", "redis://127.0.0.1:1"]), /redis:\/\/127\.0\.0\.1:1 cannot be opened \(.*\); check the URL .* and that the store is running/)
    const withPassword = await refusal(["serve", "--store", "redis://app:hunter2@127.0.0.1:1"])
    expectOneLine(withPassword, /redis:\/\/app:\*\*\*\*@127\.0\.0\.1:1 cannot be opened/)
    expect(withPassword.lines[0]).not.toContain("hunter2")
  }, 60_000)

  it("a port in use", async () => {
    const taken = createServer().listen(0, "127.0.0.1")
    await once(taken, "listening")
    const port = (taken.address() as AddressInfo).port
    try {
      expectOneLine(await refusal(["serve", "--port", String(port)]), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use; stop what listens there or give another`))
    } finally {
      taken.close()
    }
  }, 30_000)

  it("a weak secret under NODE_ENV=production", async () => {
    expectOneLine(
      await refusal(["serve"], { NODE_ENV: "production", SYNCALITE_SECRET: "x".repeat(32), SYNCALITE_DEV_KEY: "AKIDPROD", SYNCALITE_DEV_SECRET: "a developer secret, long enough" }),
      /NODE_ENV=production: SYNCALITE_SECRET is one character repeated/
    )
  }, 30_000)
})
