/**
 * @since 0.1.0
 */
export * as CognitoIdentity from "./CognitoIdentity.js"
export * as CognitoIdentityConfig from "./CognitoIdentityConfig.js"
export * as CognitoIdentityError from "./CognitoIdentityError.js"
export * as CognitoIdentityPromise from "./CognitoIdentityPromise.js"
export * as DatasetMerge from "./DatasetMerge.js"
export * as IdentityCredentials from "./IdentityCredentials.js"
export * as IdentityStore from "./IdentityStore.js"
export * as Shapes from "./Shapes.js"
export { createCognitoIdentity } from "./CognitoIdentityPromise.js"
export type { CognitoIdentityClient, CognitoIdentityOptions } from "./CognitoIdentityPromise.js"
export { issueIdentityCredentials } from "./IdentityCredentials.js"
