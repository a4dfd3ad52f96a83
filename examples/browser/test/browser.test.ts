/**
 * The page in a real headless Chromium (Debian's `chromium`, driven by playwright-core): served
 * by the example on one process, it registers a device and listens; a write made with the v3
 * client through `syncalite serve` on another process, on the same Redis, appears on it.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync"
import { chromium, type Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { IdentityCredentials } from "@syncalite/http"
import { Services } from "@syncalite/testing"
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

const serve = async (script: string, args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: root, env: { ...process.env, ...env } })
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
    const example = await serve("examples/browser/src/server.ts", [])
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
  })

  it("shows, live, a change written with the v3 client through another process", async () => {
    const tab = await browser!.newPage()
    const problems: Array<string> = []
    tab.on("pageerror", (error) => problems.push(error.message))
    await tab.goto(page)
    await tab.waitForFunction(() => document.getElementById("status")?.textContent === "listening", undefined, { timeout: 30_000 })
    const identityId = await tab.evaluate(() => document.body.dataset.identityId!)
    const credentials = IdentityCredentials.issueIdentityCredentials({ secret: env.SYNCALITE_SECRET, identityPoolId: demoPool, identityId })
    const client = new CognitoSyncClient({ endpoint: other, region: "us-east-1", credentials, maxAttempts: 1 })
    const ref = { IdentityPoolId: demoPool, IdentityId: identityId, DatasetName: demoDataset }
    const listed = await client.send(new ListRecordsCommand(ref))
    const count = listed.DatasetSyncCount!
    await client.send(new UpdateRecordsCommand({
      ...ref,
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "greeting", Value: "hello from another process", SyncCount: 0 }]
    }))
    client.destroy()
    const shown = tab.locator("#changes li")
    await shown.first().waitFor({ timeout: 5_000 })
    expect(JSON.parse((await shown.first().textContent())!)).toEqual({
      source: "cognito-sync",
      identityPoolId: demoPool,
      identityId,
      datasetName: demoDataset,
      syncCount: String(count + 1)
    })
    expect(problems).toEqual([])
  })
})
