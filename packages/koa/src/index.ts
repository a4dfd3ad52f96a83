/**
 * @since 0.1.0
 */
export * as CognitoSyncKoa from "./CognitoSyncKoa.js"
export { cognitoSync } from "./CognitoSyncKoa.js"
export type { Middleware, Options } from "./CognitoSyncKoa.js"
