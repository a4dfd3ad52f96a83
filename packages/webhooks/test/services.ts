/**
 * Real local HTTP services for the tests: trigger functions served by `SyncTriggerServer`, and
 * receivers whose answers a test scripts.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"
import type { SyncTrigger } from "@syncalite/core"
import { SyncTriggerServer } from "@syncalite/webhooks"

export const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/** A listening server, closed with the scope; its base URL and how many connections it accepted. */
export const listen = (listener: RequestListener): Effect.Effect<{ readonly url: string; readonly connections: () => number }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: ReturnType<typeof createServer>; url: string; connections: () => number }>((resume) => {
      let connections = 0
      const server = createServer(listener)
      server.on("connection", () => connections++)
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}`, connections: () => connections }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** One trigger service serving each function at a path of its own; the URL of each, by ARN. */
export const triggerService = (functions: { readonly [arn: string]: SyncTrigger.SyncTriggerFunction }) =>
  Effect.gen(function*() {
    const paths = new Map(Object.values(functions).map((fn, i) => [`/fn${i}`, SyncTriggerServer.handler(fn, { secret })]))
    const service = yield* listen((request, response) => {
      const serve = paths.get(request.url ?? "")
      if (serve === undefined) return void response.writeHead(404).end()
      serve(request, response)
    })
    const targets = Object.fromEntries(Object.keys(functions).map((arn, i) => [arn, `${service.url}/fn${i}`]))
    return { ...service, targets }
  })

/** A request as a receiver got it. */
export interface Received {
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

/** A receiver that keeps every request and answers as `respond` says (or never, when it returns undefined). */
export const receiver = (respond: (received: Received, index: number) => number | undefined) =>
  Effect.gen(function*() {
    const received: Array<Received> = []
    const pending: Array<ServerResponse> = []
    const service = yield* listen((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const entry = { headers: request.headers, body: Buffer.concat(chunks).toString("utf8") }
        received.push(entry)
        const status = respond(entry, received.length - 1)
        if (status === undefined) pending.push(response)
        else response.writeHead(status).end()
      })
    })
    return { ...service, received }
  })
