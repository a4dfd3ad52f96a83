import { createHash, createHmac } from "node:crypto"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Sha256 } from "@syncalite/core"
import { seal, unseal } from "../src/internal/signing.js"

const data = fc.oneof(fc.string({ unit: "grapheme", maxLength: 300 }), fc.uint8Array({ maxLength: 300 }))

describe("Sha256", () => {
  it("hashes as node:crypto does", () => {
    fc.assert(
      fc.property(data, (input) => {
        const expected = createHash("sha256").update(input).digest("hex")
        expect(Sha256.hash(input).toString("hex")).toBe(expected)
        expect(Sha256.hashHex(input)).toBe(expected)
      }),
      { numRuns: 300 }
    )
  })

  it("computes HMAC-SHA256 as node:crypto does, for keys shorter and longer than a block", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "grapheme", maxLength: 100 }), fc.uint8Array({ maxLength: 200 })),
        fc.array(data, { minLength: 1, maxLength: 4 }),
        (key, messages) => {
          const mac = Sha256.hmac(key)
          const base64url = Sha256.hmacText(key, "base64url")
          for (const message of messages) {
            const expected = createHmac("sha256", key).update(message).digest()
            expect(mac(message).toString("hex")).toBe(expected.toString("hex"))
            expect(base64url(message)).toBe(expected.toString("base64url"))
          }
        }
      ),
      { numRuns: 500 }
    )
  })

  it("computes the MAC of messages longer than a key's own buffer, and of short ones after them", () => {
    const mac = Sha256.hmacText("a key", "hex")
    for (const message of ["é".repeat(3000), "short", Buffer.alloc(5000, 7), "x".repeat(1024)]) {
      expect(mac(message)).toBe(createHmac("sha256", "a key").update(message).digest("hex"))
    }
  })

  it("matches the RFC 4231 test vectors", () => {
    expect(Sha256.hmac(Buffer.alloc(20, 0x0b))("Hi There").toString("hex")).toBe(
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    )
    expect(Sha256.hmac(Buffer.alloc(131, 0xaa))("Test Using Larger Than Block-Size Key - Hash Key First").toString("hex")).toBe(
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    )
  })

  it("seals and opens with the same secret only, whichever secret was used last", () => {
    const a = seal("first secret, 16+ chars", ["payload", 1])
    const b = seal("second secret, 16+ chars", ["payload", 2])
    expect(unseal("first secret, 16+ chars", a)).toEqual(["payload", 1])
    expect(unseal("second secret, 16+ chars", b)).toEqual(["payload", 2])
    expect(unseal("second secret, 16+ chars", a)).toBeUndefined()
    expect(unseal("first secret, 16+ chars", b)).toBeUndefined()
  })
})
