/**
 * The `syncalite` program: the commands of commands/index.ts under one root, and a run that
 * turns every refusal into one line on standard error and a non-zero exit code, never a stack
 * trace.
 */
import { Command, CommanderError } from "commander"
import { commands } from "./commands/index.js"
import type { CommandContext } from "./context.js"
import { version } from "./version.js"

/**
 * The program, its output and exits through `context`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createProgram = (context: CommandContext): Command => {
  const program = new Command("syncalite")
    .description("the Amazon Cognito Sync API, served from your own store")
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.out(text.trimEnd()),
      writeErr: (text) => context.err(text.trimEnd()),
      outputError: (text, write) => write(`syncalite: ${text.trim().replace(/^error: /, "").replace(/\s*\n\s*/g, " ")} (see syncalite --help)\n`)
    })
  for (const command of commands) {
    program.addCommand(command(context).exitOverride().configureOutput(program.configureOutput()))
  }
  return program
}

/**
 * Runs the program on `argv` (the arguments after the command's name) and answers its exit
 * code; a long-running command answers 0 once started.
 *
 * @since 0.1.0
 * @category utils
 */
export const run = async (argv: ReadonlyArray<string>, context: CommandContext): Promise<number> => {
  try {
    await createProgram(context).parseAsync([...argv], { from: "user" })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    context.err(`syncalite: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}
