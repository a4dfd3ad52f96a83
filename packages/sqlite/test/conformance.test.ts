import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { SqliteSyncStore } from "@syncalite/sqlite"
import { StorageSuite } from "@syncalite/testing"

const directory = mkdtempSync(join(tmpdir(), "syncalite-sqlite-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

StorageSuite.run("SqliteSyncStore in memory", { make: SqliteSyncStore.layer(":memory:") })

// two connections to one file, as two processes would have
StorageSuite.run("SqliteSyncStore over one file (two connections)", {
  make: SqliteSyncStore.layer({ path: join(directory, "conformance.db") }),
  capabilities: { crossProcess: true }
})
