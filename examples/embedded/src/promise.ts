/**
 * Embedding with Promises: two devices of one identity sync a dataset through
 * `createCognitoSync`, edit the same key offline, and resolve the conflict.
 *
 *   npx tsx examples/embedded/src/promise.ts
 */
import { Caller, createCognitoSync } from "@syncalite/core"
import { pathToFileURL } from "node:url"
import { Device } from "./device.js"

export const main = async (log: (line: string) => void = console.log) => {
  const sync = createCognitoSync({ tokenSecret: process.env.SYNCALITE_SECRET ?? "an example secret, not for production" })
  const dataset = { IdentityPoolId: "us-east-1:0e1a2b3c", IdentityId: "us-east-1:0000aaaa", DatasetName: "settings" }
  // each device acts as the identity itself, as a phone signed in to Cognito would
  const caller = Caller.identity(dataset.IdentityPoolId, dataset.IdentityId)
  const calls = {
    listRecords: (input: Parameters<typeof sync.listRecords>[0]) => sync.listRecords(input, caller),
    updateRecords: (input: Parameters<typeof sync.updateRecords>[0]) => sync.updateRecords(input, caller)
  }
  const phone = new Device("phone", dataset, calls)
  const tablet = new Device("tablet", dataset, calls, (_key, local, remote) => `${remote}+${local}`)

  phone.put("theme", "dark")
  await phone.synchronize(log)
  await tablet.synchronize(log)
  log(`tablet sees theme = ${tablet.get("theme")}`)

  phone.put("volume", "7")
  tablet.put("volume", "3")
  await phone.synchronize(log)
  await tablet.synchronize(log)
  await phone.synchronize(log)
  log(`phone sees volume = ${phone.get("volume")}, tablet sees volume = ${tablet.get("volume")}`)

  const described = await sync.describeDataset(dataset)
  log(`server: ${described.Dataset.NumRecords} records, ${described.Dataset.DataStorage} bytes`)
  await sync.close()
  return { phone: Object.fromEntries([...phone.records].map(([k, r]) => [k, r.value])), described }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main()
