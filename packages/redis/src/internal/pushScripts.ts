/**
 * The Lua script of the push hub: one call per notified identity appends the message to each
 * device's stream of events (its replay window, trimmed to the last `count` entries or those of
 * the last `millis`, whichever keeps more, and kept `retain` ms after its last entry), then
 * publishes the entries' ids on the identity's sharded channel. Keys, the channel included,
 * share the identity's hash tag: one slot, so one node of a cluster.
 *
 * KEYS: the devices' event streams. ARGV: channel, count, millis, retain, message, device ids…
 * (in the order of KEYS). Published: `{"m": message, "d": [device ids], "i": [entry ids]}`.
 */
import { script } from "./scripts.js"

export const appendEvents = script(
  "appendEvents",
  [],
  `local channel, count, millis, retain, message = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local time = redis.call('TIME')
local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - millis
local ids, devices = {}, {}
for i, key in ipairs(KEYS) do
  ids[i] = redis.call('XADD', key, '*', 'm', message)
  devices[i] = ARGV[5 + i]
  local excess = redis.call('XLEN', key) - count
  if excess > 0 then
    for _, entry in ipairs(redis.call('XRANGE', key, '-', string.format('%d', oldest), 'COUNT', excess)) do
      redis.call('XDEL', key, entry[1])
    end
  end
  redis.call('PEXPIRE', key, retain)
end
redis.call('SPUBLISH', channel, cjson.encode({m = message, d = devices, i = ids}))
return #ids`
)
