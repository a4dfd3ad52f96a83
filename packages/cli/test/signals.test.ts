import { describe, expect, it } from "vitest"
import { alive, answers, descendants, exited, start, type Started, syncalite, waitFor } from "./process.js"

const env = { PORT: "0", SYNCALITE_STORE: "memory", SYNCALITE_SECRET: "signals test secret" }

/** SIGTERM to the PID a supervisor holds: the port freed, that process and all below it gone, within 10 s. */
const stopsCleanly = async (started: Started) => {
  const [, endpoint] = await waitFor(started, /Cognito Sync on (http:\/\/\S+)/)
  expect(await (await fetch(`${endpoint}/healthz`)).json()).toEqual({ ok: true })
  const pid = started.child.pid!
  const below = descendants(pid)
  const signalled = Date.now()
  started.child.kill("SIGTERM")
  const { code } = await exited(started.child)
  const deadline = signalled + 10_000
  while ((below.some(alive) || await answers(endpoint!)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25))
  expect(Date.now()).toBeLessThan(deadline)
  expect(code, started.output()).toBe(0)
  expect(below.filter(alive)).toEqual([])
  expect(await answers(endpoint!)).toBe(false)
  expect(started.output()).toContain("SIGTERM, stopping")
}

describe("signals", () => {
  it("`syncalite serve` stops on SIGTERM within 10 s: port freed, exit 0", async () => {
    await stopsCleanly(syncalite(["serve"], env))
  }, 40_000)

  it("`npm start` stops on SIGTERM to the PID started, children and all, within 10 s", async () => {
    await stopsCleanly(start("npm", ["start"], env))
  }, 40_000)
})
