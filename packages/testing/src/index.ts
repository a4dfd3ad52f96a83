/**
 * @since 0.1.0
 */
export * as HttpSuite from "./HttpSuite.js"
export * as StorageSuite from "./StorageSuite.js"
export * as Services from "./Services.js"
export * as Processes from "./Processes.js"
export * as RedisCluster from "./RedisCluster.js"
export * as Fuzzing from "./fuzzing.js"
export * as StreamSuite from "./StreamSuite.js"
export * as PushSuite from "./PushSuite.js"
