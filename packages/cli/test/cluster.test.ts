/**
 * `syncalite serve` on a Redis Cluster of the test's own (three primaries started from
 * `redis-server --cluster-enabled yes`), named by a `redis+cluster://` URL: the v3 client syncs,
 * lists, configures, registers and deletes end to end, over identities whose keys live on every
 * primary, and the server stops cleanly on SIGTERM; `syncalite migrate` then copies the cluster
 * into SQLite the same, dataset by dataset.
 */
import {
  CognitoSyncClient,
  DeleteDatasetCommand,
  DescribeDatasetCommand,
  DescribeIdentityPoolUsageCommand,
  GetIdentityPoolConfigurationCommand,
  ListDatasetsCommand,
  ListRecordsCommand,
  RegisterDeviceCommand,
  SetIdentityPoolConfigurationCommand,
  SubscribeToDatasetCommand,
  UpdateRecordsCommand
} from "@aws-sdk/client-cognito-sync"
import { execFileSync } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { expect, it } from "vitest"
import { issueIdentityCredentials } from "@syncalite/http"
import { RedisSyncStore } from "@syncalite/redis"
import { SqliteSyncStore } from "@syncalite/sqlite"
import { RedisCluster } from "@syncalite/testing"
import { run } from "../src/program.js"
import { datasetOf } from "./content.js"
import { exited, syncalite, waitFor } from "./process.js"
import { testPrefix } from "./redisKeys.js"

const settings = {
  SYNCALITE_SECRET: "cluster test token secret",
  SYNCALITE_DEV_KEY: "AKIDCLUSTER",
  SYNCALITE_DEV_SECRET: "cluster test developer secret"
}
const pool = "us-east-1:0e1a2b3c-c1a5"

