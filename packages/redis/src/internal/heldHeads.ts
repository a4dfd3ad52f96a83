/**
 * The heads of the datasets this process committed last, held with their consumed sessions, so
 * that its next commit of one is decided here, as the commit script would decide it, and written
 * by the script only if the head is still the one held (heldCommit in scripts.ts): a commit's
 * usual path reads and decides no head in Lua. A head changed meanwhile (by another process, a
 * deletion, a restore) is not the one held: the script decides that commit itself, as it does
 * every commit this process holds no head for.
 */
import type { SyncStore } from "@syncalite/core"
import { sessionsFrom } from "./codec.js"
import { CAP, COMPACT } from "./scripts.js"

/** A consumed session as listed: its entry as stored, and its id and expiry as written there. */
interface Listed {
  readonly entry: string
  readonly id: string
  readonly expiresAt: number
  readonly expiry: string
  readonly bytes: number
}

/**
 * A dataset's head as stored after a commit of this process, brought up to date in place by the
 * next (a commit's objects kept from one commit to the next are the collector's costliest).
 */
export interface Held {
  line: string
  fields: ReadonlyArray<string>
  /** the consumed sessions listed from the line's start, in their order, from index `first` */
  sessions: Array<Listed>
  first: number
  /** the ids of those sessions, each listed once */
  readonly ids: Set<string>
  /** the stored list's length in bytes, dropped entries before its start included */
  length: number
}

const entries = /\n([^\t\n]*)\t([^\n]*)/g

const listed = (entry: string, id: string, expiry: string): Listed | undefined => {
  const expiresAt = Number(expiry)
  return expiry === "" || Number.isNaN(expiresAt) ? undefined : { entry, id, expiresAt, expiry, bytes: Buffer.byteLength(entry) }
}

/**
 * The held head of a live dataset's line and its list of consumed sessions as stored, or
 * undefined when they do not read as one (nothing is held then).
 */
const heldOf = (line: unknown, list: unknown): Held | undefined => {
  if (typeof line !== "string" || typeof list !== "string") return undefined
  const fields = line.split("\t")
  if (fields.length !== 14 || fields[0] !== "1") return undefined
  const live = sessionsFrom(list, Number(fields[12]))
  const sessions: Array<Listed> = []
  const ids = new Set<string>()
  let read = 0
  for (const match of live.matchAll(entries)) {
    const session = match.index === read && !ids.has(match[1]!) ? listed(match[0], match[1]!, match[2]!) : undefined
    if (session === undefined) return undefined
    sessions.push(session)
    ids.add(session.id)
    read += match[0].length
  }
  if (read !== live.length || String(sessions.length) !== fields[10]) return undefined
  return { line, fields, sessions, first: 0, ids, length: Buffer.byteLength(list) }
}

/** What a commit decided against a held head sends, and the head it holds once written with `line`. */
export interface HeldPlan {
  /** the commit script's arguments after the writes (see scripts.ts) */
  readonly args: ReadonlyArray<string>
  readonly next: (line: string) => Held
}

/**
 * The commit `c` of one record (`write`, the key of its one condition) of a live dataset, decided
 * against `held` as the commit script decides it on its usual path: its session neither listed
 * nor older than the floor and expiring no sooner than the last listed, the expected sync count
 * the held one; `SyncSessionToken.consume` as the script does it on the stored list. Undefined
 * where the commit is not such a one: the script decides it, refusals included. `id`, `expiry`,
 * `now` and `by` are the texts the script is given.
 */
