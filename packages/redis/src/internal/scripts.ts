/**
 * The Lua scripts of the store. Every script touches the keys of one identity only (one hash
 * tag, one cluster slot), reads and checks everything before its first write, and makes its
 * first write with `redis.pcall`, so that a key holding a foreign type stops it before anything
 * changed: a script writes all it means to or nothing. A value the store cannot read ends a
 * script with `{"corrupt", key, message}`.
 *
 * Each script has two forms of one Lua text (see `Script`): a library of Redis Functions, called
 * with FCALL where the server has them (Redis 7), and the EVAL form for servers without them.
 *
 * Formats (written by these scripts and by codec.ts), in the hash `heads` of an identity:
 * - field "" — present once the identity is in its pool's index of identities; its value counts
 *   the identity's existing datasets with a dot in their name (those that may be merged
 *   datasets), so that reads of the others never list the identity's datasets.
 * - field "h" + name — a dataset's head: `exists \t syncCount \t lastDeletionCount \t creationDate
 *   \t lastModifiedDate \t numRecords \t dataStorage \t entries \t entryBytes \t floor \t
 *   sessionCount \t lastExpiry \t sessionStart \t lastModifiedBy`. Dates and expiries keep the
 *   digits the application sent (Lua never re-encodes them); lastModifiedBy and session ids are
 *   escaped to hold no tab and no newline.
 * - fields "s" + name and "t" + name — the consumed sessions of a dataset of the older layouts
 *   (see below), "s" from byte `sessionStart` then "t"; the first script to write the dataset
 *   moves them to its string of consumed sessions.
 *
 * A dataset's consumed sessions, in a string of its own (`consumed` in codec.ts): `\n id \t
 * expiresAt` entries in expiry order (ties in the order consumed) from byte `sessionStart`, the
 * bytes before it entries dropped. A commit reads the list by range, only what it drops (the
 * oldest entries) and, when its session expires before the last listed, the rest to look for
 * it; it appends its entry, moving the start past what it dropped, and writes the list anew,
 * from byte 1, once the dropped part grows past COMPACT bytes. Strings are what Lua is slow
 * with, each made costing about its length in nanoseconds: a commit in expiry order makes
 * strings of an entry or two, not of the list.
 *
 * Identity usage is not kept: it is computed from the heads when asked, as the reference does.
 *
 * A record: JSON starting `{"syncCount":N,"valueBytes":B,` (B the UTF-8 length of the value, -1
 * for a tombstone), so that a script reads its figures with one anchored match, then its key,
 * value and dates; a read answers the JSON of each record it found.
 */
import { createHash } from "node:crypto"
import { SyncSessionToken } from "@syncalite/core"

/**
 * A script in its two forms, made of one Lua text: the helpers it takes, its definitions, and its
 * body, which reads `KEYS` and `ARGV`. The EVAL form runs them all at each call; the library
 * (FUNCTION LOAD, FCALL) makes the helpers and definitions once, at its load, and runs the body
 * as its function, `KEYS` and `ARGV` its parameters. Helpers and definitions read the arguments
 * only through their own parameters: a library has no `KEYS` or `ARGV` of its own.
 */
export interface Script {
  readonly name: string
  /** the EVAL form */
  readonly source: string
  /** the digest of the EVAL form (EVALSHA) */
  readonly sha: string
  /** the name of the library and of its one function: `syncalite_` and the start of its text's digest */
  readonly library: string
  /** the library, for FUNCTION LOAD */
  readonly librarySource: string
}

/**
 * What a script has besides its helpers and body: its own functions, made once in its library,
 * and whether it only reads (its function flagged `no-writes`, so that Redis runs it out of
 * memory as it runs a read).
 */
export interface ScriptOptions {
  readonly definitions?: string
  readonly readOnly?: boolean
}

/** The most arguments one command gets from Lua (`unpack` is limited by the Lua stack). */
const CHUNK = 1000

/*
 * The constants below are written into the scripts' text rather than held in Lua locals: a
 * function using a local of the script captures it, which costs at every call.
 */

/** The most consumed sessions a dataset keeps: SyncSessionToken's cap. */
export const CAP = SyncSessionToken.consumedCap

/** The bytes of dropped consumed sessions a list keeps before its start until it is written anew. */
export const COMPACT = 1024

/** The bytes of a list of consumed sessions a commit reads at first for its oldest entries (a few entries). */
const OLDEST = 160

/**
 * A head's line as the scripts read it: its numbers as numberText writes them (digits first, then
 * digits, '.', 'e', '+' or '-'), each field captured but lastModifiedDate (checked only) and
 * lastModifiedBy (anything), which a script writes anew rather than reads.
 */
const HEAD = String.raw`^([01])\t(%d+)\t(%d+)\t(%-?%d[%d.e+%-]*)\t%-?%d[%d.e+%-]*\t(%d+)\t(%d+)\t(%d+)\t(%d+)\t(%-?%d[%d.e+%-]*)\t(%d+)\t([^\t]*)\t(%d+)\t`

/** A stored record's start, capturing its syncCount and valueBytes. */
const FIGURES = String.raw`^{"syncCount":(%d+),"valueBytes":(%-?%d+),`

/** The first entry of a list of consumed sessions from a start, capturing its expiry. */
const FIRST = String.raw`^\n[^\t\n]*\t([^\n]*)`

