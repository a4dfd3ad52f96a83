/**
 * `syncalite credentials <pool> <identity>`: identity credentials (accessKeyId, secretAccessKey,
 * sessionToken, expiration) that a server with the same SYNCALITE_SECRET accepts for that
 * identity, printed as one JSON object.
 */
import { Command, InvalidArgumentError } from "commander"
import { issueIdentityCredentials } from "@syncalite/http"
import { ConfigError } from "../config.js"
import type { CommandContext } from "../context.js"

const seconds = (value: string): number => {
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError("give a whole number of seconds above 0")
  return parsed
}

/**
 * @since 0.1.0
 * @category commands
 */
export const credentials = (context: CommandContext): Command =>
  new Command("credentials")
    .description("print identity credentials, as JSON, that a server with the same SYNCALITE_SECRET accepts")
    .argument("<pool>", "the identity pool id, such as us-east-1:0e1a2b3c")
    .argument("<identity>", "the identity id, such as us-east-1:0000aaaa")
    .option("--ttl <seconds>", "how long they are valid", seconds, 3600)
    .option("--secret <secret>", "the server's secret (env: SYNCALITE_SECRET)")
    .action((identityPoolId: string, identityId: string, options: { ttl: number; secret?: string }) => {
      const secret = options.secret ?? context.env["SYNCALITE_SECRET"] ?? ""
      if (secret === "") throw new ConfigError("SYNCALITE_SECRET is not set; export the server's secret (its banner prints the one it generated) or give --secret")
      context.out(JSON.stringify(issueIdentityCredentials({ secret, identityPoolId, identityId, ttlSeconds: options.ttl })))
    })
