/**
 * The scripts of Cognito Streams on Redis Streams.
 */
import { script } from "./scripts.js"

/**
 * Datasets of a bulk publish job, each appended once. KEYS: the stream, the job's progress (a set
 * of the datasets it appended, in the stream's slot). ARGV: the approximate MAXLEN, how long the
 * progress is kept (ms), then per dataset its name, partition key and record. Answers how many it
 * appended. Each append comes before its progress, so that a refused append leaves the dataset
 * to append again.
 */
export const appendOnce = script(
  "appendOnce",
  [],
  String.raw`
local appended = 0
for i = 3, #ARGV, 3 do
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 0 then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'partitionKey', ARGV[i + 1], 'data', ARGV[i + 2])
    redis.call('SADD', KEYS[2], ARGV[i])
    appended = appended + 1
  end
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return appended
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
