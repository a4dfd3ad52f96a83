/**
 * @since 0.1.0
 */
export * as RedisPushHub from "./RedisPushHub.js"
export * as RedisSyncStore from "./RedisSyncStore.js"
