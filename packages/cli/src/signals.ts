/**
 * How a started server ends as a process: on SIGTERM or SIGINT it stops (stops accepting, answers
 * the requests in flight, closes the store) and exits 0; a stop that hangs ends the process with
 * 1 before a supervisor's usual 10 seconds run out.
 */

const stopDeadline = 8_000

/**
 * Stops with `stop` and exits on the first SIGTERM or SIGINT.
 *
 * @since 0.1.0
 * @category utils
 */
export const stopOnSignals = (stop: () => Promise<void>): void => {
  let stopping = false
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      // a second signal while stopping is not a second stop
      if (stopping) return
      stopping = true
      console.error(`syncalite: ${signal}, stopping`)
      setTimeout(() => process.exit(1), stopDeadline).unref()
      stop().then(() => process.exit(0), (error: unknown) => {
        console.error(`syncalite: stopping failed: ${(error as Error).message}`)
        process.exit(1)
      })
    })
  }
}

/**
 * Runs a server as a program: started by `start`, stopped on signals; a refusal to start is one
 * line on standard error and exit code 1.
 *
 * @since 0.1.0
 * @category utils
 */
export const runServer = (start: () => Promise<{ readonly close: () => Promise<void> }>): Promise<void> =>
  start().then((running) => stopOnSignals(running.close), (error: unknown) => {
    console.error(`syncalite: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  })
