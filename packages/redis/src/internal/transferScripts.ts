/**
 * The scripts of scan and restore, over the keys of one identity (formats in scripts.ts).
 */
import { script } from "./scripts.js"

/**
 * Everything of one identity, read at once. KEYS: heads, devices, then (records, subscriptions,
 * consumed) per dataset. ARGV: the dataset names, in the order of their keys.
 * Answers `{heads, devices, then (records, subscribers, consumed sessions) per dataset}` (flat
 * field/value lists, lists of members, and the string of consumed sessions or false), `"again"`
 * when the identity's datasets are no longer those named, or `{"corrupt", ...}`.
 */
export const readIdentity = script(
  "readIdentity",
  ["read"],
  String.raw`
local ok, result = pcall(function()
  local heads = read(KEYS[1], 'HGETALL', KEYS[1])
  local names = 0
  for i = 1, #heads, 2 do
    if string.sub(heads[i], 1, 1) == 'h' then names = names + 1 end
  end
  if names ~= #ARGV then return 'again' end
  for i = 1, #ARGV do
    if redis.call('HEXISTS', KEYS[1], 'h' .. ARGV[i]) == 0 then return 'again' end
  end
  local out = {heads, read(KEYS[2], 'HGETALL', KEYS[2])}
  for i = 1, #ARGV do
    local records, subscriptions, consumed = KEYS[3 * i], KEYS[1 + 3 * i], KEYS[2 + 3 * i]
    out[#out + 1] = read(records, 'HVALS', records)
    out[#out + 1] = read(subscriptions, 'SMEMBERS', subscriptions)
    out[#out + 1] = read(consumed, 'GET', consumed)
  end
  return out
end)
if not ok then return corrupt(result) end
return result
`,
  { readOnly: true }
)

/**
 * Writes an identity's datasets, devices and subscriptions over what it holds of them, and counts
 * its existing datasets with a dot in their name (which also marks it registered: its caller has
 * put it in its pool's index). Every key is checked before the first write.
 *
 * KEYS: heads, live, devices, device digests, then (records, changes, consumed) per dataset, then
 * the subscriptions of each subscribed dataset.
 * ARGV: datasets, subscriptions, devices; per dataset: name, head line, sessions, exists (1/0),
 * records, then (key, sync count, record JSON) per record; per subscription: ids, then the ids;
 * per device: id, `[platform, token]`.
 * Answers 1 or `{"corrupt", ...}`.
 */
export const restoreIdentity = script(
  "restoreIdentity",
  ["read", "chunked"],
  String.raw`
local heads, live, devices, digests = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local datasets, subscribed, deviceCount = ARGV[1] + 0, ARGV[2] + 0, ARGV[3] + 0
local ok, refused = pcall(function()
  read(heads, 'HLEN', heads)
  read(live, 'SCARD', live)
  read(devices, 'HLEN', devices)
  read(digests, 'HLEN', digests)
  for i = 1, datasets do
    read(KEYS[2 + 3 * i], 'HLEN', KEYS[2 + 3 * i])
    read(KEYS[3 + 3 * i], 'ZCARD', KEYS[3 + 3 * i])
  end
  for j = 1, subscribed do
    read(KEYS[4 + 3 * datasets + j], 'SCARD', KEYS[4 + 3 * datasets + j])
  end
end)
if not ok then return corrupt(refused) end
local at = 4
for i = 1, datasets do
  local records, changes, consumed = KEYS[2 + 3 * i], KEYS[3 + 3 * i], KEYS[4 + 3 * i]
  local name, count = ARGV[at], ARGV[at + 4] + 0
  redis.call('DEL', records, changes, consumed)
  redis.call('HSET', heads, 'h' .. name, ARGV[at + 1])
  redis.call('HDEL', heads, 's' .. name, 't' .. name)
  if ARGV[at + 2] ~= '' then redis.call('SET', consumed, ARGV[at + 2]) end
  if ARGV[at + 3] == '1' then redis.call('SADD', live, name) else redis.call('SREM', live, name) end
  at = at + 5
  local fields, scored = {}, {}
  for _ = 1, count do
    fields[#fields + 1] = ARGV[at]
    fields[#fields + 1] = ARGV[at + 2]
    scored[#scored + 1] = ARGV[at + 1]
    scored[#scored + 1] = ARGV[at]
    at = at + 3
  end
  if count > 0 then
    chunked(records, 'HSET', records, fields, true)
    chunked(changes, 'ZADD', changes, scored, true)
  end
end
for j = 1, subscribed do
  local subscriptions, count = KEYS[4 + 3 * datasets + j], ARGV[at] + 0
  redis.call('DEL', subscriptions)
  if count > 0 then chunked(subscriptions, 'SADD', subscriptions, {unpack(ARGV, at + 1, at + count)}, true) end
  at = at + 1 + count
end
for _ = 1, deviceCount do
  redis.call('HSET', devices, ARGV[at], ARGV[at + 1])
  redis.call('HSET', digests, redis.sha1hex(ARGV[at + 1]), ARGV[at])
  at = at + 2
end
local dotted = 0
for _, name in ipairs(redis.call('SMEMBERS', live)) do
  if string.find(name, '.', 1, true) then dotted = dotted + 1 end
end
redis.call('HSET', heads, '', string.format('%d', dotted))
return 1
`
)