const heldPlan = (
  held: Held,
  c: SyncStore.DatasetCommit,
  write: SyncStore.RecordWrite,
  id: string,
  expiry: string,
  now: string,
  by: string
): HeldPlan | undefined => {
  const { fields, sessions, first } = held
  if (c.conditions.length !== 1 || c.conditions[0]!.key !== write.key) return undefined
  const syncCount = Number(fields[1])
  if (c.expectedSyncCount !== undefined && c.expectedSyncCount !== syncCount) return undefined
  const expiresAt = Number(expiry)
  const nowNumber = Number(now)
  let floor = fields[9]!
  let floorNumber = Number(floor)
  let count = Number(fields[10])
  let start = Number(fields[12])
  if (!(expiresAt > floorNumber) || held.ids.has(id)) return undefined
  const entry = `\n${id}\t${expiry}`
  // the sessions dropped from `first` (all: the list starts anew), and the list's text when written whole
  let dropped = 0
  let text: string | undefined
  const last = Number(fields[11])
  if (count === 0 || last <= nowNumber) {
    dropped = sessions.length - first
    count = 0
    start = 1
    text = entry
  } else if (last <= expiresAt) {
    // the expired go, then past the cap the oldest, a dropped one not yet expired raising the floor
    let expiring = true
    while (count >= CAP || (expiring && count > 0)) {
      const oldest = sessions[first + dropped]!
      if (oldest.expiresAt > nowNumber) {
        expiring = false
        if (count < CAP) break
        if (oldest.expiresAt > floorNumber) [floor, floorNumber] = [oldest.expiry, oldest.expiresAt]
      }
      start += oldest.bytes
      count--
      dropped++
    }
    if (count === 0) {
      start = 1
      text = entry
    } else if (start > COMPACT) {
      text = ""
      for (let i = first + dropped; i < sessions.length; i++) text += sessions[i]!.entry
      text += entry
      start = 1
    }
  } else {
    return undefined
  }
  count++
  const nextSync = String(syncCount + 1)
  const length = text === undefined ? held.length + Buffer.byteLength(entry) : Buffer.byteLength(text)
  return {
    args: [
      held.line,
      "1",
      `1\t${nextSync}\t${fields[2]}\t${fields[3]}\t${now}\t`,
      `\t${floor}\t${count}\t${expiry}\t${start}\t${by}`,
      nextSync,
      String(held.length),
      text === undefined ? "a" : "s",
      text ?? entry,
      fields[5]!,
      fields[6]!,
      fields[7]!,
      fields[8]!
    ],
    next: (line) => {
      held.line = line
      held.fields = line.split("\t")
      for (let i = held.first; i < held.first + dropped; i++) held.ids.delete(held.sessions[i]!.id)
      held.first += dropped
      if (text !== undefined || held.first >= CAP) {
        held.sessions = held.sessions.slice(held.first)
        held.first = 0
      }
      held.sessions.push(listed(entry, id, expiry)!)
      held.ids.add(id)
      held.length = length
      return held
    }
  }
}

/** What a process knows of a dataset it committed last. */
interface Tracked {
  /** the sync count its last commit left */
  readonly syncCount: number
  /** whether no other process committed between its last two commits */
  readonly alone: boolean
  readonly held: Held | undefined
}

/** A commit under way: its dataset, what it knows of it, and the plan it sends, if any. */
export interface Holding {
  readonly key: object
  readonly before: Tracked | undefined
  readonly plan: HeldPlan | undefined
  /** the commit script's arguments after the writes */
  readonly args: ReadonlyArray<string>
}

/**
 * The heads held, of the `capacity` datasets committed last. A head is held once a dataset is
 * committed twice in a row by this process, no other commit between: then the script answers its
 * next commit of one record with the list of consumed sessions (about 3 KB), and the next
 * commits of one record are decided here; one of several records, decided by the script, lets
 * the head go. A head found
 * changed is let go, and held again only after two commits in a row: datasets that processes
 * commit in turn are decided by the script, and never pay for the list.
 */
export const makeHeldHeads = (capacity: number) => {
  const tracked = new Map<object, Tracked>()
  return {
    /**
     * The plan of commit `c` of `writes` against the head held of the dataset `key` (its keys'
     * object, made once per dataset); the texts as heldPlan takes them.
     */
    begin: (
      key: object,
      c: SyncStore.DatasetCommit,
      writes: ReadonlyArray<SyncStore.RecordWrite>,
      id: string,
      expiry: string,
      now: string,
      by: string
    ): Holding => {
      const before = tracked.get(key)
      const plan = before?.held !== undefined && writes.length === 1 ? heldPlan(before.held, c, writes[0]!, id, expiry, now, by) : undefined
      // the list is asked for by a commit of one record, as the next are likely to be, and only where none is held
      const ask = plan === undefined && before?.alone === true && before.held === undefined && writes.length === 1
      return { key, before, plan, args: plan?.args ?? ["", ask ? "1" : ""] }
    },
    /**
     * A commit done: `line` its head as stored, `list` the list of consumed sessions when the
     * script answered it (it decided the commit), `syncCount` the line's.
     */
    committed: ({ before, key, plan }: Holding, line: string, list: unknown, syncCount: number): void => {
      const next: Tracked = plan !== undefined && list === undefined
        ? { syncCount, alone: true, held: plan.next(line) }
        : plan !== undefined
        ? { syncCount, alone: false, held: undefined }
        : list !== undefined
        ? { syncCount, alone: true, held: heldOf(line, list) }
        : { syncCount, alone: before !== undefined && syncCount === before.syncCount + 1, held: undefined }
      tracked.delete(key)
      tracked.set(key, next)
      if (tracked.size > capacity) tracked.delete(tracked.keys().next().value!)
    },
    /** What a commit that failed left is not known. */
    drop: (key: object): void => void tracked.delete(key)
  }
}
