/**
 * Compare-and-set of the audit chain head. Redis Lua has no sha256, so Node hashes the links
 * and this script only moves the head from the value Node built on to the new one; a
 * mismatch (another replica appended first) returns the current head for Node to rebuild on.
 *
 * Every head it sets is also remembered in a capped sorted set (scored by seq), so that a batch
 * whose reply was lost (a timeout, a dropped connection) can ask, when it is retried, whether
 * it landed after all: a head `seq:hash` names exactly one batch at exactly one place in the
 * chain, and re-appending a batch that did land would put its records in the chain twice.
 *
 * KEYS[1]: head key; KEYS[2]: recent heads (same hash tag).
 * ARGV: expected head (`seq:hash`, '' for an empty chain), new head, its seq, how many recent
 * heads to keep, then the heads of earlier attempts of this batch whose outcome is unknown.
 * Returns {2, i} when the i-th (1-based) earlier attempt is in the chain, {1} when moved,
 * {0, current head} otherwise.
 */
export const AUDIT_CAS_LUA = `
for i = 5, #ARGV do
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then return { 2, i - 4 } end
end
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return { 0, current } end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
return { 1 }
`;
