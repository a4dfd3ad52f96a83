/**
 * @since 0.1.0
 */
export * as SqliteSyncStore from "./SqliteSyncStore.js"
