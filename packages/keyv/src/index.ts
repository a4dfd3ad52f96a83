/**
 * @since 0.1.0
 */
export * as KeyvSyncStore from "./KeyvSyncStore.js"

/**
 * @since 0.1.0
 */
export * as KeyvIdentityStore from "./KeyvIdentityStore.js"
