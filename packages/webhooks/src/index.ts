/**
 * @since 0.1.0
 */
export * as HttpSyncTrigger from "./HttpSyncTrigger.js"
export * as SyncTriggerServer from "./SyncTriggerServer.js"
export * as WebhookPushNotifier from "./WebhookPushNotifier.js"
export * as WebhookSigner from "./WebhookSigner.js"
