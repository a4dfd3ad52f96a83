/**
 * The other side of `HttpSyncTrigger`: a sync trigger function served over HTTP from any Node
 * server. Each call's Standard Webhooks signature is verified (401 when it does not hold), the
 * event is handed to the function, and its output is answered as JSON; a function that throws
 * `SyncTriggerThrottled` answers 429, one that throws anything else 500.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { SyncTriggerServer } from "@syncalite/webhooks"
 * createServer(SyncTriggerServer.handler((event) => event, { secret: process.env.SYNCALITE_TRIGGER_SECRET! }))
 *   .listen(8080)
 * ```
 *
 * @since 0.1.0
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { Webhook } from "standardwebhooks"
import { SyncTrigger } from "@syncalite/core"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** the Standard Webhooks secret (`whsec_…`) the calls are signed with */
  readonly secret: string
}

const answer = (response: ServerResponse, status: number, body?: unknown) => {
  if (body === undefined) return void response.writeHead(status).end()
  const text = JSON.stringify(body)
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text)
}

/**
 * A Node request listener serving one function.
 *
 * @since 0.1.0
 * @category constructors
 */
export const handler = (
  fn: SyncTrigger.SyncTriggerFunction,
  options: Options
): (request: IncomingMessage, response: ServerResponse) => void => {
  const webhook = new Webhook(options.secret)
  return (request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", async () => {
      let event: SyncTrigger.SyncTriggerEvent
      try {
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value ?? ""])
        )
        event = webhook.verify(Buffer.concat(chunks), headers) as SyncTrigger.SyncTriggerEvent
      } catch (cause) {
        return answer(response, 401, { message: cause instanceof Error ? cause.message : String(cause) })
      }
      try {
        answer(response, 200, await fn(event))
      } catch (cause) {
        answer(response, cause instanceof SyncTrigger.SyncTriggerThrottled ? 429 : 500, {
          message: cause instanceof Error ? cause.message : String(cause)
        })
      }
    })
  }
}
