/**
 * A client of the events route for tests: presigned URLs as `@smithy/signature-v4` writes them
 * (what a browser's `EventSource` opens), and a reader of Server-Sent Events over `fetch`.
 *
 * @since 0.1.0
 */
import { Hash } from "@smithy/hash-node"
import { SignatureV4 } from "@smithy/signature-v4"

/**
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Device {
  readonly identityPoolId: string
  readonly identityId: string
  readonly deviceId: string
}

/**
 * The events path of a device, percent-encoded.
 *
 * @since 0.1.0
 * @category constructors
 */
export const eventsPath = (device: Device): string =>
  `/identitypools/${encodeURIComponent(device.identityPoolId)}/identity/${encodeURIComponent(device.identityId)}/device/${
    encodeURIComponent(device.deviceId)
  }/events`

/**
 * A URL presigned for a GET of `path` below `endpoint` (`http://host:port[/prefix]`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const presign = async (options: {
  readonly endpoint: string
  readonly path: string
  readonly credentials: Credentials
  readonly query?: { readonly [name: string]: string }
  readonly region?: string
  readonly expiresIn?: number
  readonly signingDate?: Date
}): Promise<string> => {
  const url = new URL(options.endpoint)
  const path = `${url.pathname.replace(/\/$/, "")}${options.path}`
  const signer = new SignatureV4({
    service: "cognito-sync",
    region: options.region ?? "us-east-1",
    credentials: options.credentials,
    sha256: Hash.bind(null, "sha256")
  })
  const signed = await signer.presign(
    {
      method: "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === "" ? {} : { port: Number(url.port) }),
      path,
      query: { ...options.query },
      headers: { host: url.host }
    },
    { expiresIn: options.expiresIn ?? 900, ...(options.signingDate === undefined ? {} : { signingDate: options.signingDate }) }
  )
  const search = new URLSearchParams(signed.query as { [name: string]: string }).toString().replaceAll("+", "%20")
  return `${url.origin}${path}?${search}`
}

/**
 * One event as read.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerEvent {
  readonly id: string | undefined
  readonly event: string
  readonly data: string
}

/**
 * An open stream, or the refusal answered instead.
 *
 * @since 0.1.0
 * @category models
 */
export interface EventStream {
  readonly status: number
  readonly headers: Headers
  /** the body of a refusal; "" for a stream */
  readonly body: string
  /** the comment lines read so far */
  readonly comments: Array<string>
  /** the next event, or a rejection after `timeoutMs` */
  readonly next: (timeoutMs?: number) => Promise<ServerEvent>
  /** the events that arrive within `ms` */
  readonly within: (ms: number) => Promise<Array<ServerEvent>>
  /** resolves when the server ended the stream */
  readonly ended: Promise<void>
  readonly close: () => void
}

/**
 * Opens `url`, with `headers` (`last-event-id`, or signed ones).
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = async (url: string, headers: { readonly [name: string]: string } = {}): Promise<EventStream> => {
  const abort = new AbortController()
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal })
  const events: Array<ServerEvent> = []
  const comments: Array<string> = []
  let wake: (() => void) | undefined
  let done = false
  const isStream = response.status === 200 && (response.headers.get("content-type") ?? "").startsWith("text/event-stream")
  const body = isStream ? "" : await response.text()
  const ended = !isStream ? Promise.resolve(void (done = true)) : (async () => {
    const decoder = new TextDecoder()
    let text = ""
    let current: { id?: string; event?: string; data: Array<string> } = { data: [] }
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true })
        let newline: number
        while ((newline = text.indexOf("\n")) >= 0) {
          const line = text.slice(0, newline)
          text = text.slice(newline + 1)
          if (line === "") {
            if (current.data.length > 0) {
              events.push({ id: current.id, event: current.event ?? "message", data: current.data.join("\n") })
              wake?.()
            }
            current = { data: [] }
          } else if (line.startsWith(":")) {
            comments.push(line.slice(1).trim())
          } else {
            const colon = line.indexOf(":")
            const field = colon < 0 ? line : line.slice(0, colon)
            const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "")
            if (field === "data") current.data.push(value)
            else if (field === "id") current.id = value
            else if (field === "event") current.event = value
          }
        }
      }
    } catch {
      // closed by this side
    }
    done = true
    wake?.()
  })()
  const next = (timeoutMs = 5000) =>
    new Promise<ServerEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        wake = undefined
        reject(new Error(`no event within ${timeoutMs} ms`))
      }, timeoutMs)
      const check = () => {
        const event = events.shift()
        if (event !== undefined || done) {
          clearTimeout(timer)
          wake = undefined
          if (event !== undefined) resolve(event)
          else reject(new Error("the stream ended"))
          return
        }
        wake = check
      }
      check()
    })
  return {
    status: response.status,
    headers: response.headers,
    body,
    comments,
    next,
    within: async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms))
      return events.splice(0)
    },
    ended,
    close: () => abort.abort()
  }
}
