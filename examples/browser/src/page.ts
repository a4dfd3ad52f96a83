/**
 * The page: identity credentials from the application's login (`POST /demo/credentials` here),
 * a device registered and subscribed to the dataset with requests signed by
 * `@smithy/signature-v4`, then the device's events URL presigned the same way and opened with an
 * `EventSource`, each change shown as it comes. When the stream drops, a new URL is presigned
 * with the last event id read (credentials renewed first when they are about to expire), so the
 * page keeps listening past the URL's expiry and misses nothing within the replay window.
 */
/// <reference lib="dom" />
import { SignatureV4 } from "@smithy/signature-v4"
import type { SourceData } from "@smithy/types"

const bytes = (data: SourceData): Uint8Array<ArrayBuffer> =>
  typeof data === "string"
    ? new TextEncoder().encode(data)
    : ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer)
    : new Uint8Array(data as ArrayBuffer)

/** SHA-256 and HMAC-SHA-256 on WebCrypto, as the signer wants them. */
class WebCryptoSha256 {
  private readonly chunks: Array<Uint8Array<ArrayBuffer>> = []
  constructor(private readonly secret?: SourceData) {}
  update(data: SourceData): void {
    this.chunks.push(bytes(data))
  }
  async digest(): Promise<Uint8Array> {
    const data = new Uint8Array(await new Blob(this.chunks).arrayBuffer())
    if (this.secret === undefined) return new Uint8Array(await crypto.subtle.digest("SHA-256", data))
    const key = await crypto.subtle.importKey("raw", bytes(this.secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, data))
  }
}

interface Demo {
  readonly identityPoolId: string
  readonly identityId: string
  readonly dataset: string
  readonly region: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string
  readonly expiration: string
}

const show = (text: string) => void (document.getElementById("status")!.textContent = text)

/** Credentials of the page's identity, the same one each time (the login's session cookie). */
const login = async (): Promise<Demo> => {
  const response = await fetch("/demo/credentials", { method: "POST" })
  if (!response.ok) throw new Error(`credentials: ${response.status} ${await response.text()}`)
  return response.json() as Promise<Demo>
}

/** How long a presigned events URL stays valid: `?expires=<seconds>` on the page, 900 by default. */
const expiresIn = Number(new URLSearchParams(location.search).get("expires")) || 900

const main = async () => {
  let demo = await login()
  // credentials that would expire while a request is signed and sent are renewed first
  const credentials = async () => {
    if (Date.parse(demo.expiration) - Date.now() < 60_000) demo = await login()
    return { accessKeyId: demo.accessKeyId, secretAccessKey: demo.secretAccessKey, sessionToken: demo.sessionToken }
  }
  const signer = new SignatureV4({ service: "cognito-sync", region: demo.region, credentials, sha256: WebCryptoSha256 })
  const request = (method: string, path: string, body?: unknown, query: Record<string, string> = {}) => ({
    method,
    protocol: location.protocol,
    hostname: location.hostname,
    port: Number(location.port),
    path,
    query,
    headers: { host: location.host, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const call = async (method: string, path: string, body?: unknown) => {
    const signed = await signer.sign(request(method, path, body))
    const { host: _host, ...headers } = signed.headers
    const response = await fetch(path, { method, headers, ...(signed.body === undefined ? {} : { body: signed.body as string }) })
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.json()
  }
  const pool = encodeURIComponent(demo.identityPoolId)
  const identity = encodeURIComponent(demo.identityId)
  const dataset = `/identitypools/${pool}/identities/${identity}/datasets/${demo.dataset}`

  const { DeviceId } = await call("POST", `/identitypools/${pool}/identity/${identity}/device`, { Platform: "GCM", Token: crypto.randomUUID() })
  // a dataset must exist to be subscribed to
  const listed = await call("GET", `${dataset}/records`)
  if (listed.DatasetSyncCount === 0) {
    await call("POST", dataset, {
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "opened", Value: new Date().toISOString(), SyncCount: 0 }]
    })
  }
  await call("POST", `${dataset}/subscriptions/${DeviceId}`)

  const events = `/identitypools/${pool}/identity/${identity}/device/${DeviceId}/events`
  const list = document.getElementById("changes")!
  document.body.dataset.identityId = demo.identityId
  document.body.dataset.identityPoolId = demo.identityPoolId
  document.body.dataset.dataset = demo.dataset
  let lastEventId: string | undefined
  let connections = 0
  let failures = 0

  // EventSource would reconnect with the URL it was given, whose signature expires: each
  // connection presigns a new one, with the last event id read, so that nothing is missed
  const connect = async () => {
    const query: Record<string, string> = lastEventId === undefined ? {} : { LastEventId: lastEventId }
    const presigned = await signer.presign(request("GET", events, undefined, query), { expiresIn })
    const source = new EventSource(`${events}?${new URLSearchParams(presigned.query as Record<string, string>)}`)
    source.addEventListener("open", () => {
      failures = 0
      document.body.dataset.connections = String(++connections)
      show("listening")
    })
    source.addEventListener("sync", (event) => {
      lastEventId = event.lastEventId
      const item = document.createElement("li")
      item.dataset.id = event.lastEventId
      item.textContent = event.data
      list.append(item)
    })
    source.addEventListener("error", () => {
      source.close()
      show("reconnecting")
      setTimeout(reconnect, Math.min(1000 * 2 ** failures++, 30_000))
    })
  }
  const reconnect = () => void connect().catch(() => setTimeout(reconnect, Math.min(1000 * 2 ** failures++, 30_000)))
  await connect()
}

main().catch((error: unknown) => show(`failed: ${String(error)}`))