/** Helpers, each script taking only those it uses: in the EVAL form every `local function` costs a closure per call. */
const snippets = {
  read: String.raw`
local function fail(key, message)
  error({key, message}, 0)
end
local function read(key, ...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then fail(key, reply.err) end
  return reply
end
local function corrupt(result)
  if type(result) == 'table' and result[1] ~= nil then return {'corrupt', result[1], tostring(result[2])} end
  error(result, 0)
end`,
  firstWrite: String.raw`
local function firstWrite(key, ...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then return {'corrupt', key, reply.err} end
  return nil
end`,
  chunked: String.raw`
local function chunked(key, command, target, items, write)
  if #items <= ${CHUNK} then
    if write then return redis.call(command, target, unpack(items)) end
    return read(key, command, target, unpack(items))
  end
  local out = {}
  for from = 1, #items, ${CHUNK} do
    local reply
    if write then reply = redis.call(command, target, unpack(items, from, math.min(from + ${CHUNK} - 1, #items)))
    else reply = read(key, command, target, unpack(items, from, math.min(from + ${CHUNK} - 1, #items))) end
    if type(reply) == 'table' then for i = 1, #reply do out[#out + 1] = reply[i] end end
  end
  return out
end`,
  stream: String.raw`
-- the Cognito Streams entry whose arguments start at args[at] (liveStream.ts): "x" appends it,
-- "o" keeps it in the identity's outbox. checkStream runs before the first write (a key of another
-- type would stop the script half done); carryStream fills in the sync counts and writes it.
local function checkStream(args, at, key)
  local want = 'hash'
  if args[at] == 'x' then want = 'stream' end
  local found = redis.call('TYPE', key)['ok']
  if found ~= 'none' and found ~= want then fail(key, 'not a ' .. want) end
end
local function carryStream(args, at, key, payloadKey, count)
  local filled = '"syncCount":' .. count
  local data = string.gsub(args[at + 2], '"syncCount":%-1', filled)
  local payload = args[at + 3]
  if payload ~= '' then payload = string.gsub(payload, '"syncCount":%-1', filled) end
  if args[at] == 'x' then
    if payload ~= '' then redis.call('SET', payloadKey, payload, 'PX', 86400000) end
    redis.call('XADD', key, 'MAXLEN', '~', args[at + 4], '*', 'partitionKey', args[at + 1], 'data', data)
  else
    redis.call('HSET', key, args[at + 4], cjson.encode({args[at + 5], args[at + 6], args[at + 1], data, payload, args[at + 7]}))
  end
end`,
  figures: String.raw`
-- a stored record's syncCount and valueBytes
local function storedFigures(value, records, key)
  local syncCount, valueBytes = string.match(value, '${FIGURES}')
  if syncCount == nil then fail(records, 'unreadable record ' .. key) end
  return syncCount + 0, valueBytes + 0
end
-- the dataset's figures once the record of key is written with bytes (-1: a tombstone), was its
-- stored valueBytes (nil: none)
local function written(key, bytes, was, numRecords, dataStorage, entries, entryBytes)
  local size = #key
  if bytes >= 0 then size = size + bytes end
  if was == nil then
    entries, entryBytes = entries + 1, entryBytes + size
  else
    local before = #key
    if was >= 0 then
      before = before + was
      numRecords, dataStorage = numRecords - 1, dataStorage - before
    end
    entryBytes = entryBytes + size - before
  end
  if bytes >= 0 then numRecords, dataStorage = numRecords + 1, dataStorage + size end
  return numRecords, dataStorage, entries, entryBytes
end`,
  subscribers: String.raw`
-- the ids of the dataset's subscriptions and their devices, read before the first write
local function subscribersOf(devices, subscriptions)
  local ids = read(subscriptions, 'SMEMBERS', subscriptions)
  if #ids == 0 then return {ids, {}} end
  return {ids, chunked(devices, 'HMGET', devices, ids, false)}
end`,
  head: String.raw`
-- A head as the scripts hold it: the fields of its line as values, in their order: exists ('1'
-- or '0'), syncCount, lastDeletionCount, creationDate, lastModifiedDate, numRecords,
-- dataStorage, entries, entryBytes, floor, count, last, start, lastModifiedBy (parseHead
-- answers them but lastModifiedDate and lastModifiedBy, which a script writes anew, then floor
-- as a number and, where sessions are listed, last as one, refusing a head where either does
-- not read). Locals rather than a table: a commit reads and writes them in one function. Only
-- count and start are made numbers, and floor and last beside their text; the others stay the
-- text they were, used with arithmetic coercion where needed. Text becomes a number through strtod, about
-- 500 instructions for a 13-digit time: a script turns each once.
local function parseHead(line, key, name)
  local exists, syncCount, deletion, created, numRecords, dataStorage, entries, entryBytes, floor, count, last, start =
    string.match(line, '${HEAD}')
  local floorNumber = exists and tonumber(floor)
  if floorNumber == nil then fail(key, 'unreadable head of dataset ' .. name) end
  count = count + 0
  -- the last listed expiry, which a list of sessions must have
  local lastNumber = nil
  if count > 0 then
    lastNumber = tonumber(last)
    if lastNumber == nil then fail(key, 'unreadable head of dataset ' .. name) end
  end
  return exists, syncCount, deletion, created, numRecords, dataStorage, entries, entryBytes, floor, count, last, start + 0, floorNumber, lastNumber
end
-- the older layouts' consumed sessions, "s" from start then "t", as one list from byte 1
local function movedSessions(older, newer, start, key)
  if newer and newer ~= '' and string.byte(newer, 1) ~= 10 then fail(key, 'unreadable consumed sessions') end
  return string.sub(older or '', start) .. (newer or '')
end
-- a list of consumed sessions read by range: what is read of it (text), the byte of the list
-- where that starts (from), and whether it reaches the list's end (whole)
local function sessionsFrom(consumed, start)
  return read(consumed, 'GETRANGE', consumed, start - 1, -1), start, true
end
local function sessionsAt(consumed, start)
  local text = read(consumed, 'GETRANGE', consumed, start - 1, start + ${OLDEST} - 2)
  return text, start, #text < ${OLDEST}
end
-- one concatenation: the numbers in it, count and start, well below 1e14, come out of '..' as %d
-- writes them; the others are text (a number made text costs more than the rest of the line)
local function headLine(exists, syncCount, deletion, created, modified, numRecords, dataStorage, entries, entryBytes, floor, count, last, start, by)
  return exists .. '\t' .. syncCount .. '\t' .. deletion .. '\t' .. created .. '\t' .. modified .. '\t' .. numRecords .. '\t' .. dataStorage ..
    '\t' .. entries .. '\t' .. entryBytes .. '\t' .. floor .. '\t' .. count .. '\t' .. last .. '\t' .. start .. '\t' .. by
end
-- the oldest consumed session at byte start of the list, read further (the rest, whole) when
-- what is read ends before it does: what is read, its expiry as stored, where the next starts and
-- the expiry as a number
local function oldest(consumed, text, from, whole, start, key)
  local _, stop, expiry = string.find(text, '${FIRST}', start - from + 1)
  if not whole and (expiry == nil or stop >= #text) then
    text, from, whole = sessionsFrom(consumed, start)
    _, stop, expiry = string.find(text, '${FIRST}', 1)
  end
  local at = expiry and tonumber(expiry)
  if at == nil then fail(key, 'unreadable consumed sessions') end
  return text, from, whole, expiry, from + stop, at
end
-- the oldest consumed session expiring at or before now is dropped, while any is
local function dropExpired(consumed, text, from, whole, start, count, now, key)
  while count > 0 do
    local expiry, next, at
    text, from, whole, expiry, next, at = oldest(consumed, text, from, whole, start, key)
    if at > now then break end
    start, count = next, count - 1
  end
  return text, from, whole, start, count
end`
} as const

