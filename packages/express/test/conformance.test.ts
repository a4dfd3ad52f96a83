import express from "express"
import { cognitoSync } from "@syncalite/express"
import { EventsSuite, HttpSuite } from "@syncalite/testing"

const start: HttpSuite.Options["start"] = async (options, prefix) => {
  const middleware = cognitoSync(options)
  const app = express()
  if (prefix === "") app.use(middleware)
  else app.use(prefix, middleware)
  const target = await HttpSuite.serve(app, prefix)
  return {
    endpoint: target.endpoint,
    close: async () => {
      await target.close()
      await middleware.dispose()
    }
  }
}

HttpSuite.run("express", { start })
HttpSuite.fuzz("express", { start })
EventsSuite.run("express", { start })
