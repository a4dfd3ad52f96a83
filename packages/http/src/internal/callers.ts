/**
 * Who signed a request: the verification of SigV4 (`verification.ts`) over the configured
 * developer keys and the identity credentials issued under a secret, synchronous, so that a
 * server verifies a request without waiting a turn of the event loop.
 */
import { Caller } from "@syncalite/core"
import { IdentityCredentials } from "@syncalite/identity"
import type { Sigv4Options } from "./credentials.js"
import { type KeyHolder, type Verify, verification } from "./verification.js"

const MAX_VERIFIED_TOKENS = 10_000

interface Identity extends KeyHolder<Caller.Caller> {
  readonly accessKeyId: string
  readonly expiresAt: number
}

/** The caller a request's signature proves for `service`, or `undefined`. */
export const callerVerification = (options: Sigv4Options, service: string): Verify<Caller.Caller> => {
  const developers = new Map<string, KeyHolder<Caller.Caller>>()
  for (const developer of options.developers ?? []) {
    if (typeof developer.accessKeyId !== "string" || developer.accessKeyId === "" || typeof developer.secretAccessKey !== "string" || developer.secretAccessKey === "") {
      throw new TypeError("syncalite: developer credentials need an accessKeyId and a secretAccessKey")
    }
    developers.set(developer.accessKeyId, {
      secretAccessKey: developer.secretAccessKey,
      principal: Caller.developer(developer.accountId ?? "developer", developer.pools)
    })
  }
  const identitySecret = options.identitySecret === undefined
    ? undefined
    : IdentityCredentials.checkSecret(options.identitySecret)

  // a device signs many requests with one session token: verify it once, until it expires
  const identities = new Map<string, Identity>()
  const holderOf = (accessKeyId: string, token: string | undefined, time: number): KeyHolder<Caller.Caller> | undefined => {
    const developer = developers.get(accessKeyId)
    if (developer !== undefined) return developer
    if (identitySecret === undefined || token === undefined) return undefined
    let identity = identities.get(token)
    if (identity === undefined) {
      const verified = IdentityCredentials.verify(identitySecret, token, time)
      if (verified === undefined) return undefined
      identity = {
        accessKeyId: verified.accessKeyId,
        secretAccessKey: verified.secretAccessKey,
        principal: Caller.identity(verified.identityPoolId, verified.identityId),
        expiresAt: verified.expiration.getTime()
      }
      if (identities.size >= MAX_VERIFIED_TOKENS) identities.delete(identities.keys().next().value!)
      identities.set(token, identity)
    }
    // the access key id is no secret: it travels beside the token it is derived from
    return identity.expiresAt > time && identity.accessKeyId === accessKeyId ? identity : undefined
  }

  return verification({
    service,
    ...(options.regions === undefined ? {} : { regions: new Set(options.regions) }),
    skewMillis: (options.clockSkewSeconds ?? 900) * 1000,
    now: options.now ?? Date.now,
    holderOf
  })
}
