import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/client-cognito-identity"
import { describe, expect, it } from "vitest"
import { readConfig } from "../src/config.js"
import { startServer } from "../src/server.js"

const settings = {
  PORT: "0",
  SYNCALITE_SECRET: "identity state test token secret",
  SYNCALITE_DEV_KEY: "AKIDIDENTITYSTATE",
  SYNCALITE_DEV_SECRET: "identity state test developer secret"
}

/** A server on the store, and the identity pool its banner names. */
const serve = async (store: string) => {
  let printed = ""
  const running = await startServer(readConfig({ ...settings, SYNCALITE_STORE: store }), {
    print: (text) => void (printed += text),
    log: { write: () => true }
  })
  const pool = /identity pool: (\S+)/.exec(printed)?.[1]
  const client = new CognitoIdentityClient({ endpoint: running.endpoint, region: "us-east-1", maxAttempts: 1 })
  return { running, pool, printed, client }
}

describe("syncalite serve keeps Cognito Identity's state in its store", () => {
  it("on SQLite, the pool created on the first start and its identities are there after a restart", async () => {
    const store = `sqlite:${join(mkdtempSync(join(tmpdir(), "syncalite-identity-")), "state.db")}`
    const first = await serve(store)
    let identityId: string | undefined
    try {
      expect(first.pool).toMatch(/^us-east-1:[0-9a-f-]{36}$/)
      expect(first.printed).toContain("created for local use")
      identityId = (await first.client.send(new GetIdCommand({ IdentityPoolId: first.pool }))).IdentityId
    } finally {
      await first.running.close()
    }
    const second = await serve(store)
    try {
      expect(second.pool).toBe(first.pool)
      expect(second.printed).not.toContain("created for local use")
      const answer = await second.client.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId }))
      expect(answer.IdentityId).toBe(identityId)
      expect(answer.Credentials?.AccessKeyId).toMatch(/\S/)
    } finally {
      await second.running.close()
    }
  }, 60_000)
})