RedisCluster.describe("syncalite serve on a Redis Cluster", (cluster) => {

  it("serves the v3 client end to end, its data spread over every primary, and migrates out of it the same", async () => {
    const prefix = testPrefix()
    const server = syncalite(["serve", "--port", "0", "--store", cluster().url, "--redis-prefix", prefix], settings)
    const [, endpoint] = await waitFor(server, /Cognito Sync on (http:\/\/\S+)/, 30_000)
    const client = new CognitoSyncClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: settings.SYNCALITE_DEV_KEY, secretAccessKey: settings.SYNCALITE_DEV_SECRET },
      maxAttempts: 1
    })
    try {
      await client.send(new SetIdentityPoolConfigurationCommand({
        IdentityPoolId: pool,
        PushSync: { ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/syncalite"], RoleArn: "arn:aws:iam::123456789012:role/push" },
        CognitoStreams: { StreamName: "sync-stream", RoleArn: "arn:aws:iam::123456789012:role/streams", StreamingStatus: "DISABLED" }
      }))
      const identities = Array.from({ length: 12 }, (_, i) => `us-east-1:0000-${String(i).padStart(4, "0")}`)
      for (const IdentityId of identities) {
        const ref = { IdentityPoolId: pool, IdentityId, DatasetName: "settings" }
        const { SyncSessionToken } = await client.send(new ListRecordsCommand(ref))
        const written = await client.send(new UpdateRecordsCommand({
          ...ref,
          SyncSessionToken,
          RecordPatches: [
            { Op: "replace", Key: "theme", Value: `dark-${IdentityId}`, SyncCount: 0 },
            { Op: "replace", Key: "font", Value: "mono", SyncCount: 0 }
          ]
        }))
        expect(written.Records?.map((record) => [record.Key, record.SyncCount])).toEqual([["theme", 1], ["font", 1]])
        const second = await client.send(new ListRecordsCommand({ ...ref, LastSyncCount: 1 }))
        await client.send(new UpdateRecordsCommand({
          ...ref,
          SyncSessionToken: second.SyncSessionToken,
          RecordPatches: [{ Op: "remove", Key: "font", SyncCount: 1 }]
        }))
        const read = await client.send(new ListRecordsCommand(ref))
        expect(read.Records?.map((record) => [record.Key, record.Value, record.SyncCount])).toEqual([
          ["font", undefined, 2],
          ["theme", `dark-${IdentityId}`, 1]
        ])
        expect(read.DatasetSyncCount).toBe(2)
      }
      const first = { IdentityPoolId: pool, IdentityId: identities[0]!, DatasetName: "settings" }
      // devices are registered by the identity itself, with the credentials `syncalite credentials` prints
      const identity = issueIdentityCredentials({ secret: settings.SYNCALITE_SECRET, identityPoolId: pool, identityId: first.IdentityId, ttlSeconds: 600 })
      const device = new CognitoSyncClient({ endpoint, region: "us-east-1", credentials: identity, maxAttempts: 1 })
      const { DeviceId } = await device.send(new RegisterDeviceCommand({ IdentityPoolId: pool, IdentityId: first.IdentityId, Platform: "GCM", Token: "device-token" }))
      await device.send(new SubscribeToDatasetCommand({ ...first, DeviceId: DeviceId! }))
      device.destroy()
      expect((await client.send(new DescribeDatasetCommand(first))).Dataset).toMatchObject({ DatasetName: "settings", NumRecords: 1 })
      expect((await client.send(new ListDatasetsCommand({ IdentityPoolId: pool, IdentityId: first.IdentityId }))).Datasets?.map((d) => d.DatasetName))
        .toEqual(["settings"])
      await client.send(new DeleteDatasetCommand(first))
      expect((await client.send(new ListDatasetsCommand({ IdentityPoolId: pool, IdentityId: first.IdentityId }))).Datasets).toEqual([])
      expect((await client.send(new GetIdentityPoolConfigurationCommand({ IdentityPoolId: pool }))).CognitoStreams?.StreamName).toBe("sync-stream")
      const usage = (await client.send(new DescribeIdentityPoolUsageCommand({ IdentityPoolId: pool }))).IdentityPoolUsage
      expect(usage).toMatchObject({ IdentityPoolId: pool, SyncSessionsCount: 36 })

      // the identities' keys are on every primary: the cluster, not one node, served them
      const holding = cluster().ports.filter((port) =>
        Number(execFileSync("redis-cli", ["-p", String(port), "eval", `return #redis.call('keys', ARGV[1])`, "0", `${prefix}:*`], { encoding: "utf8" }).trim()) > 0
      )
      expect(holding).toEqual(cluster().ports)

      // and the cluster's content, scanned primary by primary, migrates into SQLite the same
      const file = join(mkdtempSync(join(tmpdir(), "syncalite-cluster-")), "copy.db")
      const out: Array<string> = []
      const code = await run(
        ["migrate", "--from", cluster().url, "--from-redis-prefix", prefix, "--to", `sqlite:${file}`, "--checkpoint", `${file}.checkpoint`, "--progress", "none"],
        { env: {}, out: (text) => out.push(text), err: () => undefined }
      )
      expect([code, out.join("")]).toEqual([0, expect.stringMatching(/^syncalite migrate: copied and verified 1 pools, 12 identities, 12 datasets, 11 records, 11 tombstones, 1 devices/)])
      const compare = Effect.gen(function*() {
        const [inCluster, copy] = [yield* RedisSyncStore.make({ redis: cluster().url, prefix }), yield* SqliteSyncStore.make(file)]
        for (const IdentityId of identities) {
          const ref = { identityPoolId: pool, identityId: IdentityId, datasetName: "settings" }
          const [original, copied] = yield* Effect.forEach([inCluster, copy], (store) => datasetOf(store, ref))
          expect(original!.head).toBeDefined()
          expect(copied).toEqual(original)
        }
      })
      await Effect.runPromise(Effect.scoped(compare))
    } finally {
      client.destroy()
      server.child.kill("SIGTERM")
      expect(await exited(server.child)).toMatchObject({ code: 0 })
    }
  }, 120_000)
})
