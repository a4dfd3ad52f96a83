import * as http from "node:http"
import * as net from "node:net"
import { once } from "node:events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readBody, TOO_LARGE } from "../src/internal/body.js"

const LIMIT = 64

/** A server answering each request with what `readBody` read of it, after `defer` when given. */
const reading = (defer: (handle: () => void) => void) =>
  http.createServer((req, res) => {
    defer(async () => {
      const read = await readBody(req, req.headers, LIMIT)
      res.end(read === TOO_LARGE ? "too large" : typeof read === "string" ? read : `read:${Buffer.from(read).toString()}`)
    })
  })

/** Sends `parts` of one request on a fresh connection, `pause` ms apart, and answers the response's body. */
const exchange = async (port: number, parts: ReadonlyArray<string>, pause: number): Promise<string> => {
  const socket = net.connect(port, "127.0.0.1")
  await once(socket, "connect")
  let answer = ""
  socket.on("data", (chunk: Buffer) => void (answer += chunk.toString()))
  for (const [i, part] of parts.entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, pause))
    socket.write(part)
  }
  await new Promise<void>((resolve) => {
    const check = () => (/\r\n\r\n[\s\S]*\S$/.test(answer) ? resolve() : setTimeout(check, 5))
    check()
  })
  socket.destroy()
  return answer.slice(answer.indexOf("\r\n\r\n") + 4)
}

const head = (headers: string) => `POST / HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`

describe.each([
  ["read once the message is whole", (handle: () => void) => void setImmediate(handle)],
  ["read as it arrives", (handle: () => void) => handle()]
])("readBody, a Node request %s", (_, defer) => {
  const server = reading(defer)
  let port = 0
  beforeAll(async () => {
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    port = (server.address() as net.AddressInfo).port
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it("reads a body sent with its headers", async () => {
    expect(await exchange(port, [`${head("Content-Length: 5\r\n")}hello`], 0)).toBe("read:hello")
  })

  it("reads a body whose second half comes later", async () => {
    expect(await exchange(port, [`${head("Content-Length: 10\r\n")}hello`, "world"], 30)).toBe("read:helloworld")
  })

  it("reads a chunked body, whole or in parts", async () => {
    const chunked = head("Transfer-Encoding: chunked\r\n")
    expect(await exchange(port, [`${chunked}5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n`], 0)).toBe("read:helloworld")
    expect(await exchange(port, [`${chunked}5\r\nhello\r\n`, "5\r\nworld\r\n0\r\n\r\n"], 30)).toBe("read:helloworld")
  })

  it("refuses a chunked body over the limit", async () => {
    const chunk = "x".repeat(LIMIT + 1)
    const body = `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`
    expect(await exchange(port, [`${head("Transfer-Encoding: chunked\r\n")}${body}`], 0)).toBe("too large")
  })
})
