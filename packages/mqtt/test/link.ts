/**
 * A TCP link between the notifier and the broker that a test can break: `cut` drops every
 * connection as a network fault would (the client reconnects through the link), `stall` stops
 * carrying bytes both ways while keeping the connections open, as a broker that hangs.
 */
import { createConnection, createServer, type Socket } from "node:net"
import { Context, Effect, Layer } from "effect"

export interface LinkShape {
  readonly url: string
  readonly cut: Effect.Effect<void>
  readonly stall: Effect.Effect<void>
}

export class Link extends Context.Tag("test/Link")<Link, LinkShape>() {}

export const layer = (brokerUrl: string): Layer.Layer<Link> =>
  Layer.scoped(
    Link,
    Effect.gen(function*() {
      const broker = new URL(brokerUrl)
      const sockets = new Set<Socket>()
      let stalled = false
      const server = createServer((client) => {
        const upstream = createConnection({ host: broker.hostname, port: Number(broker.port) || 1883 })
        for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
          sockets.add(from)
          from.on("data", (chunk) => {
            if (!stalled) to.write(chunk)
          })
          from.on("error", () => to.destroy())
          from.on("close", () => {
            sockets.delete(from)
            to.destroy()
          })
        }
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () =>
          Effect.async<void>((resume) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => resume(Effect.void))
          })
      )
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      return {
        url: `mqtt://127.0.0.1:${port}`,
        cut: Effect.sync(() => {
          for (const socket of sockets) socket.destroy()
        }),
        stall: Effect.sync(() => {
          stalled = true
        })
      }
    })
  )