const sha1 = (text: string): string => createHash("sha1").update(text).digest("hex")

/** A script of `parts` of the helpers, `options.definitions` and `body`, in its two forms. */
export const script = (
  name: string,
  parts: ReadonlyArray<keyof typeof snippets>,
  body: string,
  options: ScriptOptions = {}
): Script => {
  const shared = [...parts.map((part) => snippets[part]), ...(options.definitions === undefined ? [] : [options.definitions])].join("\n")
  const source = `${shared}\n${body}`
  const flags = options.readOnly === true ? ", flags = {'no-writes'}" : ""
  const libraryOf = (library: string) =>
    `#!lua name=${library}\n${shared}\nlocal function main(KEYS, ARGV)\n${body}\nend\n` +
    `redis.register_function{function_name = '${library}', callback = main${flags}}\n`
  // named after its text, so that processes of two versions each load their own library
  const library = `syncalite_${sha1(libraryOf("")).slice(0, 12)}`
  return { name, source, sha: sha1(source), library, librarySource: libraryOf(library) }
}

/**
 * The decision of a commit, read and checked before its first write: "write", line, syncCount,
 * sessions, append, moved, wasLive, dotted, subscribed (the head's new line and sync count, the
 * list of consumed sessions or what to append to it, whether the older layout's fields go:
 * values rather than a table made at each call)
 * or the answer to give. A function of the commit script's library, made once at its load
 * rather than at each call.
 */
