/**
 * The page in a real headless Chromium (Debian's `chromium`, driven by playwright-core): served
 * by the example on one process, it registers a device and listens; a write made with the v3
 * client through `syncalite serve` on another process, on the same Redis, appears on it; and it
 * keeps listening past its presigned URL's expiry and its credentials', replaying on each
 * reconnection what was written while it was away.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync"
import { type Browser, chromium, type Route } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { IdentityCredentials } from "@syncalite/http"
import { Services } from "@syncalite/testing"
import { removeKeys } from "../../../packages/cli/test/redisKeys.js"
import { demoDataset, demoPool } from "../src/server.js"

const executablePath = process.env["CHROMIUM_PATH"] || "/usr/bin/chromium"
const installed = existsSync(executablePath)
if (!installed) {
  const message = `Chromium is not at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH)`
  if (process.env["CI"]) throw new Error(message)
  console.warn(`SKIPPED the browser example: ${message}`)
}
const redis = await Services.check("redis")
const root = fileURLToPath(new URL("../../..", import.meta.url))
const env = {
  PORT: "0",
  SYNCALITE_STORE: redis.url,
  SYNCALITE_REDIS_PREFIX: `syncalite-browser-test-${process.pid}`,
  SYNCALITE_SECRET: "browser example test secret 0123456789",
  SYNCALITE_DEV_KEY: "AKIDBROWSER",
  SYNCALITE_DEV_SECRET: "browser example developer secret"
}

const serve = async (script: string, args: ReadonlyArray<string>, more: { readonly [name: string]: string } = {}) => {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: root, env: { ...process.env, ...env, ...more } })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()))
  const deadline = Date.now() + 60_000
  for (;;) {
    const found = /Cognito Sync on (http:\/\/\S+)/.exec(output)
    if (found !== null) return { child, endpoint: found[1]! }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no endpoint in:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.skipIf(!installed || !redis.available)("the browser example in headless Chromium", { timeout: 120_000 }, () => {
  const children: Array<ReturnType<typeof spawn>> = []
  let browser: Browser | undefined
  let page = ""
  let other = ""
  beforeAll(async () => {
    // streams end every 3 seconds and credentials last 5, so that the page reconnects past both
    const example = await serve("examples/browser/src/server.ts", [], { SYNCALITE_EVENTS_MAX_AGE: "3", DEMO_CREDENTIALS_SECONDS: "5" })
    const plain = await serve("packages/cli/src/bin.ts", ["serve"])
    children.push(example.child, plain.child)
    page = example.endpoint
    other = plain.endpoint
    browser = await chromium.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    for (const child of children) {
      child.kill("SIGTERM")
      if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve))
    }
    await removeKeys(redis.url, env.SYNCALITE_REDIS_PREFIX)
  })

  /** A write through the other process as the page's identity; answers the new sync count. */
  const write = async (identityId: string, value: string): Promise<number> => {
    const credentials = IdentityCredentials.issueIdentityCredentials({ secret: env.SYNCALITE_SECRET, identityPoolId: demoPool, identityId })
    const client = new CognitoSyncClient({ endpoint: other, region: "us-east-1", credentials, maxAttempts: 1 })
    try {
      const ref = { IdentityPoolId: demoPool, IdentityId: identityId, DatasetName: demoDataset }
      const listed = await client.send(new ListRecordsCommand(ref))
      const count = listed.DatasetSyncCount!
      await client.send(new UpdateRecordsCommand({
        ...ref,
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: `greeting ${value}`, Value: value, SyncCount: 0 }]
      }))
      return count + 1
    } finally {
      client.destroy()
    }
  }

  it("shows, live, a change written with the v3 client through another process", async () => {
    const tab = await browser!.newPage()
    const problems: Array<string> = []
    tab.on("pageerror", (error) => problems.push(error.message))
    await tab.goto(page)
    await tab.waitForFunction(() => document.getElementById("status")?.textContent === "listening", undefined, { timeout: 30_000 })
    const identityId = await tab.evaluate(() => document.body.dataset.identityId!)
    const count = await write(identityId, "hello from another process")
    const shown = tab.locator("#changes li")
    await shown.first().waitFor({ timeout: 5_000 })
    expect(JSON.parse((await shown.first().textContent())!)).toEqual({
      source: "cognito-sync",
      identityPoolId: demoPool,
      identityId,
      datasetName: demoDataset,
      syncCount: String(count)
    })
    expect(problems).toEqual([])
  })

  it("keeps listening past its URL's expiry and its credentials': each reconnection presigns anew with the last event id and replays what it missed", async () => {
    const tab = await browser!.newPage()
    const problems: Array<string> = []
    tab.on("pageerror", (error) => problems.push(error.message))
    const requested: Array<string> = []
    tab.on("request", (request) => void (/\/events\?/.test(request.url()) && requested.push(request.url())))
    await tab.goto(`${page}/?expires=2`)
    await tab.waitForFunction(() => document.getElementById("status")?.textContent === "listening", undefined, { timeout: 30_000 })
    const identityId = await tab.evaluate(() => document.body.dataset.identityId!)
    const shown = tab.locator("#changes li")
    const syncCountOf = async (n: number) => {
      await shown.nth(n).waitFor({ timeout: 10_000 })
      return JSON.parse((await shown.nth(n).textContent())!).syncCount
    }
    const first = await write(identityId, "one")
    expect(await syncCountOf(0)).toBe(String(first))

    // the next connection, once the stream ended past the URL's 2 seconds, is held while a write is made
    const held = new Promise<Route>((resolve) => void tab.route(/\/events\?/, resolve, { times: 1 }))
    const route = await held
    const second = await write(identityId, "two")
    await route.continue()
    expect(await syncCountOf(1)).toBe(String(second))
    expect(new URL(route.request().url()).searchParams.get("LastEventId")).toBe(await shown.nth(0).getAttribute("data-id"))
    expect((await fetch(requested[0]!)).status).toBe(403)

    // later still, past the first credentials' 5 seconds, the page reconnects and hears a write
    const connections = Number(await tab.evaluate(() => document.body.dataset.connections))
    await tab.waitForFunction((n) => Number(document.body.dataset.connections) > n + 1, connections, { timeout: 20_000 })
    const third = await write(identityId, "three")
    expect(await syncCountOf(2)).toBe(String(third))
    expect(await shown.count()).toBe(3)
    expect(await tab.evaluate(() => document.body.dataset.identityId)).toBe(identityId)
    expect(problems).toEqual([])
  })
})
