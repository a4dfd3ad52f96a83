/**
 * @since 0.1.0
 */
export * as Caller from "./Caller.js"
export * as CognitoSync from "./CognitoSync.js"
export * as CognitoSyncConfig from "./CognitoSyncConfig.js"
export * as CognitoSyncError from "./CognitoSyncError.js"
export * as CognitoSyncPromise from "./CognitoSyncPromise.js"
export * as PushNotifier from "./PushNotifier.js"
export * as Sha256 from "./Sha256.js"
export * as Shapes from "./Shapes.js"
export * as StreamPublisher from "./StreamPublisher.js"
export * as SyncSessionToken from "./SyncSessionToken.js"
export * as SyncStore from "./SyncStore.js"
export * as SyncTrigger from "./SyncTrigger.js"
export * as Validation from "./Validation.js"
export { createCognitoSync } from "./CognitoSyncPromise.js"
export type { CognitoSyncClient, CognitoSyncOptions } from "./CognitoSyncPromise.js"
