/**
 * The heads of the datasets this process committed last, held with their consumed sessions and
 * the records it wrote under them, so that its next commit of one is decided here, as the commit
 * script would decide it, and written by the heldCommit script only if the head is still the one
 * held: a commit's usual path reads and decides no head in Lua, nor a record this process wrote
 * (every write of a record changes the head's line). A head changed meanwhile (by another
 * process, a deletion, a restore) is not the one held: that commit is then decided by the commit
 * script, as every commit is that this process holds no head for.
 */
import { SyncStore } from "@syncalite/core"
import { escapeText, isDigits, Line, luaNumber, numberText, readLine, readNumber, recordTail, sessionsFrom } from "./codec.js"
import type { DatasetKeys } from "./datasetKeys.js"
import { CAP, COMPACT } from "./scripts.js"

/** The most records a held head knows (of those its process wrote under it, the first known go first). */
const KNOWN = 64

/** A record as its process wrote it under the head held: its sync count and valueBytes (-1: a tombstone). */
class Known {
  constructor(public syncCount: number, public bytes: number) {}
}

/** A consumed session as listed: its entry as stored, and its id and expiry as written there. */
interface Listed {
  readonly entry: string
  readonly id: string
  readonly expiresAt: number
  readonly expiry: string
  readonly bytes: number
}

/**
 * A dataset's head as stored after a commit of this process, its fields as the plans read them,
 * brought up to date in place by the next (a commit's objects kept from one commit to the next are
 * the collector's costliest).
 */
interface Held {
  line: string
  syncCount: number
  readonly deletion: string
  readonly created: string
  readonly lastDeletionCount: number
  readonly creationDate: number
  /** numRecords, dataStorage, entries and entryBytes as the line has them */
  figures: Array<string>
  floor: string
  floorNumber: number
  count: number
  last: number
  start: number
  /** the consumed sessions listed from the line's start, in expiry order, from index `first` */
  sessions: Array<Listed>
  first: number
  /** the stored list's length in bytes, dropped entries before its start included */
  length: number
  /** the records this process wrote under the head held, as stored while its line is the one held */
  readonly known: Map<string, Known>
}

const entries = /\n([^\t\n]*)\t([^\n]*)/g

const listed = (entry: string, id: string, expiry: string): Listed | undefined => {
  const expiresAt = Number(expiry)
  return expiry === "" || Number.isNaN(expiresAt) ? undefined : { entry, id, expiresAt, expiry, bytes: Buffer.byteLength(entry) }
}

/**
 * Whether session `id` expiring at `expiresAt` is listed in `sessions` from `first`, which are in
 * expiry order: read from the latest, stopping at the first expiring earlier, so that a session
 * expiring after every listed one (a held commit's) reads one entry.
 */
const isListed = (sessions: ReadonlyArray<Listed>, first: number, id: string, expiresAt: number): boolean => {
  for (let i = sessions.length - 1; i >= first; i--) {
    const other = sessions[i]!
    if (other.expiresAt < expiresAt) return false
    if (other.expiresAt === expiresAt && other.id === id) return true
  }
  return false
}

/**
 * The held head of a live dataset's line and its list of consumed sessions as stored, or
 * undefined when they do not read as one: a list not in expiry order, or listing a session twice,
 * is not as the commit script writes it (nothing is held then).
 */
const heldOf = (line: unknown, list: unknown, writes: ReadonlyArray<SyncStore.RecordWrite>): Held | undefined => {
  const read = readLine("", line)
  if (read === undefined || typeof list !== "string" || !read.head.exists) return undefined
  const { head, fields, start } = read
  const live = sessionsFrom(list, start)
  const sessions: Array<Listed> = []
  let parsed = 0
  for (const match of live.matchAll(entries)) {
    const session = match.index === parsed ? listed(match[0], match[1]!, match[2]!) : undefined
    const latest = sessions.at(-1)
    if (
      session === undefined || (latest !== undefined && latest.expiresAt > session.expiresAt) ||
      isListed(sessions, 0, session.id, session.expiresAt)
    ) return undefined
    sessions.push(session)
    parsed += match[0].length
  }
  const figures = fields.slice(Line.numRecords, Line.entryBytes + 1)
  const last = sessions.length === 0 ? 0 : readNumber(fields[Line.last])
  if (parsed !== live.length || String(sessions.length) !== fields[Line.count] || !figures.every(isDigits) || Number.isNaN(last)) {
    return undefined
  }
  const known = new Map<string, Known>()
  for (const write of writes) know(known, write.key, head.syncCount, SyncStore.valueBytes(write.value))
  return {
    line: line as string,
    syncCount: head.syncCount,
    deletion: fields[Line.lastDeletionCount]!,
    created: fields[Line.creationDate]!,
    lastDeletionCount: head.lastDeletionCount,
    creationDate: head.creationDate,
    figures,
    floor: fields[Line.floor]!,
    floorNumber: read.floor,
    count: sessions.length,
    last,
    start,
    sessions,
    first: 0,
    length: Buffer.byteLength(list),
    known
  }
}

