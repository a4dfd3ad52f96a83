import { once } from "node:events"
import { connect } from "node:net"
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

  it("a request in flight at SIGTERM is answered before the process exits", async () => {
    const started = syncalite(["serve"], env)
    const [, endpoint] = await waitFor(started, /Cognito Sync on (http:\/\/\S+)/)
    const url = new URL(endpoint!)
    const socket = connect(Number(url.port), url.hostname)
    await once(socket, "connect")
    let answer = ""
    socket.on("data", (chunk: Buffer) => void (answer += chunk.toString()))
    const body = JSON.stringify({ SyncSessionToken: "t", RecordPatches: [] })
    socket.write(`POST /identitypools/us-east-1:0e1a2b3c/identities/us-east-1:01/datasets/d HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    started.child.kill("SIGTERM")
    await waitFor(started, /SIGTERM, stopping/)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(started.child.exitCode).toBeNull()
    socket.end(body.slice(10))
    const { code } = await exited(started.child)
    expect(code).toBe(0)
    // unsigned: refused, but answered, as an AWS error
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/)
    expect(answer).toContain("NotAuthorizedException")
  }, 40_000)
})
