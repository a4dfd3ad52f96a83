/**
 * The scripts of Cognito Streams on Redis Streams.
 */
import { script } from "./scripts.js"

/**
 * One dataset of a bulk publish job, appended once. KEYS: the stream, the job's progress (a set
 * of the datasets it appended, in the stream's slot). ARGV: the dataset, the approximate MAXLEN,
 * the partition key, the record, how long the progress is kept (ms). Answers 1 when it appended,
 * 0 when the job had appended the dataset already. The append comes before the progress, so that
 * a refused append leaves the dataset to append again.
 */
export const appendOnce = script(
  "appendOnce",
  [],
  String.raw`
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'partitionKey', ARGV[3], 'data', ARGV[4])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
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