const decide = String.raw`
-- given the script's arguments rather than a closure over them: a closure pays for each local
-- it captures at its creation, at every call
local function decide(args, name, id, expiry, expected, now, by, conditionCount, writesAt, writeCount, lastWrite, heads, records, live, consumed,
  devices, subscriptions, streamAt, streamKey, headField, olderField, newerField)
  local e, nowNumber = expiry + 0, now + 0
  -- the usual commit's reads and first write are made with redis.pcall itself rather than through
  -- read() and firstWrite(): a call is worth saving in a commit
  local got = redis.pcall('HMGET', heads, '', headField, olderField, newerField)
  if got.err then fail(heads, got.err) end
  if got[1] and got[1] ~= '0' and not string.match(got[1], '^%d+$') then fail(heads, 'unreadable registration of the identity') end
  -- a dataset's first head, before its first commit
  local exists, syncCount, deletion, created, numRecordsText, dataStorageText, entriesText, entryBytesText, floor, count, last, start, floorNumber =
    '0', '0', '0', now, '0', '0', '0', '0', '0', 0, '', 1, 0
  -- the last listed expiry as a number, where one is listed
  local lastNumber = nil
  -- what is read of the consumed sessions (nil: nothing), from byte from of the list, whole when
  -- to its end; the key a list that does not read is named by
  local text, from, whole, moved, listKey = nil, 1, false, false, consumed
  if got[2] then
    exists, syncCount, deletion, created, numRecordsText, dataStorageText, entriesText, entryBytesText, floor, count, last, start, floorNumber, lastNumber =
      parseHead(got[2], heads, name)
    if got[3] or got[4] then
      text, from, whole, start, moved, listKey = movedSessions(got[3], got[4], start, heads), 1, true, 1, true, heads
    elseif count > 0 and e <= lastNumber then
      -- listed only if it expires no later than the last listed
      text, from, whole = sessionsFrom(consumed, start)
    end
    if text and count > 0 and string.find(text, '\n' .. id .. '\t', start - from + 1, true) then return {'used'} end
    if e <= floorNumber then return {'forgotten'} end
  end
  local current = syncCount + 0
  if expected ~= '' and expected + 0 ~= current then return {'changed', current} end
  local isLive = exists == '1'
  if not isLive then numRecordsText, dataStorageText, entriesText, entryBytesText = '0', '0', '0', '0' end
  local wasRecords, wasStorage, wasEntries, wasBytes = numRecordsText + 0, dataStorageText + 0, entriesText + 0, entryBytesText + 0
  local numRecords, dataStorage, entries, entryBytes = wasRecords, wasStorage, wasEntries, wasBytes
  if isLive and conditionCount == 1 and writeCount == 1 and args[11] == args[writesAt] then
    -- one record, the usual write: read with HGET, and no table made
    local key = args[11]
    local value = redis.pcall('HGET', records, key)
    if type(value) == 'table' then fail(records, value.err) end
    local server, was = 0, nil
    if value then server, was = storedFigures(value, records, key) end
    if server ~= args[12] + 0 then return {'conflict', 1, server} end
    numRecords, dataStorage, entries, entryBytes = written(key, args[writesAt + 1] + 0, was, numRecords, dataStorage, entries, entryBytes)
  else
    local stored = {}
    if isLive then
      local seen, keys = {}, {}
      for i = 11, writesAt - 2, 2 do
        local key = args[i]
        if not seen[key] then seen[key] = true keys[#keys + 1] = key end
      end
      for i = writesAt, lastWrite, 3 do
        local key = args[i]
        if not seen[key] then seen[key] = true keys[#keys + 1] = key end
      end
      local values = {}
      if #keys > 0 then values = chunked(records, 'HMGET', records, keys, false) end
      for i = 1, #keys do
        if values[i] then stored[keys[i]] = {storedFigures(values[i], records, keys[i])} end
      end
    else
      read(records, 'HLEN', records)
    end
    for i = 1, conditionCount do
      local server = 0
      local before = stored[args[9 + 2 * i]]
      if before ~= nil then server = before[1] end
      if server ~= args[10 + 2 * i] + 0 then return {'conflict', i, server} end
    end
    if not isLive then
      local others = read(live, 'SCARD', live)
      if others + 1 > args[7] + 0 then return {'limit', 'datasets', others + 1} end
    end
    for i = writesAt, lastWrite, 3 do
      local before = stored[args[i]]
      numRecords, dataStorage, entries, entryBytes =
        written(args[i], args[i + 1] + 0, before and before[2], numRecords, dataStorage, entries, entryBytes)
    end
  end
  if entries > args[8] + 0 then return {'limit', 'records', entries} end
  if entryBytes > args[9] + 0 then return {'limit', 'bytes', entryBytes} end
  local dotted = nil
  if not isLive then
    -- a new dataset: the identity must be in its pool's index first
    if not got[1] then return {'register'} end
    if string.find(name, '.', 1, true) then dotted = (tonumber(got[1]) or 0) + 1 end
    created = now
  end
  -- a figure unchanged keeps its text
  if numRecords ~= wasRecords then numRecordsText = string.format('%d', numRecords) end
  if dataStorage ~= wasStorage then dataStorageText = string.format('%d', dataStorage) end
  if entries ~= wasEntries then entriesText = string.format('%d', entries) end
  if entryBytes ~= wasBytes then entryBytesText = string.format('%d', entryBytes) end
  -- SyncSessionToken.consume: drop the expired, add this one, past the cap fold the oldest into the
  -- floor. The list's new text, or (append) what to append to it.
  local entry = '\n' .. id .. '\t' .. expiry
  local sessions, append = entry, false
  if count == 0 or lastNumber <= nowNumber then
    -- none kept, or all expired: this one alone
    count, last, start = 0, expiry, 1
  elseif lastNumber <= e then
    -- the usual case, expiries arriving in order: the expired go, then past the cap the oldest,
    -- and this one is appended; the sessions being in expiry order, once one is not expired none
    -- after it is
    if not text then text, from, whole = sessionsAt(consumed, start) end
    local expiring = true
    while count >= ${CAP} or (expiring and count > 0) do
      local at, next, atNumber
      text, from, whole, at, next, atNumber = oldest(consumed, text, from, whole, start, listKey)
      if atNumber > nowNumber then
        expiring = false
        if count < ${CAP} then break end
        if atNumber > floorNumber then floor, floorNumber = at, atNumber end
      end
      start, count = next, count - 1
    end
    last = expiry
    if count == 0 then
      start = 1
    elseif moved or start > ${COMPACT} then
      -- written anew: moved from the older layout, or its dropped part grown long
      if not whole then text, from, whole = sessionsFrom(consumed, start) end
      sessions, start = string.sub(text, start - from + 1) .. entry, 1
    else
      append = true
    end
  else
    -- expiring before the last listed (read whole above): placed in expiry order, the list written anew
    text, from, whole, start, count = dropExpired(consumed, text, from, whole, start, count, nowNumber, listKey)
    local parts, placed = {}, false
    for other, at in string.gmatch(string.sub(text, start - from + 1), '\n([^\t\n]*)\t([^\n]*)') do
      local n = tonumber(at)
      if n == nil then fail(listKey, 'unreadable consumed sessions') end
      if not placed and n > e then
        parts[#parts + 1] = entry
        placed = true
      end
      parts[#parts + 1] = '\n' .. other .. '\t' .. at
    end
    sessions, start = table.concat(parts), 1
    -- past the cap, the oldest go, the latest expiry of them becoming the floor
    text, from, whole = sessions, 1, true
    while count >= ${CAP} do
      local at, next, atNumber
      text, from, whole, at, next, atNumber = oldest(consumed, text, from, whole, start, listKey)
      if atNumber > floorNumber then floor, floorNumber = at, atNumber end
      start, count = next, count - 1
    end
  end
  count = count + 1
  local subscribed = nil
  if devices then subscribed = subscribersOf(devices, subscriptions) end
  if streamAt then checkStream(args, streamAt, streamKey) end
  syncCount = string.format('%d', current + 1)
  local line = headLine('1', syncCount, deletion, created, now, numRecordsText, dataStorageText, entriesText, entryBytesText, floor, count, last, start, by)
  return 'write', line, syncCount, sessions, append, moved, isLive, dotted, subscribed
end
`

/**
 * The commit of UpdateRecords: `decideCommit` of core's internal/commitRules.ts, in Lua, and
 * `SyncSessionToken.consume` on the list of consumed sessions.
 *
 * KEYS: heads, records, changes, live, consumed, and devices, subscriptions when the commit answers
 * its subscribers, and last the keys of the Cognito Streams entry when the write carries one. ARGV:
 * name, session id (escaped), session expiry, expected sync count or "", now, modifiedBy
 * (escaped), datasets limit, records limit, bytes limit, number of conditions, then (key,
 * syncCount) per condition, number of writes, then (key, valueBytes or -1, JSON tail) per write
 * (keys distinct), then "1" to be answered the list of consumed sessions (for the process to
 * hold: heldHeads.ts) or "", and last the arguments of the entry (liveStream.ts), given the new
 * sync count.
 *
 * Answers `{"ok", head}` (the head's line: the consumed sessions stay in Redis), or with the
 * devices and subscriptions keys `{"ok", head, ids, devices}` as the subscribers script answers
 * them (read before the first write, as everything is), either with the list of consumed
 * sessions as stored after them when asked, `{"used"}`, `{"forgotten"}`, `{"changed",
 * syncCount}`, `{"conflict", condition index (from 1), server}`, `{"limit", which, value}`,
 * `{"register"}` (it would commit, but the identity is not in its pool's index yet: nothing
 * written) or `{"corrupt", key, message}`.
 */
