import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { exportJWK, generateKeyPair, SignJWT, jwtVerify, createLocalJWKSet } from "jose"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { Caller } from "@syncalite/core"
import { createCognitoIdentity, IdentityCredentials } from "@syncalite/identity"

// each service generates its RSA signing key, slow on a loaded machine
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 })

const secret = "a secret of sixteen+ characters"
const developerProvider = "login.example.app"

/** An OpenID Connect issuer of our own: its key set served over HTTP, its tokens signed here. */
const issuer = async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256")
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" }
  let requests = 0
  const server: Server = createServer((_, response) => {
    requests++
    response.setHeader("content-type", "application/json")
    response.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening))
  const { port } = server.address() as AddressInfo
  const sign = (claims: { sub?: string; aud?: string; iss?: string; exp?: number }, key = privateKey) =>
    new SignJWT({})
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(claims.iss ?? "https://accounts.example.com")
      .setAudience(claims.aud ?? "my-client")
      .setSubject(claims.sub ?? "alice")
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(key)
  return { jwksUrl: `http://127.0.0.1:${port}/jwks`, sign, requests: () => requests, close: () => server.close() }
}

let oidc: Awaited<ReturnType<typeof issuer>>
beforeAll(async () => {
  oidc = await issuer()
})
afterAll(() => oidc.close())

const make = () =>
  createCognitoIdentity({
    credentialsSecret: secret,
    providers: {
      "accounts.example.com": { jwksUrl: oidc.jwksUrl, audience: "my-client" },
      "graph.facebook.com": (token) => {
        if (!token.startsWith("fb:")) throw new Error("not a facebook token")
        return token.slice(3)
      },
      "down.example.com": { jwksUrl: "http://127.0.0.1:9/jwks", audience: "x" }
    }
  })

type Client = ReturnType<typeof make>

const newPool = (identity: Client, changes: { AllowUnauthenticatedIdentities?: boolean } = {}) =>
  identity.createIdentityPool({
    IdentityPoolName: "test pool",
    AllowUnauthenticatedIdentities: changes.AllowUnauthenticatedIdentities ?? true,
    DeveloperProviderName: developerProvider,
    SupportedLoginProviders: { "graph.facebook.com": "123456" },
    OpenIdConnectProviderARNs: [
      "arn:aws:iam::000000000000:oidc-provider/accounts.example.com",
      "arn:aws:iam::000000000000:oidc-provider/down.example.com"
    ]
  })

const rejection = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (error: unknown) => error as Error)
  expect(error, "expected a rejection").toBeInstanceOf(Error)
  return error!
}

