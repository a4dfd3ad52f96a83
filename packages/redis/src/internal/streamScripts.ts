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
 * Datasets whole for a bulk publish on one Redis (the keys are of many slots), as `readDatasets`
 * answers them, with the datasets of one identity sent together: every key costs the process
 * its bytes to send and Redis an argument to parse, and a batch's keys were half its bytes. KEYS:
 * the heads of each identity. ARGV: per identity, the prefix of its records' keys, how many of its
 * datasets follow, and their names. Answers `{line, records, line, records, ...}` (false twice for
 * a dataset that does not exist) or `{"corrupt", key, message}`.
 */
export const readIdentitiesDatasets = script(
  "readIdentitiesDatasets",
  ["read"],
  String.raw`
local ok, result = pcall(function()
  local out = {}
  local at = 1
  for k = 1, #KEYS do
    local heads, prefix, count = KEYS[k], ARGV[at], tonumber(ARGV[at + 1])
    local fields = {}
    for n = 1, count do fields[n] = 'h' .. ARGV[at + 1 + n] end
    local lines = read(heads, 'HMGET', heads, unpack(fields))
    for n = 1, count do
      local line = lines[n]
      if line and string.byte(line, 1) == 49 and string.byte(line, 2) == 9 then
        local records = prefix .. ARGV[at + 1 + n]
        out[#out + 1] = line
        out[#out + 1] = read(records, 'HVALS', records)
      else
        out[#out + 1] = false
        out[#out + 1] = false
      end
    end
    at = at + 2 + count
  end
  return out
end)
if not ok then return corrupt(result) end
return result
`,
  { readOnly: true }
)
