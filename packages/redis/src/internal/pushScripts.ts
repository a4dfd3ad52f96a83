/**
 * The Lua script of the push hub: one call appends a batch of notifications, each message to its
 * devices' streams of events (their replay windows), then publishes once per sharded channel
 * (one channel per identity) the entry ids of every message of that channel. On a cluster a
 * batch holds the keys of one identity only (one hash tag, one slot); on a single Redis it may
 * hold many.
 *
 * An append is one `XADD`. Upkeep of a window (its expiry set, its length checked) is done only
 * on the appends the caller marks, and on an append that finds no stream: so an append costs
 * Redis one command, and the caller decides how often a window is kept up (pushBatches.ts). A
 * kept-up window lives `retain` ms more. It keeps the last `count` entries or those of the last
 * `millis`, whichever keeps more, and is trimmed when an upkeep finds it longer than `count`.
 *
 * KEYS: the devices' streams, group after group. ARGV: count, millis, retain, then per group
 * (one message to some devices of one identity): the length of the common part of the
 * identity's keys that starts each of its streams (its channel is that part and `:push`, not
 * sent again: it would be a third of what a delivery sends), the event (the JSON array
 * `[datasetName, syncCount]`: the rest of the message is the identity's, known from the key or
 * the channel), its device ids (a JSON array), upkeep marks (one character per device, "1" to
 * keep its window up). An entry holds the event as its field `e`. Published on each channel: a
 * JSON array of its groups, each `{"e": event, "d": [device ids], "i": [entry ids]}`, an entry id
 * `null` where the append failed (read back by pushPublication.ts, which scans it in this
 * order). Answers the appends that failed (a key of
 * another type) as `{key, error, …}`, the others done.
 */
import { script } from "./scripts.js"

export const appendEvents = script(
  "appendEvents",
  [],
  String.raw`local count, millis, retain = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local call, pcall, byte, concat = redis.call, redis.pcall, string.byte, table.concat
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
local failed, channels, published = {}, {}, {}
local arg, k = 4, 0
while arg <= #ARGV do
  local channel = string.sub(KEYS[k + 1], 1, tonumber(ARGV[arg])) .. ':push'
  local event, devices, marks = ARGV[arg + 1], ARGV[arg + 2], ARGV[arg + 3]
  local n = #marks
  local ids, broken = {}, false
  for d = 1, n do
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
    if type(id) == 'table' then
      failed[#failed + 1] = key
      failed[#failed + 1] = id.err
      ids[d] = 'null'
      broken = true
    else
      ids[d] = id
      if upkeep then
        if call('XLEN', key) > count then trim(key) end
        call('PEXPIRE', key, retain)
      end
    end
  end
  local parts = published[channel]
  if parts == nil then
    parts = {}
    published[channel] = parts
    channels[#channels + 1] = channel
  end
  if broken then
    for d = 1, n do
      if ids[d] ~= 'null' then ids[d] = '"' .. ids[d] .. '"' end
    end
    parts[#parts + 1] = '{"e":' .. event .. ',"d":' .. devices .. ',"i":[' .. concat(ids, ',') .. ']}'
  else
    parts[#parts + 1] = '{"e":' .. event .. ',"d":' .. devices .. ',"i":["' .. concat(ids, '","') .. '"]}'
  end
  arg, k = arg + 4, k + n
end
for _, channel in ipairs(channels) do
  call('SPUBLISH', channel, '[' .. concat(published[channel], ',') .. ']')
end
return failed`
)
