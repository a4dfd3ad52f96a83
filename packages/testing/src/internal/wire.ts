/**
 * Raw HTTP for the HTTP suite: requests sent byte for byte as written (paths, headers and bodies
 * a stock client would never produce), signed by the AWS SDK v2 signer, which shares no code
 * with the server's verifier.
 */
import { createHash } from "node:crypto"
import * as http from "node:http"
import * as net from "node:net"
import { createRequire } from "node:module"

export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface RawRequest {
  readonly method: string
  /** the path and query, sent exactly as given (the endpoint's prefix is added in front) */
  readonly path: string
  readonly headers?: { readonly [name: string]: string }
  readonly body?: string | Buffer
  /** signs the request with these credentials (SigV4, service cognito-sync) */
  readonly credentials?: Credentials
  readonly region?: string
  /** the signing time; now by default */
  readonly date?: Date
  /** changes the request after it was signed */
  readonly tamper?: (request: { path: string; headers: { [name: string]: string }; body: string | Buffer }) => void
  /** sends the body in chunks, without content-length */
  readonly chunked?: boolean
}

export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  readonly json: unknown
}

const require = createRequire(import.meta.url)

/** The AWS SDK for JavaScript v2, without its maintenance-mode notice. */
export const awsV2 = (): any => {
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1"
  return require("aws-sdk")
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })

/** Signs the way the v2 SDK signs (content-type and content-length unsigned). */
const sign = (
  endpoint: URL,
  request: { method: string; path: string; headers: { [name: string]: string }; body: string | Buffer },
  credentials: Credentials,
  region: string,
  date: Date
) => {
  const AWS = awsV2()
  const signable = new AWS.HttpRequest(new AWS.Endpoint(endpoint.origin), region)
  signable.method = request.method
  signable.path = request.path
  signable.body = request.body
  signable.headers = { ...request.headers }
  const signer = new AWS.Signers.V4(signable, "cognito-sync", { signatureCache: false })
  signer.addAuthorization(new AWS.Credentials(credentials), date)
  Object.assign(request.headers, signable.headers)
}

const responseOf = (status: number, headers: http.IncomingHttpHeaders, text: string): RawResponse => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status, headers, text, json }
}

/** A request as it goes on the wire: prefixed, with its default headers, signed, then tampered with. */
export const prepare = (endpointUrl: string, raw: RawRequest) => {
  const endpoint = new URL(endpointUrl)
  const prefix = endpoint.pathname.replace(/\/+$/, "")
  const body = raw.body ?? ""
  const request = {
    method: raw.method,
    path: prefix + raw.path,
    headers: {
      Host: endpoint.host,
      "X-Amz-Content-Sha256": createHash("sha256").update(body).digest("hex"),
      ...(body.length > 0 || raw.method === "POST" ? { "Content-Type": "application/json" } : {}),
      ...(raw.chunked === true ? {} : { "Content-Length": String(Buffer.byteLength(body)) }),
      ...raw.headers
    } as { [name: string]: string },
    body
  }
  if (raw.credentials !== undefined) sign(endpoint, request, raw.credentials, raw.region ?? "us-east-1", raw.date ?? new Date())
  if (raw.tamper !== undefined) {
    raw.tamper(request)
    // a changed body keeps a truthful length: the signature is what must catch it
    if (request.headers["Content-Length"] !== undefined) request.headers["Content-Length"] = String(Buffer.byteLength(request.body))
  }
  return { endpoint, request }
}

/** Sends one request to an endpoint (`http://host:port/prefix`). */
export const send = (endpointUrl: string, raw: RawRequest): Promise<RawResponse> => {
  const { endpoint, request } = prepare(endpointUrl, raw)
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent,
      host: endpoint.hostname,
      port: endpoint.port,
      method: request.method,
      path: request.path,
      headers: request.headers,
      timeout: 10_000
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("error", reject)
      res.on("end", () => {
        resolve(responseOf(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString("utf8")))
      })
    })
    req.on("timeout", () => req.destroy(new Error(`no answer to ${request.method} ${request.path} within 10 s`)))
    req.on("error", reject)
    if (raw.chunked === true) {
      const bytes = Buffer.from(request.body)
      for (let at = 0; at < bytes.length; at += 16 * 1024) req.write(bytes.subarray(at, at + 16 * 1024))
      req.end()
    } else {
      req.end(request.body)
    }
  })
}

/** Percent-encodes a path label as the clients do (`:` becomes `%3A`). */
export const label = (value: string): string => encodeURIComponent(value)

/** A response read from raw bytes: its head, and its body once `content-length` of it arrived. */
const parsedResponse = (bytes: Buffer): RawResponse | undefined => {
  const split = bytes.indexOf("\r\n\r\n")
  if (split < 0) return undefined
  const [statusLine, ...lines] = bytes.subarray(0, split).toString("latin1").split("\r\n")
  const headers: http.IncomingHttpHeaders = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const body = bytes.subarray(split + 4)
  const length = Number(headers["content-length"] ?? Number.NaN)
  if (Number.isFinite(length) && body.length < length) return undefined
  return responseOf(Number(statusLine!.split(" ")[1]), headers, body.subarray(0, Number.isFinite(length) ? length : undefined).toString("utf8"))
}

/**
 * Writes bytes as they are to an endpoint's port and reads the response that comes back: until
 * the server closes the connection (`closed`), or, with `untilClosed: false`, until the whole
 * response arrived; 5 s at most. `undefined` when no response came.
 */
export const sendBytes = (
  endpointUrl: string,
  bytes: string | Buffer,
  options: { readonly untilClosed?: boolean } = {}
): Promise<(RawResponse & { readonly closed: boolean }) | undefined> => {
  const endpoint = new URL(endpointUrl)
  return new Promise((resolve) => {
    const socket = net.connect(Number(endpoint.port), endpoint.hostname)
    const chunks: Array<Buffer> = []
    let closed = false
    const timer = setTimeout(() => socket.destroy(), 5_000)
    const finish = () => {
      clearTimeout(timer)
      const response = parsedResponse(Buffer.concat(chunks))
      resolve(response === undefined ? undefined : { ...response, closed })
    }
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      if (options.untilClosed === false && parsedResponse(Buffer.concat(chunks)) !== undefined) {
        socket.removeAllListeners("close")
        socket.destroy()
        finish()
      }
    })
    // a server that answers before it read everything may reset the connection behind its answer
    socket.on("error", () => undefined)
    socket.on("end", () => void (closed = true))
    socket.on("close", finish)
    socket.write(bytes)
  })
}

/** The bytes of a prepared request, with extra header lines (made from its own) after its own. */
export const requestBytes = (
  endpointUrl: string,
  raw: RawRequest,
  extra: (headers: { readonly [name: string]: string }) => ReadonlyArray<readonly [string, string]> = () => []
): string => {
  const { request } = prepare(endpointUrl, raw)
  const lines = [...Object.entries(request.headers), ...extra(request.headers)].map(([name, value]) => `${name}: ${value}\r\n`).join("")
  return `${request.method} ${request.path} HTTP/1.1\r\n${lines}Connection: close\r\n\r\n${request.body.toString()}`
}
