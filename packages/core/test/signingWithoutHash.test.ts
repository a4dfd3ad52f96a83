import { createHmac } from "node:crypto"
import { describe, expect, it, vi } from "vitest"
import { hmacSha256 } from "../src/internal/signing.js"

// Node 20 before 20.12 has no crypto.hash
vi.mock("node:crypto", async (original) => ({ ...(await original<typeof import("node:crypto")>()), hash: undefined }))

describe("signing without crypto.hash", () => {
  it("computes HMAC-SHA256 with createHmac", () => {
    for (const secret of ["short", "k".repeat(100)]) {
      expect(hmacSha256(secret)("a message").toString("hex")).toBe(createHmac("sha256", secret).update("a message").digest("hex"))
    }
  })
})