/** Record `key` known as written at `syncCount` with `bytes`; past KNOWN, the first known of the others is let go. */
const know = (known: Map<string, Known>, key: string, syncCount: number, bytes: number): void => {
  const record = known.get(key)
  if (record !== undefined) {
    record.syncCount = syncCount
    record.bytes = bytes
    return
  }
  known.set(key, new Known(syncCount, bytes))
  if (known.size > KNOWN) known.delete(known.keys().next().value!)
}

/**
 * The four figures of a dataset once a record it has (`was`: its valueBytes, -1 a tombstone) is
 * written with `bytes`, as core makes them (and the scripts' `written`); each figure unchanged
 * keeps its text. Undefined when the records or bytes limit would be passed: the commit script
 * refuses it.
 */
const figuresAfter = (held: Held, c: SyncStore.DatasetCommit, key: string, bytes: number, was: number): Array<string> | undefined => {
  const { figures } = held
  const after: SyncStore.DatasetFigures = {
    numRecords: Number(figures[0]),
    dataStorage: Number(figures[1]),
    entries: Number(figures[2]),
    entryBytes: Number(figures[3])
  }
  const { dataStorage, entryBytes, numRecords } = after
  SyncStore.writeFigures(after, Buffer.byteLength(key), was, bytes)
  if (SyncStore.figuresRefused(after, c.limits) !== undefined) return undefined
  return [
    after.numRecords === numRecords ? figures[0]! : String(after.numRecords),
    after.dataStorage === dataStorage ? figures[1]! : String(after.dataStorage),
    figures[2]!,
    after.entryBytes === entryBytes ? figures[3]! : String(after.entryBytes)
  ]
}

/** What a process knows of a dataset it committed last. */
class Tracked {
  constructor(
    /** the sync count its last commit left */
    public syncCount: number,
    /** whether no other process committed between its last two commits */
    public alone: boolean,
    public held: Held | undefined
  ) {}
}

/**
 * A commit of one record decided against a held head: the heldCommit script's arguments, and
 * what the head becomes once written.
 */
export class HeldPlan {
  constructor(
    readonly keys: DatasetKeys,
    readonly tracked: Tracked,
    readonly held: Held,
    readonly args: ReadonlyArray<string>,
    readonly name: string,
    readonly by: string,
    readonly now: number,
    readonly entry: Listed,
    /** the sessions dropped from `first` (all: the list starts anew), and the list's text when written whole */
    readonly dropped: number,
    readonly text: string | undefined,
    readonly floor: string,
    readonly floorNumber: number,
    readonly count: number,
    readonly start: number,
    /** the record's key and valueBytes as written */
    readonly key: string,
    readonly bytes: number,
    /** the line written and its four figures, where the record was known (else the script makes them) */
    readonly line: string | undefined,
    readonly figures: Array<string> | undefined
  ) {}
}

/**
 * The commit `c` of one record (`write`, the key of its one condition) of a live dataset, decided
 * against `held` as the commit script decides it on its usual path: its session neither listed
 * nor older than the floor and expiring no sooner than the last listed, the expected sync count
 * the held one; `SyncSessionToken.consume` as the script does it on the stored list; where the
 * record is known, its condition met and the limits kept. Undefined where the commit is not such
 * a one: the commit script decides it, refusals included.
 */
