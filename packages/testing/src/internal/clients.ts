/**
 * The stock clients as the HTTP suite drives them: `@aws-sdk/client-cognito-sync` (v3) and the
 * `amazon-cognito-js` sync manager on the AWS SDK v2, loaded only when a suite runs, so that
 * `@syncalite/testing` does not need them for the storage suite.
 */
import { createRequire } from "node:module"
import type * as V3 from "@aws-sdk/client-cognito-sync"
import type { Credentials } from "./wire.js"
import { awsV2 } from "./wire.js"

const require = createRequire(import.meta.url)

export type V3Module = typeof V3

export const loadV3 = (): Promise<V3Module> => import("@aws-sdk/client-cognito-sync")

/** A v3 client without retries. */
export const v3Client = (v3: V3Module, endpoint: string, credentials: Credentials, region = "us-east-1") =>
  new v3.CognitoSyncClient({ endpoint, region, credentials, maxAttempts: 1 })

/** The sync manager's view of one dataset, with Promises. */
export interface ManagedDataset {
  readonly put: (key: string, value: string) => Promise<void>
  readonly remove: (key: string) => Promise<void>
  readonly get: (key: string) => Promise<string | undefined>
  /** synchronizes; conflicts are resolved with the local record, and listed in `conflicts` */
  readonly synchronize: () => Promise<void>
  readonly conflicts: Array<string>
  readonly deletions: Array<string>
}

/**
 * One device: a sync manager with its own local store, for one identity, against an endpoint.
 * The manager reads the global AWS config when it is built, so each device is built in turn.
 */
export const syncManagerDevice = async (
  endpoint: string,
  identityPoolId: string,
  identityId: string,
  credentials: Credentials,
  datasetName: string
): Promise<ManagedDataset> => {
  const AWS = awsV2()
  require("amazon-cognito-js")
  AWS.config.update({ region: "us-east-1", maxRetries: 0 })
  AWS.config.cognitosync = { endpoint }
  const provider = new AWS.Credentials(credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken)
  provider.params = { IdentityPoolId: identityPoolId }
  provider.identityId = identityId
  AWS.config.credentials = provider

  // the default store needs window.localStorage; this one keeps the device's cache in a Map
  const items = new Map<string, string>()
  function DataStore(this: { store: unknown }) {
    this.store = {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: unknown) => void items.set(key, String(value)),
      removeItem: (key: string) => void items.delete(key)
    }
  }
  DataStore.prototype = Object.create(AWS.CognitoSyncManager.StoreLocalStorage.prototype)
  const manager = new AWS.CognitoSyncManager({ DataStore })
  const dataset = await new Promise<any>((resolve, reject) =>
    manager.openOrCreateDataset(datasetName, (error: unknown, opened: unknown) => (error ? reject(error) : resolve(opened)))
  )
  const conflicts: Array<string> = []
  const deletions: Array<string> = []
  const callback = <A>(run: (done: (error: unknown, value?: A) => void) => void) =>
    new Promise<A | undefined>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value))))
  return {
    conflicts,
    deletions,
    put: async (key, value) => void await callback((done) => dataset.put(key, value, done)),
    remove: async (key) => void await callback((done) => dataset.remove(key, done)),
    get: async (key) => (await callback<string>((done) => dataset.get(key, done))) ?? undefined,
    synchronize: () =>
      new Promise<void>((resolve, reject) =>
        dataset.synchronize({
          onSuccess: () => resolve(),
          onFailure: (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
          onConflict: (ds: any, found: Array<any>, done: (go: boolean) => void) => {
            for (const conflict of found) conflicts.push(conflict.getKey())
            ds.resolve(found.map((conflict) => conflict.resolveWithLocalRecord()), () => done(true))
          },
          onDatasetDeleted: (_ds: unknown, name: string, done: (go: boolean) => void) => {
            deletions.push(name)
            // calling back true crashes the library (it calls a method that does not exist)
            done(false)
          },
          onDatasetsMerged: (_ds: unknown, _names: unknown, done: (go: boolean) => void) => done(false)
        })
      )
  }
}