describe("identity pools", () => {
  it("are created with a <region>:<uuid> id and described, updated, listed and deleted", async () => {
    const identity = make()
    const pool = await newPool(identity)
    expect(pool.IdentityPoolId).toMatch(/^us-east-1:[0-9a-f-]{36}$/)
    expect(await identity.describeIdentityPool({ IdentityPoolId: pool.IdentityPoolId })).toEqual(pool)
    const updated = await identity.updateIdentityPool({ ...pool, IdentityPoolName: "renamed" })
    expect(updated.IdentityPoolName).toBe("renamed")
    const changed = await rejection(identity.updateIdentityPool({ ...pool, DeveloperProviderName: "other" }))
    expect(changed.name).toBe("InvalidParameterException")
    const second = await newPool(identity)
    const first = await identity.listIdentityPools({ MaxResults: 1 })
    expect(first.IdentityPools).toHaveLength(1)
    const rest = await identity.listIdentityPools({ MaxResults: 60, NextToken: first.NextToken! })
    expect([...first.IdentityPools!, ...rest.IdentityPools!].map((p) => p.IdentityPoolId).sort())
      .toEqual([pool.IdentityPoolId, second.IdentityPoolId].sort())
    await identity.deleteIdentityPool({ IdentityPoolId: pool.IdentityPoolId })
    expect((await rejection(identity.describeIdentityPool({ IdentityPoolId: pool.IdentityPoolId }))).name)
      .toBe("ResourceNotFoundException")
    expect((await rejection(identity.getId({ IdentityPoolId: pool.IdentityPoolId }))).name).toBe("ResourceNotFoundException")
    await identity.close()
  })

  it("keep roles, role mappings, tags and principal-tag maps", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const Roles = { authenticated: "arn:aws:iam::000000000000:role/auth", unauthenticated: "arn:aws:iam::000000000000:role/unauth" }
    const RoleMappings = { "graph.facebook.com": { Type: "Token" as const, AmbiguousRoleResolution: "Deny" as const } }
    await identity.setIdentityPoolRoles({ IdentityPoolId: pool.IdentityPoolId, Roles, RoleMappings })
    expect(await identity.getIdentityPoolRoles({ IdentityPoolId: pool.IdentityPoolId }))
      .toEqual({ IdentityPoolId: pool.IdentityPoolId, Roles, RoleMappings })
    const ambiguous = await rejection(identity.setIdentityPoolRoles({
      IdentityPoolId: pool.IdentityPoolId,
      Roles,
      RoleMappings: { "graph.facebook.com": { Type: "Token" } }
    }))
    expect(ambiguous.name).toBe("InvalidParameterException")

    const ResourceArn = `arn:aws:cognito-identity:us-east-1:000000000000:identitypool/${pool.IdentityPoolId}`
    await identity.tagResource({ ResourceArn, Tags: { team: "sync", stage: "dev" } })
    await identity.untagResource({ ResourceArn, TagKeys: ["stage"] })
    expect(await identity.listTagsForResource({ ResourceArn })).toEqual({ Tags: { team: "sync" } })
    expect((await rejection(identity.listTagsForResource({ ResourceArn: "arn:aws:s3:::not-a-pool-at-all" }))).name)
      .toBe("InvalidParameterException")

    expect(await identity.getPrincipalTagAttributeMap({ IdentityPoolId: pool.IdentityPoolId, IdentityProviderName: "graph.facebook.com" }))
      .toMatchObject({ UseDefaults: true, PrincipalTags: {} })
    await identity.setPrincipalTagAttributeMap({
      IdentityPoolId: pool.IdentityPoolId,
      IdentityProviderName: "graph.facebook.com",
      UseDefaults: false,
      PrincipalTags: { user: "sub" }
    })
    expect(await identity.getPrincipalTagAttributeMap({ IdentityPoolId: pool.IdentityPoolId, IdentityProviderName: "graph.facebook.com" }))
      .toMatchObject({ UseDefaults: false, PrincipalTags: { user: "sub" } })
    // none of it shows in the pool's own description
    expect(await identity.describeIdentityPool({ IdentityPoolId: pool.IdentityPoolId })).toEqual({ ...pool, IdentityPoolTags: { team: "sync" } })
    await identity.close()
  })

  it("are refused to identity callers and to developers limited to other pools", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const asIdentity = Caller.identity(pool.IdentityPoolId, "us-east-1:0000aaaa")
    expect((await rejection(identity.describeIdentityPool({ IdentityPoolId: pool.IdentityPoolId }, asIdentity))).name)
      .toBe("NotAuthorizedException")
    const elsewhere = Caller.developer("123", ["us-east-1:00000000-0000-0000-0000-000000000000"])
    expect((await rejection(identity.describeIdentityPool({ IdentityPoolId: pool.IdentityPoolId }, elsewhere))).name)
      .toBe("NotAuthorizedException")
    expect((await identity.listIdentityPools({ MaxResults: 60 }, elsewhere)).IdentityPools).toEqual([])
    await identity.close()
  })
})

