import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { askedSections } from "../../bench/arguments.js"
import { childEnv, root } from "./workspace.js"

const bench = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["--import", "tsx", "bench/index.ts", ...args], { cwd: root, env: childEnv(), encoding: "utf8", timeout: 60_000 })

describe("npm run bench -- <arguments>", () => {
  it("prints its usage for --help, and measures nothing", () => {
    const { status, stdout, stderr } = bench("--help")
    expect(status).toBe(0)
    expect(stdout).toMatch(/^usage: npm run bench/)
    expect(stdout).toContain("core, sqlite, redis, keyv, http")
    expect(stdout).toContain("of the redis section: throughput, instructions")
    expect(stdout).not.toContain("syncalite benchmarks")
    expect(stderr).toBe("")
  })

  it.each([
    [["--frob"], "Unknown option '--frob'"],
    [["sqlite", "nope"], 'no benchmark section "nope"'],
    [["http:nginx"], 'the http section has no part "nginx"'],
    [["redis:latency"], 'the redis section has no part "latency"'],
    [["redis:latency", "redis:throughput"], 'the redis section has no part "latency"']
  ])("refuses %j with what is wrong and the usage, without a stack trace", (args, message) => {
    const { status, stdout, stderr } = bench(...args)
    expect(status).toBe(2)
    expect(stdout).toBe("")
    expect(stderr.split("\n")[0]).toContain(message)
    expect(stderr).toContain("usage: npm run bench")
    expect(stderr).not.toMatch(/^\s+at /m)
  })

  it("runs a section named twice once, with the parts of both, and all of a section named without parts", () => {
    expect([...askedSections(["triggers", "sqlite"])]).toEqual([["triggers", undefined], ["sqlite", undefined]])
    expect([...askedSections(["redis:throughput", "http:koa,express", "redis:instructions,throughput"])]).toEqual([
      ["redis", ["throughput", "instructions"]],
      ["http", ["koa", "express"]]
    ])
    expect(askedSections(["push:fanout", "push"]).get("push")).toBeUndefined()
    expect(askedSections(["push", "push:fanout"]).get("push")).toBeUndefined()
  })
})
