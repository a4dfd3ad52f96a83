/**
 * `SYNCALITE_STORE`: where the server keeps its state.
 *
 *   memory                      in this process only
 *   sqlite:<path>               a SQLite file, shared by every process on the machine
 *   redis://host:port           a Redis server, shared by every process that reaches it
 *
 * Each installed scheme maps to a function building the store layer from the whole value. An
 * adapter package, once it is released, is one line in `adapters` (and its dependency in
 * package.json), for instance:
 *   sqlite: async (spec) => (await import("@syncalite/sqlite")).SqliteSyncStore.layer(spec.slice("sqlite:".length)),
 *   redis: async (spec) => (await import("@syncalite/redis")).RedisSyncStore.layer({ redis: spec }),
 */
import type { Layer } from "effect"
import { SyncStore } from "@syncalite/core"

type StoreLayer = Layer.Layer<SyncStore.SyncStore, unknown>

/** The store of each installed scheme, built from the whole `SYNCALITE_STORE` value. */
const adapters: { readonly [scheme: string]: (spec: string) => StoreLayer | Promise<StoreLayer> } = {
  memory: () => SyncStore.layerMemory
}

/** Schemes whose adapter is being written. */
const planned: { readonly [scheme: string]: string } = { sqlite: "@syncalite/sqlite", redis: "@syncalite/redis" }

const schemeOf = (spec: string) => (spec.includes(":") ? spec.slice(0, spec.indexOf(":")) : spec)

/** The default store of an example: the intended one once its adapter is installed, memory until then. */
export const defaultStore = (intended: string): string => (Object.hasOwn(adapters, schemeOf(intended)) ? intended : "memory")

/** The store layer a `SYNCALITE_STORE` value names; a clear error for anything else. */
export const storeLayer = async (spec: string): Promise<StoreLayer> => {
  const scheme = schemeOf(spec)
  if (Object.hasOwn(adapters, scheme)) return adapters[scheme]!(spec)
  if (Object.hasOwn(planned, scheme)) {
    throw new Error(`SYNCALITE_STORE=${spec}: the ${scheme} adapter (${planned[scheme]}) is not installed yet; use SYNCALITE_STORE=memory`)
  }
  throw new Error(`SYNCALITE_STORE=${spec}: unknown store; expected memory, sqlite:<path> or redis://host:port`)
}
