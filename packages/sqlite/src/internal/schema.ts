import { Sha256 } from "@syncalite/core"

/**
 * The tables, one per concept. A dataset's head is one row; its records are rows keyed by
 * (dataset, key) with an index on (dataset, sync count), so a write touches the rows it writes and
 * a read since N the rows changed after N, whatever the size of the dataset.
 */
export const SCHEMA_VERSION = 2

/** The digest a device is unique on: SHA-256 of its platform and token. */
export const deviceDigest = (platform: string, token: string): Buffer => Sha256.hash(`${platform}\n${token}`)

/**
 * A device's token is stored once: uniqueness is on the SHA-256 of its platform and token
 * (`digest`), not on the token itself, which an index would store a second time.
 */
const devicesTable = `
CREATE TABLE IF NOT EXISTS syncalite_devices (
  pool TEXT NOT NULL,
  identity TEXT NOT NULL,
  device_id TEXT NOT NULL,
  platform TEXT NOT NULL,
  token TEXT NOT NULL,
  digest BLOB NOT NULL,
  PRIMARY KEY (pool, identity, device_id),
  UNIQUE (pool, identity, digest)
) WITHOUT ROWID;`

/** Schema 1 kept devices unique on (pool, identity, platform, token): the table is rebuilt with digests. */
export const migrationFrom1 = {
  rename: "ALTER TABLE syncalite_devices RENAME TO syncalite_devices_1",
  create: devicesTable,
  rows: "SELECT pool, identity, device_id, platform, token FROM syncalite_devices_1",
  insert: "INSERT INTO syncalite_devices (pool, identity, device_id, platform, token, digest) VALUES (?, ?, ?, ?, ?, ?)",
  drop: "DROP TABLE syncalite_devices_1",
  done: "UPDATE syncalite_meta SET value = 2 WHERE name = 'schema'"
}

export const schema = `
CREATE TABLE IF NOT EXISTS syncalite_meta (
  name TEXT PRIMARY KEY,
  value
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS syncalite_datasets (
  id INTEGER PRIMARY KEY,
  pool TEXT NOT NULL,
  identity TEXT NOT NULL,
  name TEXT NOT NULL,
  live INTEGER NOT NULL,
  sync_count INTEGER NOT NULL,
  last_deletion_count INTEGER NOT NULL,
  creation_date INTEGER NOT NULL,
  last_modified_date INTEGER NOT NULL,
  last_modified_by TEXT NOT NULL,
  num_records INTEGER NOT NULL,
  data_storage INTEGER NOT NULL,
  entries INTEGER NOT NULL,
  entry_bytes INTEGER NOT NULL,
  consumed_sessions TEXT NOT NULL,
  UNIQUE (pool, identity, name)
);

CREATE TABLE IF NOT EXISTS syncalite_records (
  dataset INTEGER NOT NULL,
  key BLOB NOT NULL,
  value,
  sync_count INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  modified_by TEXT NOT NULL,
  device_modified INTEGER,
  PRIMARY KEY (dataset, key)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS syncalite_records_changed ON syncalite_records (dataset, sync_count);

CREATE TABLE IF NOT EXISTS syncalite_pools (
  pool TEXT PRIMARY KEY,
  configuration TEXT,
  sessions INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

${devicesTable}

CREATE TABLE IF NOT EXISTS syncalite_subscriptions (
  pool TEXT NOT NULL,
  identity TEXT NOT NULL,
  dataset TEXT NOT NULL,
  device_id TEXT NOT NULL,
  UNIQUE (pool, identity, dataset, device_id)
);

INSERT OR IGNORE INTO syncalite_meta (name, value) VALUES ('schema', ${SCHEMA_VERSION});
`
