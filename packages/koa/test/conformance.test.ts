import Koa from "koa"
import { cognitoSync } from "@syncalite/koa"
import { EventsSuite, HttpSuite } from "@syncalite/testing"

const start: HttpSuite.Options["start"] = async (options, prefix) => {
  const middleware = cognitoSync({ ...options, prefix })
  const app = new Koa()
  app.use(middleware)
  const target = await HttpSuite.serve(app.callback(), prefix)
  return {
    endpoint: target.endpoint,
    close: async () => {
      await target.close()
      await middleware.dispose()
    }
  }
}

HttpSuite.run("koa", { start })
HttpSuite.fuzz("koa", { start })
EventsSuite.run("koa", { start })
