/**
 * The Lua script of the push hub: one call appends a batch of notifications, each message to its
 * devices' streams of events (their replay windows), then publishes once per sharded channel
 * (one channel per identity) the entry ids of every message of that channel. On a cluster a
 * batch holds the keys of one identity only (one hash tag, one slot); on a single Redis it may
 * hold many.
 *
 * A window keeps the last `count` entries or those of the last `millis`, whichever keeps more,
 * and lives `retain` ms after its last entry. It is trimmed when its length passes `count` by a
 * multiple of `slack`, not at every append: so trimming costs a few entries read per append
 * whatever the window's size, and a window holds at most `slack` entries more than it must.
 *
 * KEYS: the devices' streams, group after group. ARGV: count, millis, retain, slack, then per
 * group (one message to some devices of one identity): channel, message (JSON), its device ids
 * (a JSON array), n (how many). Published on each channel: a JSON array of its groups, each
 * `{"m": message, "d": [device ids], "i": [entry ids]}`, an entry id `null` where the append
 * failed. Answers the appends that failed (a key of another type) as
 * `{key, error, …}`, the others done.
 */
import { script } from "./scripts.js"

export const appendEvents = script(
  "appendEvents",
  [],
  String.raw`local count, millis, retain, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local time = redis.call('TIME')
local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - millis
local function msOf(id)
  return tonumber(string.match(id, '^(%d+)'))
end
local function trim(key)
  local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)[1]
  if first == nil or msOf(first[1]) >= oldest then return end
  local threshold = string.format('%d-0', oldest)
  if count > 0 then
    local kept = redis.call('XREVRANGE', key, '+', '-', 'COUNT', count)
    local last = kept[#kept][1]
    if msOf(last) < oldest then threshold = last end
  end
  redis.call('XTRIM', key, 'MINID', threshold)
end
local failed, channels, published = {}, {}, {}
local arg, k = 5, 0
while arg <= #ARGV do
  local channel, message, devices, n = ARGV[arg], ARGV[arg + 1], ARGV[arg + 2], tonumber(ARGV[arg + 3])
  local ids = {}
  for d = 1, n do
    local key = KEYS[k + d]
    local id = redis.pcall('XADD', key, '*', 'm', message)
    if type(id) == 'table' and id.err then
      failed[#failed + 1] = key
      failed[#failed + 1] = id.err
      ids[d] = 'null'
    else
      ids[d] = '"' .. id .. '"'
      local excess = redis.call('XLEN', key) - count
      if excess > 0 and excess % slack == 0 then trim(key) end
      redis.call('PEXPIRE', key, retain)
    end
  end
  local parts = published[channel]
  if parts == nil then
    parts = {}
    published[channel] = parts
    channels[#channels + 1] = channel
  end
  parts[#parts + 1] = '{"m":' .. message .. ',"d":' .. devices .. ',"i":[' .. table.concat(ids, ',') .. ']}'
  arg, k = arg + 4, k + n
end
for _, channel in ipairs(channels) do
  redis.call('SPUBLISH', channel, '[' .. table.concat(published[channel], ',') .. ']')
end
return failed`
)
