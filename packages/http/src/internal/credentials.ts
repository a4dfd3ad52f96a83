/**
 * The credentials a server verifies and how: declared apart from `Sigv4.ts`, which re-exports
 * them, because the verification in `callers.ts` takes them too.
 */

/**
 * Developer credentials: an access key pair, the account id written as LastModifiedBy, and
 * optionally the identity pools they may touch.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeveloperCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** LastModifiedBy of what these credentials write; `"developer"` by default */
  readonly accountId?: string
  /** the identity pools these credentials may touch; all by default */
  readonly pools?: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Sigv4Options {
  readonly developers?: ReadonlyArray<DeveloperCredentials>
  /** verifies identity credentials issued with `issueIdentityCredentials` and this secret */
  readonly identitySecret?: string
  /** the regions accepted in the credential scope; any by default (a custom endpoint does not change the client's region) */
  readonly regions?: ReadonlyArray<string>
  /** how far `x-amz-date` may be from the server's clock; 900 seconds (15 minutes) by default */
  readonly clockSkewSeconds?: number
  /** the current time in milliseconds, for tests */
  readonly now?: () => number
}