const heldPlan = (
  keys: DatasetKeys,
  tracked: Tracked,
  held: Held,
  c: SyncStore.DatasetCommit,
  write: SyncStore.RecordWrite
): HeldPlan | undefined => {
  const { sessions, first } = held
  const condition = c.conditions[0]!
  if (c.conditions.length !== 1 || condition.key !== write.key) return undefined
  if (c.expectedSyncCount !== undefined && c.expectedSyncCount !== held.syncCount) return undefined
  const known = held.known.get(write.key)
  if (known !== undefined && luaNumber(condition.syncCount) !== known.syncCount) return undefined
  const bytes = SyncStore.valueBytes(write.value)
  const figures = known === undefined ? undefined : figuresAfter(held, c, write.key, bytes, known.bytes)
  if (known !== undefined && figures === undefined) return undefined
  const id = escapeText(c.session.id)
  const expiresAt = luaNumber(c.session.expiresAt)
  const expiry = String(expiresAt)
  if (!(expiresAt > held.floorNumber) || isListed(sessions, first, id, expiresAt)) return undefined
  const nowNumber = luaNumber(c.now)
  const now = String(nowNumber)
  let { count, floor, floorNumber, start } = held
  const entry = `\n${id}\t${expiry}`
  let dropped = 0
  let text: string | undefined
  if (count === 0 || held.last <= nowNumber) {
    dropped = sessions.length - first
    count = 0
    start = 1
    text = entry
  } else if (held.last <= expiresAt) {
    // the expired go, then past the cap the oldest, a dropped one not yet expired raising the floor
    let expiring = true
    while (count >= CAP || (expiring && count > 0)) {
      const oldest = sessions[first + dropped]!
      if (oldest.expiresAt > nowNumber) {
        expiring = false
        if (count < CAP) break
        if (oldest.expiresAt > floorNumber) {
          floor = oldest.expiry
          floorNumber = oldest.expiresAt
        }
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
  const by = escapeText(c.modifiedBy)
  const before = `1\t${held.syncCount + 1}\t${held.deletion}\t${held.created}\t${now}\t`
  const after = `\t${floor}\t${count}\t${expiry}\t${start}\t${by}`
  const line = figures === undefined ? undefined : `${before}${figures[0]}\t${figures[1]}\t${figures[2]}\t${figures[3]}${after}`
  // filled in rather than a literal or Array.of (see connection.ts)
  const args = new Array<string>(line === undefined ? 18 : 14)
  args[0] = keys.headField
  args[1] = held.line
  args[2] = String(held.length)
  args[3] = write.key
  args[4] = String(bytes)
  args[5] = recordTail(write.key, write.value, c.now, c.modifiedBy, write.deviceLastModifiedDate)
  args[6] = numberText(condition.syncCount)
  args[11] = String(held.syncCount + 1)
  args[12] = text === undefined ? "a" : "s"
  args[13] = text ?? entry
  if (line === undefined) {
    const { figures: was } = held
    args[7] = numberText(c.limits.recordsPerDataset)
    args[8] = numberText(c.limits.bytesPerDataset)
    args[9] = before
    args[10] = after
    args[14] = was[0]!
    args[15] = was[1]!
    args[16] = was[2]!
    args[17] = was[3]!
  } else {
    args[7] = args[8] = args[10] = ""
    args[9] = line
  }
  return new HeldPlan(
    keys,
    tracked,
    held,
    args,
    c.ref.datasetName,
    c.modifiedBy,
    nowNumber,
    listed(entry, id, expiry)!,
    dropped,
    text,
    floor,
    floorNumber,
    count,
    start,
    write.key,
    bytes,
    line,
    figures
  )
}

/** The four figures of a line the heldCommit script wrote from a plan: between the two parts it was given. */
const figuresOf = (plan: HeldPlan, line: unknown): Array<string> | undefined => {
  if (typeof line !== "string") return undefined
  const end = line.length - plan.args[10]!.length
  const figures: Array<string> = []
  let from = plan.args[9]!.length
  while (figures.length < 4) {
    const tab = figures.length === 3 ? end : line.indexOf("\t", from)
    const figure = tab < from || tab > end ? "" : line.slice(from, tab)
    if (!isDigits(figure)) return undefined
    figures.push(figure)
    from = tab + 1
  }
  return figures
}

/**
 * The heads held, of the `capacity` datasets committed last. A head is held once a dataset is
 * committed twice in a row by this process, no other commit between: then the commit script
 * answers its next commit of one record with the list of consumed sessions (about 3 KB), and the
 * next commits of one record are decided here; one of several records, decided by the commit
 * script, lets the head go. A head found changed is let go, and held again only after two commits
 * in a row: datasets that processes commit in turn are decided by the commit script, and never
 * pay for the list.
 */
export const makeHeldHeads = (capacity: number) => {
  const tracked = new Map<DatasetKeys, Tracked>()
  const track = (keys: DatasetKeys, next: Tracked) => {
    tracked.delete(keys)
    tracked.set(keys, next)
    if (tracked.size > capacity) tracked.delete(tracked.keys().next().value!)
  }
  return {
    /** The plan of commit `c` of `writes` against the head held of the dataset of `keys`, if one is held and the commit is such. */
    plan: (keys: DatasetKeys, c: SyncStore.DatasetCommit, writes: ReadonlyArray<SyncStore.RecordWrite>): HeldPlan | undefined => {
      const known = tracked.get(keys)
      return known?.held !== undefined && writes.length === 1 ? heldPlan(keys, known, known.held, c, writes[0]!) : undefined
    },
    /**
     * Whether the commit script is to answer the list of consumed sessions with commit `writes`:
     * a commit of one record, as the next are likely to be, of a dataset committed alone and not held.
     */
    asks: (keys: DatasetKeys, writes: ReadonlyArray<SyncStore.RecordWrite>): boolean => {
      const known = tracked.get(keys)
      return known !== undefined && known.alone && known.held === undefined && writes.length === 1
    },
    /**
     * A commit of the commit script done: `line` the head as stored, `list` the list of consumed
     * sessions when answered, `syncCount` the line's, `writes` the records it wrote.
     */
    committed: (keys: DatasetKeys, line: string, list: unknown, syncCount: number, writes: ReadonlyArray<SyncStore.RecordWrite>): void => {
      const known = tracked.get(keys)
      track(
        keys,
        list !== undefined
          ? new Tracked(syncCount, true, heldOf(line, list, writes))
          : new Tracked(syncCount, known !== undefined && syncCount === known.syncCount + 1, undefined)
      )
    },
    /**
     * A plan written, `line` the head as the heldCommit script answered it: the head committed,
     * now held; undefined when the line is not the plan's (nothing is held then).
     */
    written: (plan: HeldPlan, line: unknown): SyncStore.CommittedHead | undefined => {
      const figures = plan.line === undefined ? figuresOf(plan, line) : line === plan.line ? plan.figures : undefined
      const { held, tracked: known } = plan
      if (figures === undefined) {
        tracked.delete(plan.keys)
        return undefined
      }
      held.line = line as string
      held.syncCount++
      held.figures = figures
      held.floor = plan.floor
      held.floorNumber = plan.floorNumber
      held.count = plan.count
      held.last = plan.entry.expiresAt
      held.start = plan.start
      held.first += plan.dropped
      if (plan.text !== undefined || held.first >= CAP) {
        held.sessions = held.sessions.slice(held.first)
        held.first = 0
      }
      held.sessions.push(plan.entry)
      held.length = plan.text === undefined ? held.length + plan.entry.bytes : Buffer.byteLength(plan.text)
      know(held.known, plan.key, held.syncCount, plan.bytes)
      known.syncCount = held.syncCount
      known.alone = true
      track(plan.keys, known)
      return {
        name: plan.name,
        exists: true,
        syncCount: held.syncCount,
        lastDeletionCount: held.lastDeletionCount,
        creationDate: held.creationDate,
        lastModifiedDate: plan.now,
        lastModifiedBy: plan.by,
        numRecords: Number(figures[0]),
        dataStorage: Number(figures[1]),
        entries: Number(figures[2]),
        entryBytes: Number(figures[3])
      }
    },
    /** A plan found its head no longer stored: let go, and the dataset not committed alone. */
    stale: (plan: HeldPlan): void => {
      plan.tracked.held = undefined
      plan.tracked.alone = false
    },
    /** What a commit that failed left is not known. */
    drop: (keys: DatasetKeys): void => void tracked.delete(keys)
  }
}
