/**
 * @since 0.1.0
 */
export * as EventStreams from "./EventStreams.js"
export * as EventsSuite from "./EventsSuite.js"
export * as HttpSuite from "./HttpSuite.js"
export * as IdentitySuite from "./IdentitySuite.js"
export * as StorageSuite from "./StorageSuite.js"
export * as Services from "./Services.js"
export * as Processes from "./Processes.js"
export * as RedisCluster from "./RedisCluster.js"
export * as Fuzzing from "./fuzzing.js"
export * as StreamSuite from "./StreamSuite.js"
export * as PushSuite from "./PushSuite.js"
export * as TriggerSuite from "./TriggerSuite.js"