describe("GetId and GetCredentialsForIdentity", () => {
  it("an unauthenticated device gets an identity and credentials the HTTP layer verifies, for one hour", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const { IdentityId } = await identity.getId({ IdentityPoolId: pool.IdentityPoolId })
    expect(IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/)
    const before = Date.now()
    const answer = await identity.getCredentialsForIdentity({ IdentityId: IdentityId! })
    expect(answer.IdentityId).toBe(IdentityId)
    const verified = IdentityCredentials.verify(secret, answer.Credentials!.SessionToken!, Date.now())
    expect(verified).toMatchObject({
      identityPoolId: pool.IdentityPoolId,
      identityId: IdentityId,
      accessKeyId: answer.Credentials!.AccessKeyId,
      secretAccessKey: answer.Credentials!.SecretKey
    })
    const lifetime = answer.Credentials!.Expiration!.getTime() - before
    expect(lifetime).toBeGreaterThan(3590_000)
    expect(lifetime).toBeLessThanOrEqual(3601_000)
    await identity.close()
  })

  it("a pool that forbids unauthenticated identities refuses GetId and credentials without logins", async () => {
    const identity = make()
    const pool = await newPool(identity, { AllowUnauthenticatedIdentities: false })
    const refused = await rejection(identity.getId({ IdentityPoolId: pool.IdentityPoolId }))
    expect(refused.name).toBe("NotAuthorizedException")
    expect((await identity.listIdentities({ IdentityPoolId: pool.IdentityPoolId, MaxResults: 60 })).Identities).toEqual([])
    await identity.close()
  })

  it("a login gets the same identity every time, created on first use; racing first calls get one", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const Logins = { "graph.facebook.com": "fb:alice" }
    const ids = await Promise.all(Array.from({ length: 8 }, () => identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins })))
    expect(new Set(ids.map((answer) => answer.IdentityId)).size).toBe(1)
    const listed = await identity.listIdentities({ IdentityPoolId: pool.IdentityPoolId, MaxResults: 60 })
    expect(listed.Identities?.map((described) => [described.IdentityId, described.Logins]))
      .toEqual([[ids[0]!.IdentityId, ["graph.facebook.com"]]])
    await identity.close()
  })

  it("an authenticated identity gets credentials with one of its logins only", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const { IdentityId } = await identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins: { "graph.facebook.com": "fb:alice" } })
    const own = await identity.getCredentialsForIdentity({ IdentityId: IdentityId!, Logins: { "graph.facebook.com": "fb:alice" } })
    expect(own.IdentityId).toBe(IdentityId)
    const bare = await rejection(identity.getCredentialsForIdentity({ IdentityId: IdentityId! }))
    expect(bare.name).toBe("NotAuthorizedException")
    // bob's login is valid, but not alice's identity's: bob does not get alice's credentials
    await identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins: { "graph.facebook.com": "fb:bob" } })
    const other = await rejection(identity.getCredentialsForIdentity({ IdentityId: IdentityId!, Logins: { "graph.facebook.com": "fb:bob" } }))
    expect(other.name).toBe("NotAuthorizedException")
    await identity.close()
  })

  it("an unknown, malformed, unlinked-and-disabled identity is refused with the model's errors", async () => {
    const identity = make()
    const pool = await newPool(identity, { AllowUnauthenticatedIdentities: false })
    const unknown = await rejection(identity.getCredentialsForIdentity({ IdentityId: "us-east-1:00000000-0000-0000-0000-000000000000" }))
    expect(unknown.name).toBe("ResourceNotFoundException")
    const malformed = await rejection(identity.getCredentialsForIdentity({ IdentityId: "not an id" }))
    expect(malformed.name).toBe("InvalidParameterException")
    expect(malformed.message).toBe(
      "1 validation error detected: Value 'not an id' at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
    )
    const { IdentityId, Token } = await identity.getOpenIdTokenForDeveloperIdentity({
      IdentityPoolId: pool.IdentityPoolId,
      Logins: { [developerProvider]: "user-1" }
    })
    await identity.unlinkDeveloperIdentity({
      IdentityId: IdentityId!,
      IdentityPoolId: pool.IdentityPoolId,
      DeveloperProviderName: developerProvider,
      DeveloperUserIdentifier: "user-1"
    })
    const disabled = await rejection(identity.getCredentialsForIdentity({ IdentityId: IdentityId!, Logins: { "cognito-identity.amazonaws.com": Token! } }))
    expect(disabled.name).toBe("NotAuthorizedException")
    expect((await identity.listIdentities({ IdentityPoolId: pool.IdentityPoolId, MaxResults: 60, HideDisabled: true })).Identities).toEqual([])
    await identity.close()
  })

  it("a login of a provider the pool does not name, or a token its verification refuses, is NotAuthorizedException", async () => {
    const identity = make()
    const pool = await newPool(identity)
    for (const Logins of [{ "accounts.google.com": "x" }, { "graph.facebook.com": "forged" }, { [developerProvider]: "user-1" }]) {
      const refused = await rejection(identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins }))
      expect(refused.name, JSON.stringify(Logins)).toBe("NotAuthorizedException")
    }
    expect((await identity.listIdentities({ IdentityPoolId: pool.IdentityPoolId, MaxResults: 60 })).Identities).toEqual([])
    await identity.close()
  })
})

