/**
 * @since 0.1.0
 */
export * as RedisPushHub from "./RedisPushHub.js"
export * as RedisSyncStore from "./RedisSyncStore.js"

/**
 * @since 0.1.0
 */
export * as RedisIdentityStore from "./RedisIdentityStore.js"

/**
 * @since 0.1.0
 */
export * as RedisStreamPublisher from "./RedisStreamPublisher.js"
