/**
 * The server's configuration from its environment, with generated values for what is unset, and
 * the banner it prints at startup: the endpoint, and an AWS SDK snippet to paste.
 *
 *   PORT                  8080
 *   SYNCALITE_SECRET      signs sync session tokens and identity credentials (>= 16 characters)
 *   SYNCALITE_DEV_KEY     developer access key id
 *   SYNCALITE_DEV_SECRET  developer secret access key
 *   SYNCALITE_ACCOUNT_ID  LastModifiedBy of developer writes ("developer")
 *   SYNCALITE_POOLS       comma-separated identity pool ids served (any well-formed id when unset)
 *   SYNCALITE_STORE       memory | sqlite:<path> | redis://host:port
 *   SYNCALITE_REDIS_PREFIX  the first part of every Redis key ("syncalite"): deployments sharing
 *                         one Redis each take their own
 *   SYNCALITE_MAX_*       the limits (CognitoSyncConfig.limitVariables): SYNCALITE_MAX_DATASETS,
 *                         _RECORDS, _BYTES, _DEVICES, _PUSH_TOKEN
 */
import { randomBytes } from "node:crypto"

export interface ServerEnvironment {
  readonly port: number
  readonly secret: string
  readonly developer: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly accountId: string }
  readonly pools: ReadonlyArray<string> | undefined
  readonly store: string
  /** the first part of every key in a Redis store, when not the adapter's default */
  readonly redisPrefix: string | undefined
  /** the variables that were unset, with the values generated for them */
  readonly generated: ReadonlyArray<readonly [name: string, value: string]>
}

const poolPattern = /^[\w-]+:[0-9a-f-]+$/

export const readEnvironment = (
  env: { readonly [name: string]: string | undefined },
  defaultStore: string
): ServerEnvironment => {
  const generated: Array<readonly [string, string]> = []
  const given = (name: string, make: () => string) => {
    const value = env[name]
    if (value !== undefined && value !== "") return value
    const made = make()
    generated.push([name, made])
    return made
  }
  const port = Number(env["PORT"] ?? "8080")
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT=${env["PORT"]} is not a port number`)
  if ((env["SYNCALITE_DEV_KEY"] ?? "") === "" && (env["SYNCALITE_DEV_SECRET"] ?? "") !== "") {
    throw new Error("SYNCALITE_DEV_SECRET is set but SYNCALITE_DEV_KEY is not: set both, or neither")
  }
  const secret = given("SYNCALITE_SECRET", () => randomBytes(24).toString("base64url"))
  if (secret.length < 16) throw new Error("SYNCALITE_SECRET must be at least 16 characters long")
  const accessKeyId = given("SYNCALITE_DEV_KEY", () => `AKID${randomBytes(8).toString("hex").toUpperCase()}`)
  const secretAccessKey = given("SYNCALITE_DEV_SECRET", () => randomBytes(30).toString("base64"))
  const pools = env["SYNCALITE_POOLS"]?.split(",").map((pool) => pool.trim()).filter((pool) => pool !== "")
  for (const pool of pools ?? []) {
    if (pool.length > 55 || !poolPattern.test(pool)) throw new Error(`SYNCALITE_POOLS: "${pool}" is not an identity pool id such as us-east-1:0e1a2b3c`)
  }
  return {
    port,
    secret,
    developer: { accessKeyId, secretAccessKey, accountId: env["SYNCALITE_ACCOUNT_ID"] || "developer" },
    pools: pools === undefined || pools.length === 0 ? undefined : pools,
    store: env["SYNCALITE_STORE"] || defaultStore,
    redisPrefix: env["SYNCALITE_REDIS_PREFIX"] || undefined,
    generated
  }
}

/** What the server prints once it listens. */
export const banner = (environment: ServerEnvironment, endpoint: string, framework: string): string => {
  const pool = environment.pools?.[0] ?? "us-east-1:0e1a2b3c"
  const lines = [
    `syncalite: Cognito Sync (${framework}) on ${endpoint}`,
    `  store: ${environment.store}${environment.redisPrefix === undefined ? "" : ` (keys under ${environment.redisPrefix}:)`}; identity pools: ${environment.pools?.join(", ") ?? "any well-formed pool id"}`
  ]
  if (environment.generated.length > 0) {
    lines.push("", "  Generated, as these were unset (export them to keep them across restarts):")
    for (const [name, value] of environment.generated) lines.push(`    export ${name}=${value}`)
  }
  lines.push(
    "",
    "  Developer credentials with the AWS SDK v3 (npm install @aws-sdk/client-cognito-sync; save as try.mjs):",
    "",
    `    import { CognitoSyncClient, ListIdentityPoolUsageCommand } from "@aws-sdk/client-cognito-sync"`,
    "    const client = new CognitoSyncClient({",
    `      endpoint: ${JSON.stringify(endpoint)},`,
    `      region: "us-east-1",`,
    `      credentials: { accessKeyId: ${JSON.stringify(environment.developer.accessKeyId)}, secretAccessKey: ${JSON.stringify(environment.developer.secretAccessKey)} }`,
    "    })",
    "    console.log(await client.send(new ListIdentityPoolUsageCommand({})))",
    "",
    "  Identity credentials for a device (from any shell with the same SYNCALITE_SECRET):",
    "",
    `    SYNCALITE_SECRET=${environment.secret} npm run --silent credentials -- ${pool} us-east-1:0000aaaa`,
    "",
    "  (in the AWS SDK v3: credentials: { ...json, expiration: new Date(json.expiration) })",
    ""
  )
  return lines.join("\n")
}
