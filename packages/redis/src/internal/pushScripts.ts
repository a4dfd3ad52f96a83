/**
 * The Lua script of the push hub: one call appends a batch of notifications, each message to its
 * devices' streams of events (their replay windows), and answers the entry ids, that the process
 * then publishes (pushBatches.ts): building the publication in Lua cost Redis more than the
 * appends did. On a cluster a batch holds the keys of one identity only (one hash tag, one
 * slot); on a single Redis it may hold many.
 *
 * An append is one `XADD`. Upkeep of a window (its expiry set, its length checked) is done only
 * on the appends the caller marks, and on an append that finds no stream: so an append costs
 * Redis one command, and the caller decides how often a window is kept up (pushBatches.ts). A
 * kept-up window lives `retain` ms more. It keeps the last `count` entries or those of the last
 * `millis`, whichever keeps more, and is trimmed when an upkeep finds it longer than `count`.
 *
 * KEYS: the devices' streams, group after group. ARGV: count, millis, retain, then per group
 * (one message to some devices of one identity): the event (the JSON array `[datasetName,
 * syncCount]`: the rest of the message is the identity's, known from the key), upkeep marks (one
 * character per device, "1" to keep its window up). An entry holds the event as its field `e`.
 * Answers, key after key, the entry id, or `{error}` where the append failed (a key of another
 * type), the others done.
 */
import { script } from "./scripts.js"

export const appendEvents = script(
  "appendEvents",
  [],
  String.raw`local count, millis, retain = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local call, pcall, byte = redis.call, redis.pcall, string.byte
local oldest = nil
local function msOf(id)
  return tonumber(string.match(id, '^(%d+)'))
end
local function trim(key)
  if oldest == nil then
    local time = call('TIME')
    oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - millis
  end
  local first = call('XRANGE', key, '-', '+', 'COUNT', 1)[1]
  if first == nil or msOf(first[1]) >= oldest then return end
  local threshold = string.format('%d-0', oldest)
  if count > 0 then
    local kept = call('XREVRANGE', key, '+', '-', 'COUNT', count)
    local last = kept[#kept][1]
    if msOf(last) < oldest then threshold = last end
  end
  call('XTRIM', key, 'MINID', threshold)
end
local ids, arg, k = {}, 4, 0
while arg <= #ARGV do
  local event, marks = ARGV[arg], ARGV[arg + 1]
  for d = 1, #marks do
    local key = KEYS[k + d]
    local upkeep = byte(marks, d) == 49
    local id
    if upkeep then id = pcall('XADD', key, '*', 'e', event)
    else
      id = pcall('XADD', key, 'NOMKSTREAM', '*', 'e', event)
      if not id then
        id = pcall('XADD', key, '*', 'e', event)
        upkeep = true
      end
    end
    if type(id) == 'table' then id = {id.err}
    elseif upkeep then
      if call('XLEN', key) > count then trim(key) end
      call('PEXPIRE', key, retain)
    end
    ids[k + d] = id
  end
  arg, k = arg + 2, k + #marks
end
return ids`
)
