/**
 * Every command of `syncalite`, in the order of its help: one module each, registered here.
 */
import type { Command } from "commander"
import type { CommandContext } from "../context.js"
import { credentials } from "./credentials.js"
import { exportCommand } from "./export.js"
import { importCommand } from "./import.js"
import { migrateCommand } from "./migrate.js"
import { serve } from "./serve.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const commands: ReadonlyArray<(context: CommandContext) => Command> = [serve, credentials, exportCommand, importCommand, migrateCommand]
