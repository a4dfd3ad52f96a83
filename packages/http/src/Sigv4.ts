/**
 * AWS Signature Version 4 verification for the `cognito-sync` service, as the stock clients
 * sign: the canonical request is built from the request as received (the raw path, encoded once
 * more as the signers do; the query pairs sorted; the signed headers; the hash of the raw body
 * bytes), its signature computed under a signing key kept per secret, day and region, and
 * compared as bytes in constant time, within a clock-skew window, for a credential scope of the
 * right service and an accepted region. `@smithy/signature-v4` is the oracle its tests hold it
 * to. Credentials are developer keys from configuration, or identity credentials from
 * `IdentityCredentials.issueIdentityCredentials` (`x-amz-security-token`).
 *
 * A presigned request (the `X-Amz-*` query parameters a signer's `presign` writes) is accepted
 * only when the caller asks for it (`{ presigned: true }`), until its `X-Amz-Expires` runs out.
 *
 * Every failure is the same `undefined`: the caller answers one refusal that says nothing about
 * which check failed.
 *
 * @since 0.1.0
 */
import type { Caller } from "@syncalite/core"
import { callerVerification } from "./internal/callers.js"
import type { Sigv4Options } from "./internal/credentials.js"
import type { ReceivedRequest } from "./internal/verification.js"

export type { DeveloperCredentials, Sigv4Options } from "./internal/credentials.js"

/**
 * A request as received: the path and query exactly as the client sent them (mount path
 * included), lower-case header names, the raw body bytes, and optionally the query's pairs,
 * percent-decoded, when the caller has parsed them already.
 *
 * @since 0.1.0
 * @category models
 */
export type SignedRequest = ReceivedRequest

/**
 * @since 0.1.0
 * @category models
 */
export interface VerifyOptions {
  /** also accept a presigned request, its signature in the query string; `false` by default */
  readonly presigned?: boolean
}

/**
 * Answers the caller a request's signature proves, or `undefined`.
 *
 * @since 0.1.0
 * @category models
 */
export type Verifier = (request: SignedRequest, options?: VerifyOptions) => Promise<Caller.Caller | undefined>

const SERVICE = "cognito-sync"

/**
 * Builds the verifier of the configured credentials, for `cognito-sync` or another service of
 * the same endpoint (`cognito-identity`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const verifier = (options: Sigv4Options, service: string = SERVICE): Verifier => {
  const verify = callerVerification(options, service)
  return async (request, verifyOptions) => verify(request, verifyOptions?.presigned === true)
}
