/** Reading a request body up to a limit, without buffering what lies beyond it. */

export const TOO_LARGE = "too large" as const
export const UNREADABLE = "unreadable" as const

export type BodySource = Uint8Array | string | AsyncIterable<Uint8Array>

/** The parts of a Node readable stream (an `IncomingMessage`) that reading needs. */
interface NodeReadable {
  readonly readableEnded?: boolean
  readonly readableFlowing?: boolean | null
  readonly destroyed?: boolean
  /** an `IncomingMessage` whose message Node's parser has read to its end */
  readonly complete?: boolean
  on(event: string, listener: (...args: Array<any>) => void): unknown
  removeListener(event: string, listener: (...args: Array<any>) => void): unknown
  resume(): unknown
  read?(): unknown
}

const isNodeReadable = (u: unknown): u is NodeReadable =>
  typeof u === "object" && u !== null && typeof (u as NodeReadable).on === "function" &&
  typeof (u as NodeReadable).removeListener === "function" && typeof (u as NodeReadable).resume === "function"

const EMPTY = new Uint8Array(0)

/**
 * The body of a message Node's parser has read whole, taken from the stream's buffer at once:
 * a small request arrives with its headers, and waiting for its data and end events costs a
 * turn of the event loop and four listeners. `undefined` when the message is still arriving, or
 * when someone else reads the stream.
 */
const fromBuffer = (stream: NodeReadable, limit: number): Uint8Array | typeof TOO_LARGE | typeof UNREADABLE | undefined => {
  if (stream.complete !== true || stream.readableFlowing === true || stream.destroyed === true || stream.read === undefined) return undefined
  const chunk = stream.read()
  if (chunk === null) return EMPTY
  const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk instanceof Uint8Array ? chunk : undefined
  if (bytes === undefined) return UNREADABLE
  return bytes.length > limit ? TOO_LARGE : bytes
}

const fromNode = (stream: NodeReadable, limit: number) =>
  new Promise<Uint8Array | typeof TOO_LARGE | typeof UNREADABLE>((resolve) => {
    if (stream.readableEnded === true) return resolve(EMPTY)
    const chunks: Array<Uint8Array> = []
    let size = 0
    const cleanup = () => {
      stream.removeListener("data", onData)
      stream.removeListener("end", onEnd)
      stream.removeListener("error", onError)
      stream.removeListener("close", onError)
    }
    const onData = (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk
      size += bytes.length
      if (size > limit) {
        cleanup()
        // discard the rest as it arrives, so that the answer reaches the client and the connection
        // stays usable; nothing beyond the limit is kept
        stream.resume()
        chunks.length = 0
        return resolve(TOO_LARGE)
      }
      chunks.push(bytes)
    }
    const onEnd = () => {
      cleanup()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    }
    const onError = () => {
      cleanup()
      resolve(UNREADABLE)
    }
    stream.on("data", onData)
    stream.on("end", onEnd)
    stream.on("error", onError)
    stream.on("close", onError)
  })

const fromIterable = async (body: AsyncIterable<Uint8Array>, limit: number) => {
  const iterator = body[Symbol.asyncIterator]()
  const chunks: Array<Uint8Array> = []
  let size = 0
  try {
    for (;;) {
      const next = await iterator.next()
      if (next.done === true) break
      const bytes = typeof next.value === "string" ? Buffer.from(next.value) : next.value
      size += bytes.length
      // leave the iterator where it is: returning it would tear the connection down before the answer
      if (size > limit) return TOO_LARGE
      chunks.push(bytes)
    }
  } catch {
    return UNREADABLE
  }
  return Buffer.concat(chunks, size)
}

/**
 * The body's bytes; `TOO_LARGE` as soon as a declared length or the bytes read exceed the limit.
 * A Node request without `content-length` or `transfer-encoding` has no body (HTTP/1.1).
 */
export const readBody = (
  body: BodySource | undefined,
  headers: { readonly [name: string]: string | ReadonlyArray<string> | undefined },
  limit: number
): Uint8Array | typeof TOO_LARGE | typeof UNREADABLE | Promise<Uint8Array | typeof TOO_LARGE | typeof UNREADABLE> => {
  const declared = headers["content-length"]
  const length = typeof declared === "string" ? Number(declared) : undefined
  if (length !== undefined && length > limit) return TOO_LARGE
  if (body === undefined) return EMPTY
  if (typeof body === "string") body = Buffer.from(body)
  if (body instanceof Uint8Array) return body.length > limit ? TOO_LARGE : body
  if (!isNodeReadable(body)) return fromIterable(body, limit)
  if (length === 0 || (length === undefined && headers["transfer-encoding"] === undefined)) return EMPTY
  return fromBuffer(body, limit) ?? fromNode(body, limit)
}
