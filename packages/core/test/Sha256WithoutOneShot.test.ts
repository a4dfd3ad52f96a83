import { createHash, createHmac } from "node:crypto"
import { describe, expect, it, vi } from "vitest"
import { Sha256 } from "@syncalite/core"

// Node 20 before 20.12 has no crypto.hash
vi.mock("node:crypto", async (original) => ({ ...(await original<typeof import("node:crypto")>()), hash: undefined }))

describe("Sha256 without crypto.hash", () => {
  it("hashes and computes HMAC-SHA256 with node's hash objects", () => {
    expect(Sha256.hash("a message").toString("hex")).toBe(createHash("sha256").update("a message").digest("hex"))
    expect(Sha256.hashHex("a message")).toBe(createHash("sha256").update("a message").digest("hex"))
    for (const key of ["short", "k".repeat(100)]) {
      expect(Sha256.hmac(key)("a message").toString("hex")).toBe(createHmac("sha256", key).update("a message").digest("hex"))
      expect(Sha256.hmacText(key, "base64url")("a message")).toBe(createHmac("sha256", key).update("a message").digest("base64url"))
    }
  })
})
