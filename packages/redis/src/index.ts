/**
 * @since 0.1.0
 */
export * as RedisSyncStore from "./RedisSyncStore.js"
export * as RedisStreamPublisher from "./RedisStreamPublisher.js"