describe("OpenID Connect logins", () => {
  it("a token of the configured issuer is verified against its key set; forged, expired, wrong-audience or wrong-issuer ones are refused", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const login = (token: string) => identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins: { "accounts.example.com": token } })
    const first = await login(await oidc.sign({ sub: "carol" }))
    const again = await login(await oidc.sign({ sub: "carol" }))
    expect(again.IdentityId).toBe(first.IdentityId)
    const { privateKey: stranger } = await generateKeyPair("RS256")
    const bad = [
      await oidc.sign({ sub: "carol" }, stranger),
      await oidc.sign({ sub: "carol", exp: Math.floor(Date.now() / 1000) - 60 }),
      await oidc.sign({ sub: "carol", aud: "another-client" }),
      await oidc.sign({ sub: "carol", iss: "https://evil.example.com" }),
      "not.a.jwt"
    ]
    for (const token of bad) expect((await rejection(login(token))).name).toBe("NotAuthorizedException")
    expect((await identity.listIdentities({ IdentityPoolId: pool.IdentityPoolId, MaxResults: 60 })).Identities).toHaveLength(1)
    await identity.close()
  })

  it("an issuer whose key set cannot be fetched is ExternalServiceException", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const token = await oidc.sign({ sub: "dave" })
    const failed = await rejection(identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins: { "down.example.com": token } }))
    expect(failed.name).toBe("ExternalServiceException")
    await identity.close()
  })
})

describe("OpenID tokens", () => {
  it("GetOpenIdToken is a JWT of the server's key set for the identity and pool, the cognito-identity.amazonaws.com login after", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const { IdentityId } = await identity.getId({ IdentityPoolId: pool.IdentityPoolId })
    const { Token } = await identity.getOpenIdToken({ IdentityId: IdentityId! })
    const { payload, protectedHeader } = await jwtVerify(Token!, createLocalJWKSet(await identity.jwks() as never), {
      issuer: "https://cognito-identity.amazonaws.com",
      audience: pool.IdentityPoolId
    })
    expect(payload.sub).toBe(IdentityId)
    expect(payload.amr).toEqual(["unauthenticated"])
    expect(protectedHeader.alg).toBe("RS512")
    expect(payload.exp! - payload.iat!).toBe(600)
    const answer = await identity.getCredentialsForIdentity({ IdentityId: IdentityId!, Logins: { "cognito-identity.amazonaws.com": Token! } })
    expect(answer.IdentityId).toBe(IdentityId)
    await identity.close()
  })

  it("a token of one pool is refused on another, and a token signed by another server is refused", async () => {
    const identity = make()
    const [a, b] = [await newPool(identity), await newPool(identity)]
    const { IdentityId, Token } = await identity.getOpenIdTokenForDeveloperIdentity({
      IdentityPoolId: a.IdentityPoolId,
      Logins: { [developerProvider]: "user-1" }
    })
    const onB = await rejection(identity.getId({ IdentityPoolId: b.IdentityPoolId, Logins: { "cognito-identity.amazonaws.com": Token! } }))
    expect(onB.name).toBe("NotAuthorizedException")
    const otherServer = make()
    const foreign = await otherServer.getOpenIdTokenForDeveloperIdentity({
      IdentityPoolId: (await newPool(otherServer)).IdentityPoolId,
      Logins: { [developerProvider]: "user-1" }
    })
    const forged = await rejection(identity.getCredentialsForIdentity({
      IdentityId: IdentityId!,
      Logins: { "cognito-identity.amazonaws.com": foreign.Token! }
    }))
    expect(forged.name).toBe("NotAuthorizedException")
    await Promise.all([identity.close(), otherServer.close()])
  })
})

