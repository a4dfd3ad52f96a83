/**
 * `syncalite serve`: the Cognito Sync server, configured by flags over environment variables
 * (see config.ts), listening on 127.0.0.1:8080 unless told otherwise.
 */
import { Command, Option } from "commander"
import { defaults, readConfig, settings } from "../config.js"
import type { CommandContext } from "../context.js"
import { startServer } from "../server.js"

const flagged = (options: { readonly [flag: string]: string | boolean | undefined }) =>
  Object.fromEntries(
    settings.flatMap((setting) => {
      const key = setting.flag.split(" ")[0]!.slice(2).replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase())
      const value = options[key]
      return value === undefined ? [] : [[setting.name, value === true ? "on" : String(value)]]
    })
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const serve = (context: CommandContext): Command => {
  const command = new Command("serve").description("serve the Cognito Sync API over HTTP")
  for (const setting of settings) {
    const fallback = (defaults as { readonly [name: string]: string })[setting.name]
    command.addOption(new Option(setting.flag, `${setting.description} (env: ${setting.name}${fallback === undefined ? "" : `; default: ${fallback}`})`))
  }
  return command.action(async (options: { readonly [flag: string]: string | boolean | undefined }) => {
    const config = readConfig({ ...context.env, ...flagged(options) })
    const running = await startServer(config, { print: context.out })
    context.onStarted?.(running.close)
  })
}
