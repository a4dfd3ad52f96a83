/**
 * The scripts of Cognito Streams on Redis Streams.
 */
import { script } from "./scripts.js"

/**
 * Datasets of a bulk publish job, each appended once. KEYS: the stream, the job's progress (a set
 * of the datasets it appended, in the stream's slot). ARGV: the approximate MAXLEN, how long the
 * progress is kept (ms), then per dataset its name, partition key and record. Answers how many it
 * appended. The progress is looked up and recorded once for the whole batch, after its appends:
 * only the first append can be refused (a key of another type, or Redis out of memory before the
 * script's first write), and it leaves nothing written.
 */
export const appendOnce = script(
  "appendOnce",
  ["chunked"],
  String.raw`
local names = {}
for i = 3, #ARGV, 3 do names[#names + 1] = ARGV[i] end
local known = chunked(KEYS[2], 'SMISMEMBER', KEYS[2], names, true)
local appended, taken = {}, {}
for n = 1, #names do
  local name = names[n]
  if known[n] == 0 and not taken[name] then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'partitionKey', ARGV[3 * n + 1], 'data', ARGV[3 * n + 2])
    taken[name] = true
    appended[#appended + 1] = name
  end
end
if #appended > 0 then chunked(KEYS[2], 'SADD', KEYS[2], appended, true) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return #appended
`
)

/** A lease taken or renewed. KEYS: the lease. ARGV: the holder, its length (ms). Answers 1 when held. */
export const lease = script(
  "lease",
  [],
  String.raw`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`
)

/**
 * Datasets of a bulk publish job read and appended in one step, on one Redis (the keys are of
 * many slots), each once: the record is built here from the stored head and records, as
 * `StreamPublisher.inlineRecord` and `JSON.stringify` build it. A dataset the script cannot build
 * exactly so is left to the caller: a record over 1 MB (its records go by URL), a number or a
 * record not in the form the store writes, or several records whose keys' order is not the order
 * of their bytes (escapes, characters from U+E000). A dataset that no longer exists is skipped.
 *
 * KEYS: the stream, the job's progress (as appendOnce), then the heads and records of each
 * dataset. ARGV: the approximate MAXLEN, how long the progress is kept (ms), then per dataset
 * its name in the progress, partition key, name, and the record's JSON up to its records
 * (`{"identityPoolId":…,"kinesisSyncRecords":`). Answers `{appended, left…}` (the positions, from
 * 1, of the datasets left to the caller), or `{"corrupt", key, message}` with nothing appended.
 */
export const publishDatasets = script(
  "publishDatasets",
  ["read", "chunked"],
  String.raw`
local INLINE = 1048576
-- a head line (codec.ts) of an existing dataset: its sync count and last modified date
local HEAD = '^1\t(%d+)\t%d+\t[^\t]*\t([^\t]*)\t%d+\t%d+\t%d+\t%d+\t[^\t]*\t%d+\t[^\t]*\t%d+\t[^\t]*$'
local byte, find, match, sub, concat = string.byte, string.find, string.match, string.sub, table.concat
-- a number as JSON.stringify writes it back after JSON.parse: a plain integer of at most 15 digits
local function int(text)
  if text == '0' or (text and #text <= 16 and match(text, '^%-?[1-9]%d*$')) then return text end
  return nil
end
-- where the JSON string opening at quote ends
local function closing(s, quote)
  local at = quote + 1
  while true do
    local found = find(s, '["\\]', at)
    if not found or byte(s, found) == 34 then return found end
    at = found + 2
  end
end
-- a stored record as it goes in the stream record, with its key's JSON text; nil when not in the stored form
local function streamed(stored)
  local count, quote = match(stored, '^{"syncCount":(%d+),"valueBytes":%-?%d+,"key":()"')
  if not int(count) then return nil end
  local keyEnd = closing(stored, quote)
  if not keyEnd or find(stored, ',"value":', keyEnd + 1, true) ~= keyEnd + 1 then return nil end
  local value, valueEnd, op = keyEnd + 10, nil, 'replace'
  if find(stored, 'null', value, true) == value then valueEnd, op = value + 3, 'remove'
  elseif byte(stored, value) == 34 then valueEnd = closing(stored, value) end
  if not valueEnd then return nil end
  local date, by = match(stored, '^,"lastModifiedDate":([^,]*),"lastModifiedBy":()"', valueEnd + 1)
  if not int(date) then return nil end
  local byEnd = closing(stored, by)
  if not byEnd then return nil end
  local device = 'null'
  if byEnd + 1 ~= #stored or byte(stored, -1) ~= 125 then
    device = int(match(stored, '^,"deviceLastModifiedDate":([^}]*)}$', byEnd + 1))
    if not device then return nil end
  end
  return sub(stored, quote + 1, keyEnd - 1), '{"key":' .. sub(stored, quote, keyEnd) .. ',"value":' .. sub(stored, value, valueEnd) ..
    ',"syncCount":' .. count .. ',"lastModifiedDate":' .. date .. ',"deviceLastModifiedDate":' .. device .. ',"op":"' .. op .. '"}'
end
local function byBytes(a, b)
  for i = 1, math.min(#a[1], #b[1]) do
    local x, y = byte(a[1], i), byte(b[1], i)
    if x ~= y then return x < y end
  end
  return #a[1] < #b[1]
end
-- the record of dataset n as JSON; false when it no longer exists, nil when it is left to the caller
local function recordOf(n)
  local heads, records = KEYS[2 * n + 1], KEYS[2 * n + 2]
  local line = read(heads, 'HGET', heads, 'h' .. ARGV[4 * n + 1])
  if not line or sub(line, 1, 2) ~= '1\t' then return false end
  local syncCount, date = match(line, HEAD)
  if not int(syncCount) or not int(date) then return nil end
  local items = {}
  for _, stored in ipairs(read(records, 'HVALS', records)) do
    local key, item = streamed(stored)
    if not key then return nil end
    items[#items + 1] = {key, item}
  end
  if #items > 1 then
    for i = 1, #items do
      if find(items[i][1], '[\\\238-\255]') then return nil end
    end
    table.sort(items, byBytes)
  end
  for i = 1, #items do items[i] = items[i][2] end
  local json = ARGV[4 * n + 2] .. '[' .. concat(items, ',') .. '],"kinesisSyncRecordsURL":null,"lastModifiedDate":' .. date ..
    ',"payloadType":"Inline","syncCount":' .. syncCount .. '}'
  if #json > INLINE then return nil end
  return json
end
local names = {}
for n = 1, (#ARGV - 2) / 4 do names[n] = ARGV[4 * n - 1] end
local known = chunked(KEYS[2], 'SMISMEMBER', KEYS[2], names, true)
local ok, built = pcall(function()
  local out = {appended = {}, left = {}, taken = {}}
  for n = 1, #names do
    if known[n] == 0 and not out.taken[names[n]] then
      local json = recordOf(n)
      if json then
        out.taken[names[n]] = true
        out.appended[#out.appended + 1] = {n, json}
      elseif json == nil then
        out.left[#out.left + 1] = n
      end
    end
  end
  return out
end)
if not ok then return corrupt(built) end
local appended = {}
for _, entry in ipairs(built.appended) do
  local n = entry[1]
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'partitionKey', ARGV[4 * n], 'data', entry[2])
  appended[#appended + 1] = names[n]
end
if #appended > 0 then chunked(KEYS[2], 'SADD', KEYS[2], appended, true) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {#appended, unpack(built.left)}
`
)