export const commit = script(
  "commit",
  ["read", "firstWrite", "chunked", "stream", "figures", "subscribers", "head"],
  String.raw`
local name, id, expiry, expected, now, by = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local conditionCount = ARGV[10] + 0
local writesAt = 12 + 2 * conditionCount
local writeCount = ARGV[writesAt - 1] + 0
local lastWrite = writesAt + 3 * writeCount - 1
local keyCount = #KEYS
local hold = ARGV[lastWrite + 1] == '1'
local streamAt, streamKey, payloadKey = lastWrite + 2, nil, nil
if not ARGV[streamAt] then
  streamAt = nil
else
  -- its keys: the stream or the outbox, and a payload's key when there is a payload to append
  if ARGV[streamAt] == 'x' and ARGV[streamAt + 3] ~= '' then keyCount = keyCount - 2 else keyCount = keyCount - 1 end
  streamKey, payloadKey = KEYS[keyCount + 1], KEYS[keyCount + 2]
end
local heads, records, changes, live, consumed = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local devices, subscriptions = nil, nil
if keyCount >= 7 then devices, subscriptions = KEYS[6], KEYS[7] end
local headField, olderField, newerField = 'h' .. name, 's' .. name, 't' .. name
local ok, plan, line, count, sessions, append, moved, wasLive, dotted, subscribed = pcall(decide, ARGV, name, id, expiry, expected, now, by,
  conditionCount, writesAt, writeCount, lastWrite, heads, records, live, consumed, devices, subscriptions, streamAt, streamKey, headField, olderField,
  newerField)
if not ok then return corrupt(plan) end
if plan ~= 'write' then return plan end
if writeCount == 1 then
  local refused = redis.pcall('ZADD', changes, count, ARGV[writesAt])
  if type(refused) == 'table' then return {'corrupt', changes, refused.err} end
  redis.call('HSET', records, ARGV[writesAt], '{"syncCount":' .. count .. ',"valueBytes":' .. ARGV[writesAt + 1] .. ',' .. ARGV[writesAt + 2])
elseif writeCount > 0 then
  local scored, fields = {}, {}
  for i = writesAt, lastWrite, 3 do
    scored[#scored + 1] = count
    scored[#scored + 1] = ARGV[i]
    fields[#fields + 1] = ARGV[i]
    fields[#fields + 1] = '{"syncCount":' .. count .. ',"valueBytes":' .. ARGV[i + 1] .. ',' .. ARGV[i + 2]
  end
  if #scored <= ${CHUNK} then
    local refused = firstWrite(changes, 'ZADD', changes, unpack(scored))
    if refused then return refused end
  else
    local refused = firstWrite(changes, 'ZADD', changes, unpack(scored, 1, ${CHUNK}))
    if refused then return refused end
    for from = ${CHUNK} + 1, #scored, ${CHUNK} do
      redis.call('ZADD', changes, unpack(scored, from, math.min(from + ${CHUNK} - 1, #scored)))
    end
  end
  chunked(records, 'HSET', records, fields, true)
end
local refused = firstWrite(heads, 'HSET', heads, headField, line)
if refused then return refused end
-- appended only to a list read above (a key of another type has stopped the script there)
if append then redis.call('APPEND', consumed, sessions) else redis.call('SET', consumed, sessions) end
if moved then redis.call('HDEL', heads, olderField, newerField) end
if not wasLive then
  redis.call('SADD', live, name)
  if dotted then redis.call('HSET', heads, '', string.format('%d', dotted)) end
end
if streamAt then carryStream(ARGV, streamAt, streamKey, payloadKey, count) end
if hold then
  -- the list as stored, for the process to hold from the line's start
  local list = sessions
  if append then list = redis.call('GET', consumed) end
  if subscribed then return {'ok', line, subscribed[1], subscribed[2], list} end
  return {'ok', line, list}
end
if subscribed then return {'ok', line, subscribed[1], subscribed[2]} end
return {'ok', line}
`,
  { definitions: decide }
)

/**
 * The commit of one record decided by the process against the head it holds (heldPlan in
 * heldHeads.ts), written only if the head's line and the consumed sessions' length are still
 * those held: every commit, deletion or restore changes the line. The process has checked the
 * session, the expected sync count and the order of expiries, and made the head's line but its
 * figures, which follow from the stored record: read here, checked against the condition and the
 * limits in the order the commit script checks them. A record the process wrote itself under the
 * head held is as it wrote it while the line is the one held: then the process has checked the
 * condition and the limits too, and made the whole line, and the record is not read.
 *
 * KEYS: heads, records, changes, consumed, and devices, subscriptions when the commit answers its
 * subscribers. ARGV: the head's field, its line as held, the list's length as held, the record's
 * key, valueBytes or -1, JSON tail, the condition's syncCount, the records limit and the bytes
 * limit ("" both when the record is known), the new line before and after its four figures (the
 * whole new line, and "", when the record is known), the new sync count, "a" to append to the list
 * or "s" to set it, what to append or set, and the four figures as held (none when the record is
 * known).
 *
 * Its first write is the append to the list, which checks the list's type and its length in the
 * same call (one call fewer than reading its length first: 4,000 of 112,000 instructions);
 * a list written anew has its length read first. A known record's key, not read, is checked by
 * its write, made before the list is set and the head written: refused, the list is given back
 * its bytes and the change its sync count (the record's, the condition's), as held.
 *
 * Answers false (the head is not the one held: nothing written), or as the commit script does
 * `{"ok", head}`, `{"ok", head, ids, devices}`, `{"conflict", 1, server}`, `{"limit", which,
 * value}` or `{"corrupt", key, message}`.
 */
