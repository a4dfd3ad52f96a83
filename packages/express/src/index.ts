/**
 * @since 0.1.0
 */
export * as CognitoSyncExpress from "./CognitoSyncExpress.js"
export { cognitoSync } from "./CognitoSyncExpress.js"
export type { Middleware, Options } from "./CognitoSyncExpress.js"
