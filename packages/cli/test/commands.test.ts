import { describe, expect, it } from "vitest"
import { maskedStore } from "../src/config.js"
import { run } from "../src/program.js"

const secret = "commands test secret"

/** Runs `syncalite <argv>` in process, with what it printed. */
const syncalite = async (argv: ReadonlyArray<string>, env: { readonly [name: string]: string } = {}) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const stops: Array<() => Promise<void>> = []
  const code = await run(argv, { env, out: (text) => out.push(text), err: (text) => err.push(text), onStarted: (stop) => stops.push(stop) })
  return { code, out: out.join("\n"), err: err.join("\n"), stops }
}

describe("syncalite", () => {
  it("--help lists the commands; --version prints the version", async () => {
    const help = await syncalite(["--help"])
    expect(help.code).toBe(0)
    expect(help.out).toMatch(/serve \[options\]/)
    expect(help.out).toMatch(/credentials \[options\] <pool> <identity>/)
    expect(await syncalite(["--version"])).toMatchObject({ code: 0, out: "0.1.0" })
  })

  it("serve --help lists every option with its variable", async () => {
    const help = await syncalite(["serve", "--help"])
    expect(help.code).toBe(0)
    const text = help.out.replace(/\s+/g, " ")
    for (const name of ["--port <port>", "(env: PORT; default: 8080)", "--host <host>", "--store <url>", "redis+cluster://host:port[,host:port…]", "(env: SYNCALITE_STORE; default: sqlite:./data/syncalite.db)", "(env: SYNCALITE_METRICS; default: off)", "(env: LOG_LEVEL; default: info)", "(env: SYNCALITE_SECRET)"]) expect(text).toContain(name)
  })

  it("credentials: one JSON object a server of the same secret accepts", async () => {
    const printed = await syncalite(["credentials", "us-east-1:0e1a2b3c", "us-east-1:0000aaaa", "--ttl", "60"], { SYNCALITE_SECRET: secret })
    expect(printed.code).toBe(0)
    const credentials = JSON.parse(printed.out) as { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string }
    expect(Object.keys(credentials).sort()).toEqual(["accessKeyId", "expiration", "secretAccessKey", "sessionToken"])
    expect(Date.parse(credentials.expiration) - Date.now()).toBeLessThanOrEqual(60_000)
  })

  it("credentials refuses without a secret or with a bad --ttl, in one line", async () => {
    const missing = await syncalite(["credentials", "us-east-1:0e1a2b3c", "us-east-1:0000aaaa"])
    expect(missing).toMatchObject({ code: 1, out: "" })
    expect(missing.err).toBe("syncalite: SYNCALITE_SECRET is not set; export the server's secret (its banner prints the one it generated) or give --secret")
    const ttl = await syncalite(["credentials", "us-east-1:0e1a2b3c", "us-east-1:0000aaaa", "--ttl", "soon"], { SYNCALITE_SECRET: secret })
    expect(ttl.code).toBe(1)
    expect(ttl.err.split("\n")).toHaveLength(1)
    expect(ttl.err).toMatch(/give a whole number of seconds/)
  })

  it("serve starts, answers /healthz, and stops when told", async () => {
    const started = await syncalite(["serve", "--port", "0", "--store", "memory"], { SYNCALITE_SECRET: secret })
    expect(started.code).toBe(0)
    const endpoint = /on (http:\/\/\S+)/.exec(started.out)?.[1]
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await (await fetch(`${endpoint}/healthz`)).json()).toEqual({ ok: true })
    await started.stops[0]!()
    await expect(fetch(`${endpoint}/healthz`)).rejects.toThrow()
  })

  it("serve prints secrets only when it generated them, and masks a store URL's password", async () => {
    const given = { SYNCALITE_SECRET: secret, SYNCALITE_DEV_KEY: "AKIDGIVEN", SYNCALITE_DEV_SECRET: "a developer secret given here" }
    const configured = await syncalite(["serve", "--port", "0", "--store", "memory", "--log-level", "silent"], given)
    await configured.stops[0]!()
    expect(configured.out).not.toContain(secret)
    expect(configured.out).not.toContain(given.SYNCALITE_DEV_SECRET)
    expect(configured.out).not.toContain("export SYNCALITE_")
    expect(configured.out).toContain("token secret: ******** (20 characters), configured")

    const generated = await syncalite(["serve", "--port", "0", "--store", "memory", "--log-level", "silent"])
    await generated.stops[0]!()
    const exported = [...generated.out.matchAll(/export (SYNCALITE_\w+)=(\S+)/g)].map(([, name]) => name)
    expect(exported).toEqual(["SYNCALITE_SECRET", "SYNCALITE_DEV_KEY", "SYNCALITE_DEV_SECRET"])
    expect(generated.out).toContain("token secret: ******** (32 characters), generated")

    expect(maskedStore("redis://user:hunter2@cache.internal:6379")).toBe("redis://user:****@cache.internal:6379")
    expect(maskedStore("rediss://:hunter2@cache.internal:6380/0")).toBe("rediss://:****@cache.internal:6380/0")
    expect(maskedStore("sqlite:./data/syncalite.db")).toBe("sqlite:./data/syncalite.db")
  })

  it("serve prints the address it bound: every interface when HOST says so", async () => {
    const started = await syncalite(["serve", "--port", "0", "--store", "memory", "--log-level", "silent"], { SYNCALITE_SECRET: secret, HOST: "0.0.0.0" })
    await started.stops[0]!()
    expect(started.out).toMatch(/Cognito Sync on http:\/\/0\.0\.0\.0:\d+\n/)
  })
})