export const heldCommit = script(
  "heldCommit",
  ["read", "chunked", "figures", "subscribers"],
  String.raw`
local heads, records, changes, consumed = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local field, key, bytes, text = ARGV[1], ARGV[4], ARGV[5], ARGV[14]
-- read with redis.pcall itself rather than through read(): no pcall of a function of its own
local line = redis.pcall('HGET', heads, field)
if type(line) == 'table' then return {'corrupt', heads, line.err} end
if line ~= ARGV[2] then return false end
local known = ARGV[8] == ''
if known then
  line = ARGV[10]
else
  local value = redis.pcall('HGET', records, key)
  if type(value) == 'table' then return {'corrupt', records, value.err} end
  -- sync counts compared as the digits both are written in (numberText, and '%d' in the scripts)
  local server, was = '0', nil
  if value then
    server, was = string.match(value, '${FIGURES}')
    if server == nil then return {'corrupt', records, 'unreadable record ' .. key} end
    was = was + 0
  end
  if server ~= ARGV[7] then return {'conflict', 1, server + 0} end
  local wasRecords, wasStorage, wasEntries, wasBytes = ARGV[15] + 0, ARGV[16] + 0, ARGV[17] + 0, ARGV[18] + 0
  local numRecords, dataStorage, entries, entryBytes = written(key, bytes + 0, was, wasRecords, wasStorage, wasEntries, wasBytes)
  if entries > ARGV[8] + 0 then return {'limit', 'records', entries} end
  if entryBytes > ARGV[9] + 0 then return {'limit', 'bytes', entryBytes} end
  -- a figure unchanged keeps its text
  local numRecordsText, dataStorageText, entriesText, entryBytesText = ARGV[15], ARGV[16], ARGV[17], ARGV[18]
  if numRecords ~= wasRecords then numRecordsText = string.format('%d', numRecords) end
  if dataStorage ~= wasStorage then dataStorageText = string.format('%d', dataStorage) end
  if entries ~= wasEntries then entriesText = string.format('%d', entries) end
  if entryBytes ~= wasBytes then entryBytesText = string.format('%d', entryBytes) end
  line = ARGV[10] .. numRecordsText .. '\t' .. dataStorageText .. '\t' .. entriesText .. '\t' .. entryBytesText .. ARGV[11]
end
local subscribed = nil
if KEYS[6] then
  local ok
  ok, subscribed = pcall(subscribersOf, KEYS[5], KEYS[6])
  if not ok then return corrupt(subscribed) end
end
local count, held = ARGV[12], ARGV[3] + 0
local appended = ARGV[13] == 'a'
if appended then
  -- the first write, the append, checks the list's type (refused) and its length (answered): a
  -- list not the one held is given back its bytes, and nothing else is written
  local length = redis.pcall('APPEND', consumed, text)
  if type(length) == 'table' then return {'corrupt', consumed, length.err} end
  if length ~= held + #text then
    restoreList(consumed, length - #text)
    return false
  end
else
  local length = redis.pcall('STRLEN', consumed)
  if type(length) == 'table' then return {'corrupt', consumed, length.err} end
  if length ~= held then return false end
end
local refused = redis.pcall('ZADD', changes, count, key)
if type(refused) == 'table' then
  if appended then restoreList(consumed, held) end
  return {'corrupt', changes, refused.err}
end
local record = '{"syncCount":' .. count .. ',"valueBytes":' .. bytes .. ',' .. ARGV[6]
if known then
  refused = redis.pcall('HSET', records, key, record)
  if type(refused) == 'table' then
    if appended then restoreList(consumed, held) end
    redis.call('ZADD', changes, ARGV[7], key)
    return {'corrupt', records, refused.err}
  end
else
  redis.call('HSET', records, key, record)
end
if not appended then redis.call('SET', consumed, text) end
redis.call('HSET', heads, field, line)
if subscribed then return {'ok', line, subscribed[1], subscribed[2]} end
return {'ok', line}
`,
  {
    definitions: String.raw`
-- a list of consumed sessions given back its first bytes, those it had before an append (an
-- empty list is no list)
local function restoreList(consumed, bytes)
  if bytes == 0 then
    redis.call('DEL', consumed)
  else
    redis.call('SET', consumed, redis.call('GETRANGE', consumed, 0, bytes - 1))
  end
end`
  }
)

/**
 * A dataset's head, the records changed after a sync count, and the existing datasets whose
 * name starts with the dataset's name and a dot.
 *
 * KEYS: heads, records, changes, live, consumed. ARGV: name, since, "1" to leave the consumed
 * sessions unread (their floor is in the head).
 * Answers `{head or false, older, newer, records, names}` (older: the list of consumed sessions,
 * newer false; in the older layouts the fields "s" and "t", "" when absent; both false when left
 * unread), each record its stored JSON (left to the reader to join: a joined copy is Lua's
 * costliest string), or `{"corrupt", key, message}`.
 */
export const readDataset = script(
  "readDataset",
  ["read", "chunked"],
  String.raw`
local ok, result = pcall(readAll, KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2], ARGV[3] == '1')
if not ok then return corrupt(result) end
return result
`,
  {
    readOnly: true,
    definitions: String.raw`
local function readAll(heads, records, changes, live, consumed, name, since, withoutSessions)
  local got
  if withoutSessions then got = read(heads, 'HMGET', heads, '', 'h' .. name)
  else got = read(heads, 'HMGET', heads, '', 'h' .. name, 's' .. name, 't' .. name) end
  local line = got[2]
  if got[1] and got[1] ~= '0' and not string.match(got[1], '^%d+$') then fail(heads, 'unreadable registration of the identity') end
  local found, merged = {}, {}
  if line and string.sub(line, 1, 2) == '1\t' then
    local syncCount = tonumber(string.match(line, '^1\t(%d+)\t'))
    if syncCount ~= nil and syncCount > tonumber(since) then
      local keys = read(changes, 'ZRANGEBYSCORE', changes, '(' .. since, '+inf')
      if #keys > 0 then
        local values = chunked(records, 'HMGET', records, keys, false)
        for i = 1, #keys do
          if not values[i] then fail(changes, 'record ' .. keys[i] .. ' is listed but missing') end
        end
        found = values
      end
    end
  end
  -- only identities with a dataset named like a merged one pay for the listing
  if got[1] and got[1] ~= '0' then
    local prefix = name .. '.'
    for _, other in ipairs(read(live, 'SMEMBERS', live)) do
      if string.sub(other, 1, #prefix) == prefix then merged[#merged + 1] = other end
    end
  end
  local older, newer = false, false
  if not withoutSessions then
    if got[3] or got[4] then older, newer = got[3] or '', got[4] or ''
    else older = read(consumed, 'GET', consumed) or '' end
  end
  return {line or false, older, newer, found, merged}
end`
  }
)

/**
 * The existing datasets of many identities, for bulk publish (on one Redis: the keys are of many
 * slots). KEYS: each identity's live set. Answers `{names, names, ...}` or `{"corrupt", ...}`.
 */
export const liveDatasets = script(
  "liveDatasets",
  ["read"],
  String.raw`
local ok, result = pcall(function()
  local out = {}
  for i = 1, #KEYS do out[i] = read(KEYS[i], 'SMEMBERS', KEYS[i]) end
  return out
end)
if not ok then return corrupt(result) end
return result
`,
  { readOnly: true }
)