describe("developer-authenticated identities", () => {
  it("the same user gets the same identity; Lookup finds it both ways; TokenDuration sets the token's life", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const Logins = { [developerProvider]: "user-1" }
    const first = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, Logins, TokenDuration: 120 })
    const second = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, Logins })
    expect(second.IdentityId).toBe(first.IdentityId)
    const { payload } = await jwtVerify(first.Token!, createLocalJWKSet(await identity.jwks() as never))
    expect(payload.exp! - payload.iat!).toBe(120)
    expect(payload.amr).toEqual(["authenticated", developerProvider])
    expect(await identity.lookupDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, DeveloperUserIdentifier: "user-1" }))
      .toEqual({ IdentityId: first.IdentityId, DeveloperUserIdentifierList: ["user-1"] })
    expect(await identity.lookupDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, IdentityId: first.IdentityId! }))
      .toEqual({ IdentityId: first.IdentityId, DeveloperUserIdentifierList: ["user-1"] })
    const neither = await rejection(identity.lookupDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId }))
    expect(neither.name).toBe("InvalidParameterException")
    const unknown = await rejection(identity.lookupDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, DeveloperUserIdentifier: "nobody" }))
    expect(unknown.name).toBe("ResourceNotFoundException")
    // a device with the token gets the identity's credentials
    const device = await identity.getCredentialsForIdentity({ IdentityId: first.IdentityId!, Logins: { "cognito-identity.amazonaws.com": first.Token! } })
    expect(device.IdentityId).toBe(first.IdentityId)
    await identity.close()
  })

  it("a user linked to another identity cannot be linked to a given authenticated one", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const one = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, Logins: { [developerProvider]: "u1" } })
    const two = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, Logins: { [developerProvider]: "u2" } })
    const taken = await rejection(identity.getOpenIdTokenForDeveloperIdentity({
      IdentityPoolId: pool.IdentityPoolId,
      IdentityId: two.IdentityId!,
      Logins: { [developerProvider]: "u1" }
    }))
    expect(taken.name).toBe("DeveloperUserAlreadyRegisteredException")
    expect((await identity.lookupDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, DeveloperUserIdentifier: "u1" })).IdentityId)
      .toBe(one.IdentityId)
    await identity.close()
  })

  it("MergeDeveloperIdentities: the destination survives with the source's users; the source is gone", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const source = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, Logins: { [developerProvider]: "src" } })
    const destination = await identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, Logins: { [developerProvider]: "dst" } })
    const merged = await identity.mergeDeveloperIdentities({
      IdentityPoolId: pool.IdentityPoolId,
      DeveloperProviderName: developerProvider,
      SourceUserIdentifier: "src",
      DestinationUserIdentifier: "dst"
    })
    expect(merged.IdentityId).toBe(destination.IdentityId)
    expect((await identity.lookupDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, DeveloperUserIdentifier: "src" })).IdentityId)
      .toBe(destination.IdentityId)
    expect((await rejection(identity.describeIdentity({ IdentityId: source.IdentityId! }))).name).toBe("ResourceNotFoundException")
    const wrongProvider = await rejection(identity.mergeDeveloperIdentities({
      IdentityPoolId: pool.IdentityPoolId,
      DeveloperProviderName: "someone.else",
      SourceUserIdentifier: "src",
      DestinationUserIdentifier: "dst"
    }))
    expect(wrongProvider.name).toBe("InvalidParameterException")
    await identity.close()
  })

  it("an unauthenticated identity that logs in with another identity's login merges into it", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const { IdentityId: alice } = await identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins: { "graph.facebook.com": "fb:alice" } })
    const { IdentityId: guest } = await identity.getId({ IdentityPoolId: pool.IdentityPoolId })
    const answer = await identity.getCredentialsForIdentity({ IdentityId: guest!, Logins: { "graph.facebook.com": "fb:alice" } })
    expect(answer.IdentityId).toBe(alice)
    expect((await rejection(identity.describeIdentity({ IdentityId: guest! }))).name).toBe("ResourceNotFoundException")
    await identity.close()
  })

  it("an unauthenticated identity that logs in with a new login becomes authenticated; UnlinkIdentity takes it back", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const { IdentityId } = await identity.getId({ IdentityPoolId: pool.IdentityPoolId })
    const Logins = { "graph.facebook.com": "fb:erin" }
    expect((await identity.getCredentialsForIdentity({ IdentityId: IdentityId!, Logins })).IdentityId).toBe(IdentityId)
    expect((await identity.describeIdentity({ IdentityId: IdentityId! })).Logins).toEqual(["graph.facebook.com"])
    expect((await identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins })).IdentityId).toBe(IdentityId)
    await identity.unlinkIdentity({ IdentityId: IdentityId!, Logins, LoginsToRemove: ["graph.facebook.com"] })
    expect((await identity.describeIdentity({ IdentityId: IdentityId! })).Logins).toEqual([])
    expect((await identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins })).IdentityId).not.toBe(IdentityId)
    await identity.close()
  })

  it("DeleteIdentities removes identities and their links", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const { IdentityId } = await identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins: { "graph.facebook.com": "fb:frank" } })
    expect(await identity.deleteIdentities({ IdentityIdsToDelete: [IdentityId!] })).toEqual({ UnprocessedIdentityIds: [] })
    expect((await rejection(identity.describeIdentity({ IdentityId: IdentityId! }))).name).toBe("ResourceNotFoundException")
    const again = await identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins: { "graph.facebook.com": "fb:frank" } })
    expect(again.IdentityId).not.toBe(IdentityId)
    await identity.close()
  })
})

