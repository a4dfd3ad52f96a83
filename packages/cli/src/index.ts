/**
 * @since 0.1.0
 */
export { banner, snippet } from "./banner.js"
export { ConfigError, readConfig, settings } from "./config.js"
export type { ServeConfig, Settings } from "./config.js"
export type { CommandContext } from "./context.js"
export { createProgram, run } from "./program.js"
export { startServer } from "./server.js"
export type { App, Running, StartOptions } from "./server.js"
export { runServer, stopOnSignals } from "./signals.js"
export { storeLayer } from "./store.js"
export type { StoreOptions } from "./store.js"
