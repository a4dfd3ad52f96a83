import { HttpSuite } from "@syncalite/testing"
import { createServer } from "@syncalite/http"

const start: HttpSuite.Options["start"] = async (options, prefix) => {
  const server = createServer({ ...options, prefix })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${port}${prefix}`,
    // closing the server releases the handler (and a service given as a layer)
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

HttpSuite.run("standalone server", { start })