/**
 * Datasets whole, for bulk publish: each one's head line and all its records (tombstones
 * included), each its stored JSON, or false twice for one that does not exist.
 *
 * KEYS: heads, records per dataset (on a Cluster, of identities of one slot). ARGV: the names.
 * Answers `{line, records, line, records, ...}` or `{"corrupt", key, message}`. The heads of
 * datasets next to each other of one identity are read with one HMGET: datasets come listed
 * identity by identity, and a call from Lua costs more than the read it makes.
 */
export const readDatasets = script(
  "readDatasets",
  ["read"],
  String.raw`
local ok, result = pcall(function()
  local out = {}
  local i = 1
  while i <= #ARGV do
    local heads = KEYS[2 * i - 1]
    local last = i
    while last < #ARGV and last - i < ${CHUNK - 1} and KEYS[2 * last + 1] == heads do last = last + 1 end
    local fields = {}
    for n = i, last do fields[n - i + 1] = 'h' .. ARGV[n] end
    local lines = read(heads, 'HMGET', heads, unpack(fields))
    for n = i, last do
      local line, records = lines[n - i + 1], KEYS[2 * n]
      if line and string.byte(line, 1) == 49 and string.byte(line, 2) == 9 then
        out[2 * n - 1] = line
        out[2 * n] = read(records, 'HVALS', records)
      else
        out[2 * n - 1] = false
        out[2 * n] = false
      end
    end
    i = last + 1
  end
  return out
end)
if not ok then return corrupt(result) end
return result
`,
  { readOnly: true }
)

/**
 * DeleteDataset: `SyncStore.deletedHead` — the head keeps its sync count as lastDeletionCount
 * and the deletion time as its dates, its figures go to zero and its LastModifiedBy to empty;
 * its expired consumed sessions, its records and its subscriptions go.
 *
 * KEYS: heads, records, changes, live, consumed, subscriptions, and the keys of the Cognito Streams
 * entry when the deletion carries one. ARGV: name, now, the sync count the dataset must have ('' for
 * any), and the arguments of the entry (liveStream.ts), given the sync count the dataset had.
 * Answers `{"ok", head, sessions}` as they were, false when the dataset did not exist,
 * `{"changed", syncCount}` when it has another sync count (nothing deleted), or `{"corrupt", ...}`.
 */
export const deleteDataset = script(
  "deleteDataset",
  ["read", "firstWrite", "stream", "head"],
  String.raw`
local heads, records, changes, live, consumed, subscriptions = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local name, now, expected = ARGV[1], ARGV[2], ARGV[3]
local streamAt = nil
if ARGV[4] then streamAt = 4 end
local ok, plan = pcall(function()
  local got = read(heads, 'HMGET', heads, '', 'h' .. name, 's' .. name, 't' .. name)
  if not got[2] then return false end
  local exists, syncCount, _, _, _, _, _, _, floor, count, last, start = parseHead(got[2], heads, name)
  if exists ~= '1' then return false end
  if expected ~= '' and syncCount + 0 ~= tonumber(expected) then return {changed = syncCount} end
  read(live, 'SISMEMBER', live, name)
  -- the list as stored, from which the head's start counts
  local stored, listKey = '', consumed
  if got[3] or got[4] then
    stored, listKey = movedSessions(got[3], got[4], 1, heads), heads
  elseif count > 0 then
    stored = read(consumed, 'GET', consumed) or ''
  end
  local before = {got[2], stored}
  _, _, _, start, count = dropExpired(consumed, stored, 1, true, start, count, tonumber(now), listKey)
  local left = ''
  if count > 0 then left = string.sub(stored, start) else last = '' end
  local dotted = nil
  if string.find(name, '.', 1, true) and tonumber(got[1]) then dotted = math.max(tonumber(got[1]) - 1, 0) end
  if streamAt then checkStream(ARGV, streamAt, KEYS[7]) end
  return {before, headLine('0', syncCount, syncCount, now, now, 0, 0, 0, 0, floor, count, last, 1, ''), left, dotted, syncCount, got[3] or got[4]}
end)
if not ok then return corrupt(plan) end
if not plan then return false end
if plan.changed then return {'changed', plan.changed} end
local refused = firstWrite(heads, 'HSET', heads, 'h' .. name, plan[2])
if refused then return refused end
if plan[3] ~= '' then redis.call('SET', consumed, plan[3]) else redis.call('DEL', consumed) end
if plan[6] then redis.call('HDEL', heads, 's' .. name, 't' .. name) end
if plan[4] then redis.call('HSET', heads, '', string.format('%d', plan[4])) end
redis.call('UNLINK', records, changes, subscriptions)
redis.call('SREM', live, name)
if streamAt then carryStream(ARGV, streamAt, KEYS[7], KEYS[8], plan[5]) end
return {'ok', plan[1][1], plan[1][2]}
`
)

/**
 * The heads of an identity's datasets with their consumed sessions, for ListDatasets. KEYS: heads.
 * ARGV: the start of the key of a dataset's consumed sessions, its name the rest (one slot: the
 * identity's). Answers `{fields, lists}`: the hash of heads as HGETALL answers it, and (name,
 * list) of each dataset whose consumed sessions are in a string of their own, or `{"corrupt", ...}`.
 */
export const datasetHeads = script(
  "datasetHeads",
  ["read"],
  String.raw`
local heads = KEYS[1]
local ok, result = pcall(function()
  local fields = read(heads, 'HGETALL', heads)
  -- the datasets of the older layouts, their consumed sessions in fields "s" and "t"
  local inFields = {}
  for i = 1, #fields, 2 do
    local kind = string.byte(fields[i], 1)
    if kind == 115 or kind == 116 then inFields[string.sub(fields[i], 2)] = true end
  end
  local lists = {}
  for i = 1, #fields, 2 do
    if string.byte(fields[i], 1) == 104 then
      local name = string.sub(fields[i], 2)
      if not inFields[name] then
        local key = ARGV[1] .. name
        lists[#lists + 1] = name
        lists[#lists + 1] = read(key, 'GET', key) or ''
      end
    end
  end
  return {fields, lists}
end)
if not ok then return corrupt(result) end
return result
`,
  { readOnly: true }
)

