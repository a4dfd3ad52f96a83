/**
 * What a sync trigger in another service adds to UpdateRecords, beside the trigger service's own
 * time: the same signed POST of the same event made directly, with nothing of syncalite around
 * it. UpdateRecords by an identity (triggers run for identities only) on the memory store, one in
 * flight, without a trigger, through an in-process function, and through `HttpSyncTrigger` to a
 * `SyncTriggerServer` on node:http in this process, over a kept-alive connection; the direct POST
 * goes over one too.
 */
import { once } from "node:events"
import { Agent, createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { Webhook } from "standardwebhooks"
import { Caller, type CognitoSyncOptions, createCognitoSync, SyncSessionToken, type SyncTrigger } from "@syncalite/core"
import { HttpSyncTrigger, SyncTriggerServer } from "@syncalite/webhooks"
import { measure, sessions } from "./measure.js"

const pool = "us-east-1:be0c"
const identity = "us-east-1:0002"
const secret = "bench-secret-0123456789"
const webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
const echo: SyncTrigger.SyncTriggerFunction = (event) => event

const micros = (perSecond: number) => 1e6 / perSecond
const line = (title: string, us: number, extra = "") => console.log(`${title.padEnd(52)} ${us.toFixed(1).padStart(8)} µs${extra}`)

/** UpdateRecords of one record by an identity, one after the other, with the given triggers (none: no trigger set). */
const updates = async (name: string, triggers: CognitoSyncOptions["triggers"]) => {
  const sync = createCognitoSync({ tokenSecret: secret, ...(triggers === undefined ? {} : { triggers }) })
  const ref = { IdentityPoolId: pool, IdentityId: identity, DatasetName: "triggered" }
  if (triggers !== undefined) await sync.setCognitoEvents({ IdentityPoolId: pool, Events: { SyncTrigger: arn } })
  const caller = Caller.identity(pool, identity)
  const session = sessions()
  let count = 0
  const figure = await measure(name, async (i) => {
    const token = SyncSessionToken.mint(secret, { identityPoolId: pool, identityId: identity, datasetName: ref.DatasetName }, session())
    const result = await sync.updateRecords({ ...ref, SyncSessionToken: token, RecordPatches: [{ Op: "replace", Key: "k", Value: `value ${i}`, SyncCount: count }] }, caller)
    count = result.Records[0]!.SyncCount
  })
  await sync.close()
  return figure
}

export const benchTriggers = async () => {
  console.log("\n# sync triggers: UpdateRecords by an identity, 1 in flight, memory store; a trigger service on node:http in this process")
  const server = createServer(SyncTriggerServer.handler(echo, { secret: webhookSecret })).listen(0, "127.0.0.1")
  await once(server, "listening")
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench`

  // the trigger service's own time: the signed POST of the event an UpdateRecords sends, made directly
  const webhook = new Webhook(webhookSecret)
  const event = JSON.stringify({
    version: 2,
    eventType: "SyncTrigger",
    region: "us-east-1",
    identityPoolId: pool,
    identityId: identity,
    datasetName: "triggered",
    datasetRecords: { k: { oldValue: "value 0", newValue: "value 1", op: "replace" } }
  })
  const agent = new Agent({ keepAlive: true })
  const direct = await measure("signed POST alone", (i) =>
    new Promise<string>((resolve, reject) => {
      const now = new Date()
      const request = httpRequest(url, {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(event),
          "webhook-id": `msg_${i}`,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": webhook.sign(`msg_${i}`, now, event)
        }
      }, (response) => {
        let body = ""
        response.on("data", (chunk: Buffer) => (body += chunk))
        response.on("end", () => resolve(body))
      })
      request.on("error", reject)
      request.end(event)
    }))
  agent.destroy()

  const none = await updates("no trigger", undefined)
  const inProcess = await updates("in-process function", { [arn]: echo })
  const http = await updates("HttpSyncTrigger", HttpSyncTrigger.layer({ targets: { [arn]: url }, secret: webhookSecret }))
  server.closeAllConnections()
  server.close()

  const added = micros(http.perSecond) - micros(none.perSecond)
  const own = micros(direct.perSecond)
  line("UpdateRecords, no trigger", micros(none.perSecond))
  line("UpdateRecords, an in-process function", micros(inProcess.perSecond), `  (adds ${(micros(inProcess.perSecond) - micros(none.perSecond)).toFixed(1)} µs)`)
  line("UpdateRecords, HttpSyncTrigger", micros(http.perSecond), `  (adds ${added.toFixed(1)} µs)`)
  line("the trigger service's own time: a signed POST alone", own)
  console.log(`a trigger over HTTP adds ${added.toFixed(1)} µs, ${((added / own) * 100).toFixed(0)}% of the trigger service's own time (${own.toFixed(1)} µs)`)
}
