/**
 * @since 0.1.0
 */
export * as SqliteSyncStore from "./SqliteSyncStore.js"

/**
 * @since 0.1.0
 */
export * as SqliteIdentityStore from "./SqliteIdentityStore.js"
