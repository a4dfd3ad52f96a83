import { HttpSuite } from "@syncalite/testing"
import { createServer } from "@syncalite/http"

// closing the server releases the handler (and a service given as a layer)
const start: HttpSuite.Options["start"] = (options, prefix) => HttpSuite.serve(createServer({ ...options, prefix }), prefix)

HttpSuite.run("standalone server", { start })
