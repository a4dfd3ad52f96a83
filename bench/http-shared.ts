/** What the HTTP benchmark's load generator and its servers agree on. */

export const benchSecret = "http benchmark secret, 16+ characters"
export const benchPool = "us-east-1:be0c"

/** The dataset ListRecords reads: ten records. */
export const listRef = { IdentityPoolId: benchPool, IdentityId: "us-east-1:0001", DatasetName: "bench-list" }

export const seedRecords = Array.from({ length: 10 }, (_, k) => ({
  Op: "replace" as const,
  Key: `key${k}`,
  Value: `value number ${k}`,
  SyncCount: 0
}))
