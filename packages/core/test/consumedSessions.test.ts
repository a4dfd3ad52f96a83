import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as SyncSessionToken from "../src/SyncSessionToken.js"
import type { ConsumedSessions, SyncSession } from "../src/SyncSessionToken.js"

const CAP = 64

/** The rules read plainly: the list in the order consumed, each check reading every entry. */
const reference = {
  consumption: (consumed: ConsumedSessions, session: SyncSession) =>
    consumed.sessions.some((other) => other.id === session.id && other.expiresAt === session.expiresAt)
      ? "Consumed"
      : session.expiresAt <= consumed.floor
      ? "Forgotten"
      : undefined,
  consume: (consumed: ConsumedSessions, session: SyncSession, now: number): ConsumedSessions => {
    const sessions = [...consumed.sessions.filter((other) => other.expiresAt > now), session]
    let floor = consumed.floor
    while (sessions.length > CAP) {
      const oldest = sessions.reduce((at, other, i) => (other.expiresAt < sessions[at]!.expiresAt ? i : at), 0)
      floor = Math.max(floor, sessions[oldest]!.expiresAt)
      sessions.splice(oldest, 1)
    }
    return { floor, sessions }
  }
}

/** Writes at a clock moving forward, each consuming a session that expires within a few ticks of the others, in any order. */
const writes = fc.array(
  fc.record({ advance: fc.nat(3), lifetime: fc.integer({ min: 1, max: 40 }), id: fc.nat(5) }),
  { minLength: 1, maxLength: 300 }
)

/** The same sessions as a store may hand them back: a plain object, in the order given. */
const asStored = (consumed: ConsumedSessions, order: (sessions: Array<SyncSession>) => Array<SyncSession>): ConsumedSessions => ({
  floor: consumed.floor,
  sessions: order(consumed.sessions.map((session) => ({ ...session })))
})

const sameSessions = (actual: ConsumedSessions, expected: ConsumedSessions) => {
  expect(actual.floor).toBe(expected.floor)
  const byExpiry = (sessions: ReadonlyArray<SyncSession>) =>
    [...sessions].sort((a, b) => a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  expect(byExpiry(actual.sessions)).toEqual(byExpiry(expected.sessions))
}

describe("consumed sessions", () => {
  it("are consumed, pruned and checked as the plain rules do, in expiry order or as a store kept them", () => {
    fc.assert(
      fc.property(writes, fc.nat(), fc.boolean(), (steps, seed, reversed) => {
        let now = 1_000
        let kept = SyncSessionToken.noneConsumed
        let expected: ConsumedSessions = { floor: 0, sessions: [] }
        const seen: Array<SyncSession> = []
        steps.forEach((step, i) => {
          now += step.advance
          const session = { id: `s${step.id}`, expiresAt: now + step.lifetime }
          // a store may decode the list in the order it kept: sometimes the next write reads it so
          if ((seed + i) % 7 === 0) kept = asStored(kept, (sessions) => (reversed ? sessions.reverse() : sessions))
          for (const other of [...seen.slice(-20), session]) {
            expect(SyncSessionToken.consumption(kept, other)).toBe(reference.consumption(expected, other))
            expect(SyncSessionToken.isConsumed(kept, other)).toBe(reference.consumption(expected, other) !== undefined)
          }
          if (reference.consumption(expected, session) !== undefined) return
          kept = SyncSessionToken.consume(kept, session, now)
          expected = reference.consume(expected, session, now)
          sameSessions(kept, expected)
          expect(kept.sessions.every((s, at) => at === 0 || kept.sessions[at - 1]!.expiresAt <= s.expiresAt)).toBe(true)
          seen.push(session)
        })
        const later = now + 20
        sameSessions(SyncSessionToken.prune(kept, later), {
          floor: expected.floor,
          sessions: expected.sessions.filter((s) => s.expiresAt > later)
        })
      }),
      { numRuns: 500 }
    )
  })

  it("past the cap keep the latest-expiring sessions and fold the others into the floor, as the plain rules do", () => {
    const longLived = fc.array(fc.record({ advance: fc.nat(3), lifetime: fc.integer({ min: 100, max: 400 }) }), { minLength: CAP + 1, maxLength: 3 * CAP })
    fc.assert(
      fc.property(longLived, (steps) => {
        // each write at its own time: the clock after the advances so far
        let clock = 1_000
        const written = steps.map((step, i) => ({ now: (clock += step.advance), session: { id: `s${i}`, expiresAt: clock + step.lifetime } }))
        const seen = written.map(({ session }) => session)
        const kept = written.reduce((list, { now, session }) => SyncSessionToken.consume(list, session, now), SyncSessionToken.noneConsumed)
        const expected = written.reduce<ConsumedSessions>((list, { now, session }) => reference.consume(list, session, now), { floor: 0, sessions: [] })
        sameSessions(kept, expected)
        for (const session of seen) expect(SyncSessionToken.consumption(kept, session)).toBe(reference.consumption(expected, session))
        const unseen = { id: "unseen", expiresAt: expected.floor + 1 }
        expect(SyncSessionToken.consumption(kept, unseen)).toBeUndefined()
      }),
      { numRuns: 200 }
    )
  })

  it("find a session consumed before later ones and after earlier ones with the same expiry", () => {
    let kept = SyncSessionToken.noneConsumed
    for (const session of [{ id: "b", expiresAt: 50 }, { id: "a", expiresAt: 20 }, { id: "c", expiresAt: 20 }, { id: "d", expiresAt: 90 }]) {
      kept = SyncSessionToken.consume(kept, session, 10)
    }
    expect(kept.sessions.map((s) => s.id)).toEqual(["a", "c", "b", "d"])
    for (const id of ["a", "b", "c", "d"]) {
      const session = kept.sessions.find((s) => s.id === id)!
      expect(SyncSessionToken.consumption(kept, { ...session })).toBe("Consumed")
    }
    expect(SyncSessionToken.consumption(kept, { id: "e", expiresAt: 20 })).toBeUndefined()
  })
})
