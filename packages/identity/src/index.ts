/**
 * @since 0.1.0
 */
export * as IdentityStore from "./IdentityStore.js"
