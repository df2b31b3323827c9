/**
 * Compare-and-set of the audit chain head. Redis Lua has no sha256, so Node hashes the links
 * and this script only moves the head from the value Node built on to the new one; a
 * mismatch (another replica appended first) returns the current head for Node to rebuild on.
 *
 * KEYS[1]: head key. ARGV: expected head (`seq:hash`, '' for an empty chain), new head.
 * Returns {1} when moved, {0, current head} otherwise.
 */
export const AUDIT_CAS_LUA = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return { 0, current } end
redis.call('SET', KEYS[1], ARGV[2])
return { 1 }
`;
