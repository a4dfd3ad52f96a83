/**
 * What `syncalite serve` prints once it listens: the address bound, the configuration with its
 * secrets masked, the secrets generated for local use (and only those), and an AWS SDK v3
 * snippet to paste.
 */
import { maskedStore, type ServeConfig } from "./config.js"
import type { LocalPools } from "./localPools.js"

/**
 * The AWS SDK v3 snippet for a server at `endpoint`: a device of the identity pool, its
 * credentials from the server's Cognito Identity through the SDK's own provider.
 *
 * @since 0.1.0
 * @category utils
 */
export const snippet = (endpoint: string, identityPoolId: string): string =>
  [
    `import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync"`,
    `import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers"`,
    "",
    `const endpoint = ${JSON.stringify(endpoint)}`,
    `const region = "us-east-1"`,
    `const IdentityPoolId = ${JSON.stringify(identityPoolId)}`,
    "const credentials = fromCognitoIdentityPool({ identityPoolId: IdentityPoolId, clientConfig: { region, endpoint } })",
    "const client = new CognitoSyncClient({ endpoint, region, credentials })",
    "const { identityId } = await credentials()",
    `const dataset = { IdentityPoolId, IdentityId: identityId, DatasetName: "settings" }`,
    "const { SyncSessionToken, DatasetSyncCount } = await client.send(new ListRecordsCommand(dataset))",
    "await client.send(new UpdateRecordsCommand({",
    "  ...dataset,",
    "  SyncSessionToken,",
    `  RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: DatasetSyncCount }]`,
    "}))",
    "console.log((await client.send(new ListRecordsCommand(dataset))).Records)"
  ].join("\n")

const mask = (secret: string) => `${"*".repeat(8)} (${secret.length} characters)`

/**
 * The lines printed at start.
 *
 * @since 0.1.0
 * @category utils
 */
export const banner = (config: ServeConfig, endpoint: string, pools: LocalPools): string => {
  const generated = new Set(config.generated.map(([name]) => name))
  const origin = (name: string) => (generated.has(name) ? "generated" : "configured")
  const lines = [
    `syncalite: Cognito Sync on ${endpoint}`,
    `  Cognito Identity beside it; identity pool: ${pools.ids.join(", ")}${pools.created.length > 0 ? ` (created for local use: ${pools.created.join(", ")})` : ""}`,
    `  store: ${maskedStore(config.store)}${config.redisPrefix === undefined ? "" : ` (keys under ${config.redisPrefix}:)`}`,
    ...(config.pushMqtt === undefined
      ? []
      : [`  push sync: MQTT ${maskedStore(config.pushMqtt)}, QoS 1 to syncalite/<IdentityPoolId>/<IdentityId>/<DeviceId>`]),
    `  identity pools: ${config.pools?.join(", ") ?? "any well-formed pool id"}`,
    `  token secret: ${mask(config.secret)}, ${origin("SYNCALITE_SECRET")}`,
    `  developer: ${config.developer.accessKeyId}, secret ${mask(config.developer.secretAccessKey)}, ${origin("SYNCALITE_DEV_SECRET")}; account ${config.developer.accountId}`,
    `  sync triggers: ${config.triggers === undefined ? "in-process only" : Object.entries(config.triggers.targets).map(([arn, url]) => `${arn} -> ${url}`).join(", ") || "none"}`,
    `  push webhook: ${config.pushWebhook?.url ?? "off"}`,
    `  metrics: ${config.metrics ? `${endpoint}/metrics` : "off"}; health: ${endpoint}/healthz, ${endpoint}/readyz; log level: ${config.logLevel}`
  ]
  if (config.generated.length > 0) {
    lines.push("", "  Generated for local use, as these were unset (export them to keep them across restarts):", "")
    for (const [name, value] of config.generated) lines.push(`    export ${name}=${value}`)
  }
  lines.push(
    "",
    "  Try it with the AWS SDK v3: in a folder of your own, npm install @aws-sdk/client-cognito-sync",
    "  @aws-sdk/credential-providers, save this as try.mjs, and run node try.mjs:",
    "",
    ...snippet(endpoint, pools.ids[0]!).split("\n").map((line) => (line === "" ? "" : `    ${line}`)),
    "",
    "  Identity credentials for a device, where SYNCALITE_SECRET is exported (in this repository,",
    "  npm run --silent credentials -- and the same arguments):",
    "",
    `    npx syncalite credentials ${config.pools?.[0] ?? "us-east-1:0e1a2b3c"} us-east-1:0000aaaa`,
    ""
  )
  return lines.join("\n")
}
