/**
 * @since 0.1.0
 */
export * as Cors from "./Cors.js"
export * as Events from "./Events.js"
export * as Handler from "./Handler.js"
export * as IdentityApi from "./IdentityApi.js"
export * as NodeHttp from "./NodeHttp.js"
export * as Protocol from "./Protocol.js"
export * as Router from "./Router.js"
export * as Server from "./Server.js"
export * as Sigv4 from "./Sigv4.js"
export { IdentityCredentials, issueIdentityCredentials } from "@syncalite/identity"
export { createServer } from "./Server.js"
