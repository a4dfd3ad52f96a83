import { describe, expect, it } from "vitest"
import { IdentityCredentials } from "@syncalite/identity"

const { issueIdentityCredentials } = IdentityCredentials

const secret = "a secret of sixteen+ characters"
const ids = { identityPoolId: "us-east-1:0e1a2b3c", identityId: "us-east-1:0000aaaa" }

describe("IdentityCredentials", () => {
  it("issues credentials shaped like AWS temporary credentials, verified by anyone with the secret", () => {
    const now = Date.UTC(2025, 0, 1)
    const credentials = issueIdentityCredentials({ secret, ...ids, ttlSeconds: 900, now })
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(credentials.secretAccessKey).toHaveLength(40)
    expect(credentials.expiration).toEqual(new Date(now + 900_000))
    expect(IdentityCredentials.verify(secret, credentials.sessionToken, now + 899_000)).toEqual({
      ...ids,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      expiration: credentials.expiration
    })
  })

  it("verifies what an earlier build issued, to the same keys", () => {
    // issued for us-east-1:aa / us-east-1:01 at 1700000000000 for 60 s by a build that used createHmac
    const token = "syncalite1.WyJ1cy1lYXN0LTE6YWEiLCJ1cy1lYXN0LTE6MDEiLDE3MDAwMDAwNjAsImpYVGg5bWVpZ3NwdiJd.iASleQQoPAh_yenWyiWetkdtM6usxh0ZXbxGSvmFGeE"
    expect(IdentityCredentials.verify("a secret of sixteen+ chars", token, 1_700_000_000_000)).toEqual({
      identityPoolId: "us-east-1:aa",
      identityId: "us-east-1:01",
      expiration: new Date("2023-11-14T22:14:20.000Z"),
      accessKeyId: "ASIAKFGXX57BFMXLWP7B",
      secretAccessKey: "AzeOP8vkLmQs26zAZGW0qg9LJtwUKrcD5aXsUKJ5"
    })
  })

  it("refuses expired, forged and foreign tokens", () => {
    const now = Date.UTC(2025, 0, 1)
    const { sessionToken } = issueIdentityCredentials({ secret, ...ids, ttlSeconds: 60, now })
    expect(IdentityCredentials.verify(secret, sessionToken, now + 60_000)).toBeUndefined()
    expect(IdentityCredentials.verify("another secret, sixteen+", sessionToken, now)).toBeUndefined()
    const [prefix, body, mac] = sessionToken.split(".")
    const forged = Buffer.from(JSON.stringify(["us-east-1:0e1a2b3c", "us-east-1:0000bbbb", 9e9, "x"])).toString("base64url")
    expect(IdentityCredentials.verify(secret, `${prefix}.${forged}.${mac}`, now)).toBeUndefined()
    expect(IdentityCredentials.verify(secret, `${prefix}.${body}.${mac!.slice(1)}`, now)).toBeUndefined()
    expect(IdentityCredentials.verify(secret, "", now)).toBeUndefined()
    expect(IdentityCredentials.verify(secret, "x".repeat(5000), now)).toBeUndefined()
  })

  it("accepts one spelling of a session token only, not another one of the same bytes", () => {
    const now = Date.UTC(2025, 0, 1)
    const { sessionToken } = issueIdentityCredentials({ secret, ...ids, now })
    const [prefix, body, mac] = sessionToken.split(".") as [string, string, string]
    expect(IdentityCredentials.verify(secret, sessionToken, now)).toMatchObject(ids)
    const standard = Buffer.from(mac, "base64url").toString("base64")
    for (const respelled of [`${sessionToken}=`, `${sessionToken}!!`, `${prefix}.${body}.${standard}`, `${prefix}.${body}.${standard.replace(/=+$/, "")}%`]) {
      expect(IdentityCredentials.verify(secret, respelled, now)).toBeUndefined()
    }
  })

  it("gives every issue its own keys", () => {
    const a = issueIdentityCredentials({ secret, ...ids })
    const b = issueIdentityCredentials({ secret, ...ids })
    expect(a.accessKeyId).not.toBe(b.accessKeyId)
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey)
  })

  it("refuses a short secret, malformed ids and a lifetime that is not positive", () => {
    expect(() => issueIdentityCredentials({ secret: "short", ...ids })).toThrow(/at least 16 characters/)
    expect(() => issueIdentityCredentials({ secret, ...ids, identityId: "no-colon" })).toThrow(/identityId/)
    expect(() => issueIdentityCredentials({ secret, ...ids, identityPoolId: "us-east-1:XYZ" })).toThrow(/identityPoolId/)
    expect(() => issueIdentityCredentials({ secret, ...ids, ttlSeconds: 0 })).toThrow(/ttlSeconds/)
  })
})
