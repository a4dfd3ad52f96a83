/**
 * `npm run credentials -- <identityPoolId> <identityId> [ttlSeconds]`: prints, as one JSON
 * object, identity credentials (accessKeyId, secretAccessKey, sessionToken, expiration) that a
 * server with the same SYNCALITE_SECRET accepts for that identity, for one hour by default.
 */
import { pathToFileURL } from "node:url"
import { type IdentityCredentials, issueIdentityCredentials } from "@syncalite/http"

export const credentialsFor = (
  args: ReadonlyArray<string>,
  env: { readonly [name: string]: string | undefined }
): IdentityCredentials.IdentityCredentials => {
  const [identityPoolId, identityId, ttl] = args
  if (identityPoolId === undefined || identityId === undefined) {
    throw new Error("usage: npm run credentials -- <identityPoolId> <identityId> [ttlSeconds]")
  }
  const secret = env["SYNCALITE_SECRET"]
  if (secret === undefined || secret === "") {
    throw new Error("set SYNCALITE_SECRET to the server's secret (the server prints the one it generated)")
  }
  return issueIdentityCredentials({ secret, identityPoolId, identityId, ttlSeconds: ttl === undefined ? 3600 : Number(ttl) })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    console.log(JSON.stringify(credentialsFor(process.argv.slice(2), process.env)))
  } catch (error) {
    console.error(`syncalite: ${(error as Error).message}`)
    process.exit(1)
  }
}
