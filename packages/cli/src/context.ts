/**
 * What a command runs with: its environment and where its output goes, given rather than taken
 * from `process`, so that tests run commands in process.
 */

/**
 * @since 0.1.0
 * @category models
 */
export interface CommandContext {
  readonly env: { readonly [name: string]: string | undefined }
  /** standard output: results, the banner */
  readonly out: (text: string) => void
  /** standard error: refusals, progress */
  readonly err: (text: string) => void
  /** called once a long-running command (`serve`) is up, with what stops it; the command line stops it on SIGTERM and SIGINT */
  readonly onStarted?: (stop: () => Promise<void>) => void
}
