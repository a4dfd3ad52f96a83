/**
 * Where the service's own log lines go: bulk publish progress, deliveries and publications that
 * failed, sessions that could not be counted. They are Effect log lines, printed by Effect's
 * default logger unless the application hands them to its own logger with `log`, or drops them
 * with `log: false`. A line's level is named as pino names its methods, so that a pino logger
 * takes it as it is.
 *
 * @example
 * ```ts
 * import { createCognitoSync } from "@syncalite/core"
 * import { pino } from "pino"
 *
 * const logger = pino()
 * const sync = createCognitoSync({
 *   tokenSecret: process.env.SYNCALITE_SECRET,
 *   log: ({ level, message, error }) => logger[level](error === undefined ? {} : { err: error }, message)
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Layer, Logger, type LogLevel } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal"

/**
 * A log line of the service.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogEntry {
  readonly level: Level
  /** the line's text */
  readonly message: string
  /** what went wrong, where the line tells of a failure: an error, or the failure's cause as text */
  readonly error?: unknown
}

/**
 * Receives the service's log lines.
 *
 * @since 0.1.0
 * @category models
 */
export type LogSink = (entry: LogEntry) => void

const levels: { readonly [K in LogLevel.LogLevel["_tag"]]: Level | undefined } = {
  All: "trace",
  Trace: "trace",
  Debug: "debug",
  Info: "info",
  Warning: "warn",
  Error: "error",
  Fatal: "fatal",
  None: undefined
}

/** A line's parts: its text, and what else was logged with it (the error a line names). */
const entryOf = (level: Level, message: unknown, cause: Cause.Cause<unknown>): LogEntry => {
  const parts = Array.isArray(message) ? message : [message]
  const text = parts.filter((part) => typeof part === "string").join(" ")
  const others = parts.filter((part) => typeof part !== "string")
  const error = others.length > 0 ? others[0] : Cause.isEmpty(cause) ? undefined : cause
  return error === undefined ? { level, message: text } : { level, message: text, error: Cause.isCause(error) ? Cause.squash(error) : error }
}

/**
 * The layer that sends the service's log lines to `sink`, or drops them for `false`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (sink: LogSink | false): Layer.Layer<never> =>
  Logger.replace(
    Logger.defaultLogger,
    sink === false ? Logger.none : Logger.make(({ cause, logLevel, message }) => {
      const level = levels[logLevel._tag]
      if (level === undefined) return
      try {
        sink(entryOf(level, message, cause))
      } catch {
        // a throwing sink must not fail what logged
      }
    })
  )
