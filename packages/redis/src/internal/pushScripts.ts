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
 * KEYS: the devices' streams, group after group. ARGV: count, millis, retain, and the groups (one
 * message to some devices of one identity) as one text, each its event (the JSON array
 * `[datasetName, syncCount]`: the rest of the message is the identity's, known from the key) and
 * its upkeep marks (one character per device, "1" to keep its window up), all joined by "\n",
 * which no event holds (JSON escapes it): one argument rather than two per group, each of which
 * the process would encode and Redis copy. An entry holds the event as its field `e`.
 *
 * Answers the entry ids, key after key, joined by "," (one reply to read rather than one per
 * key), "" where the append failed (a key of another type), the others done; then, for each
 * failed append, its key's position (from 1) and Redis's error.
 */
import { script } from "./scripts.js"

export const appendEvents = script(
  "appendEvents",
  [],
  String.raw`local count, millis, retain, groups = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local call, pcall, byte, find, sub = redis.call, redis.pcall, string.byte, string.find, string.sub
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
local ids, failed, k, at = {}, {}, 0, 1
while at <= #groups do
  local split = find(groups, '\n', at, true)
  local event = sub(groups, at, split - 1)
  local stop = find(groups, '\n', split + 1, true) or #groups + 1
  for mark = split + 1, stop - 1 do
    k = k + 1
    local key = KEYS[k]
    local upkeep = byte(groups, mark) == 49
    local id
    if upkeep then id = pcall('XADD', key, '*', 'e', event)
    else
      id = pcall('XADD', key, 'NOMKSTREAM', '*', 'e', event)
      if not id then
        id = pcall('XADD', key, '*', 'e', event)
        upkeep = true
      end
    end
    if type(id) == 'table' then
      failed[#failed + 1] = k
      failed[#failed + 1] = id.err
      id = ''
    elseif upkeep then
      if call('XLEN', key) > count then trim(key) end
      call('PEXPIRE', key, retain)
    end
    ids[k] = id
  end
  at = stop + 1
end
return {table.concat(ids, ','), unpack(failed)}`
)