/**
 * The head lines of an identity's datasets (existing or deleted), for its usage; its consumed
 * sessions are left in Redis. KEYS: heads.
 * Answers `{registered, names, lines}` or `{"corrupt", ...}`.
 */
export const identityHeads = script(
  "identityHeads",
  ["read"],
  String.raw`
local heads = KEYS[1]
local ok, result = pcall(function()
  local names, fields, registered = {}, {}, false
  for _, field in ipairs(read(heads, 'HKEYS', heads)) do
    if field == '' then registered = true
    elseif string.sub(field, 1, 1) == 'h' then
      names[#names + 1] = string.sub(field, 2)
      fields[#fields + 1] = field
    end
  end
  local lines = {}
  if #fields > 0 then lines = read(heads, 'HMGET', heads, unpack(fields)) end
  return {registered and 1 or 0, names, lines}
end)
if not ok then return corrupt(result) end
return result
`,
  { readOnly: true }
)

/**
 * Marks an identity as registered in its pool's index (once the index holds it).
 * KEYS: heads. Answers 1, or `{"corrupt", ...}`.
 */
export const registered = script(
  "registered",
  ["firstWrite"],
  String.raw`
local refused = firstWrite(KEYS[1], 'HSETNX', KEYS[1], '', '0')
return refused or 1
`
)

/**
 * RegisterDevice. A device is stored once, as the JSON `[platform, token]` under its id; the
 * index of tokens maps the SHA-1 of that JSON (`redis.sha1hex`, the digest Lua has) to the id,
 * so a token is never kept twice: a collision could only give an identity the DeviceId of
 * another token it registered itself. The index of an older layout (whole JSON → id) is still
 * read, and an entry found there moves to the digests.
 * KEYS: devices, digests, heads, legacy tokens. ARGV: device JSON, device id, most devices.
 * Answers `{"id", deviceId}`, `{"limit", devices}`, `{"register"}` or `{"corrupt", ...}`.
 */
export const registerDevice = script(
  "registerDevice",
  ["read", "firstWrite"],
  String.raw`
local devices, digests, heads, legacy = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local device, id, most = ARGV[1], ARGV[2], tonumber(ARGV[3])
local digest = redis.sha1hex(device)
local ok, plan = pcall(function()
  local known = read(digests, 'HGET', digests, digest)
  if known then return {'id', known} end
  known = read(legacy, 'HGET', legacy, device)
  if known then return {'move', known} end
  if not read(heads, 'HGET', heads, '') then return {'register'} end
  local count = read(devices, 'HLEN', devices)
  if count >= most then return {'limit', count} end
  return {'write', read(devices, 'HGET', devices, id)}
end)
if not ok then return corrupt(plan) end
if plan[1] == 'move' then
  local refused = firstWrite(digests, 'HSET', digests, digest, plan[2])
  if refused then return refused end
  redis.call('HDEL', legacy, device)
  return {'id', plan[2]}
end
if plan[1] ~= 'write' then return plan end
local refused = firstWrite(devices, 'HSET', devices, id, device)
if refused then return refused end
-- a device id registered again with another token: its old token no longer names it
if plan[2] then redis.call('HDEL', digests, redis.sha1hex(plan[2])) end
redis.call('HSET', digests, digest, id)
return {'id', id}
`
)

/**
 * SubscribeToDataset. KEYS: devices, subscriptions. ARGV: device id.
 * Answers 1, 0 (unknown device) or `{"corrupt", ...}`.
 */
export const subscribe = script(
  "subscribe",
  ["read", "firstWrite"],
  String.raw`
local devices, subscriptions = KEYS[1], KEYS[2]
local ok, known = pcall(function()
  read(subscriptions, 'SCARD', subscriptions)
  return read(devices, 'HEXISTS', devices, ARGV[1])
end)
if not ok then return corrupt(known) end
if known == 0 then return 0 end
local refused = firstWrite(subscriptions, 'SADD', subscriptions, ARGV[1])
return refused or 1
`
)

/**
 * UnsubscribeFromDataset. KEYS: devices, subscriptions. ARGV: device id.
 * Answers "Unsubscribed", "UnknownDevice", "NotSubscribed" or `{"corrupt", ...}`.
 */
export const unsubscribe = script(
  "unsubscribe",
  ["read"],
  String.raw`
local devices, subscriptions = KEYS[1], KEYS[2]
local ok, outcome = pcall(function()
  if read(devices, 'HEXISTS', devices, ARGV[1]) == 0 then return 'UnknownDevice' end
  if read(subscriptions, 'SISMEMBER', subscriptions, ARGV[1]) == 0 then return 'NotSubscribed' end
  return 'Unsubscribed'
end)
if not ok then return corrupt(outcome) end
if outcome == 'Unsubscribed' then redis.call('SREM', subscriptions, ARGV[1]) end
return outcome
`
)

/**
 * The devices subscribed to a dataset. KEYS: devices, subscriptions.
 * Answers `{ids, devices}` (a device or false per id) or `{"corrupt", ...}`.
 */
export const subscribers = script(
  "subscribers",
  ["read", "chunked", "subscribers"],
  String.raw`
local ok, result = pcall(subscribersOf, KEYS[1], KEYS[2])
if not ok then return corrupt(result) end
return result
`,
  { readOnly: true }
)

/**
 * A compare-and-set of a pool's configuration. KEYS: pool. ARGV: expected version ("" when
 * absent), state JSON. Answers 1 when written, 0 when the version moved, or `{"corrupt", ...}`.
 */
export const setPool = script(
  "setPool",
  ["read", "firstWrite"],
  String.raw`
local pool = KEYS[1]
local ok, version = pcall(function()
  local version = read(pool, 'HGET', pool, 'version')
  if (version or '') ~= ARGV[1] then return false end
  if not version then return 1 end
  local n = tonumber(version)
  if n == nil then fail(pool, 'unreadable version of the pool') end
  return n + 1
end)
if not ok then return corrupt(version) end
if not version then return 0 end
local refused = firstWrite(pool, 'HSET', pool, 'version', string.format('%d', version), 'state', ARGV[2])
return refused or 1
`
)