describe("input validation", () => {
  it("every operation refuses a malformed input with InvalidParameterException and changes nothing", async () => {
    const identity = make()
    const pool = await newPool(identity)
    const calls: ReadonlyArray<readonly [string, Promise<unknown>]> = [
      ["createIdentityPool", identity.createIdentityPool({ IdentityPoolName: "bad/name", AllowUnauthenticatedIdentities: true })],
      ["getId", identity.getId({ IdentityPoolId: "nope" })],
      ["getId logins", identity.getId({ IdentityPoolId: pool.IdentityPoolId, Logins: { "graph.facebook.com": "" } })],
      ["listIdentities", identity.listIdentities({ IdentityPoolId: pool.IdentityPoolId, MaxResults: 61 })],
      ["listIdentityPools", identity.listIdentityPools({ MaxResults: 0 })],
      ["deleteIdentities", identity.deleteIdentities({ IdentityIdsToDelete: [] })],
      ["tokenDuration", identity.getOpenIdTokenForDeveloperIdentity({ IdentityPoolId: pool.IdentityPoolId, Logins: { [developerProvider]: "u" }, TokenDuration: 86401 })],
      ["nextToken", identity.listIdentities({ IdentityPoolId: pool.IdentityPoolId, MaxResults: 10, NextToken: "forged" })],
      ["roles", identity.setIdentityPoolRoles({ IdentityPoolId: pool.IdentityPoolId, Roles: { admin: "arn:aws:iam::000000000000:role/x" } })],
      ["not an object", identity.describeIdentity(42 as never)]
    ]
    for (const [name, call] of calls) expect((await rejection(call)).name, name).toBe("InvalidParameterException")
    expect((await identity.listIdentities({ IdentityPoolId: pool.IdentityPoolId, MaxResults: 60 })).Identities).toEqual([])
    expect((await identity.listIdentityPools({ MaxResults: 60 })).IdentityPools).toHaveLength(1)
    await identity.close()
  })
})
