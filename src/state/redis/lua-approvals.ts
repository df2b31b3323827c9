/**
 * Approval scripts. Each touches one record plus its indexes; every key shares the
 * `{approvals}` hash tag, so keys built inside a script from ARGV[1] (the approvals key head)
 * live in the same Redis Cluster slot as the declared ones. Records are hashes: `base` (the
 * record as created, JSON made by Node and never re-encoded by Lua, whose cjson would lose
 * number precision and turn [] into {}), the mutable fields, `v:<n>` vote JSON,
 * `p:<principal>` per voter and the per-rule counters (`nrules`, `rq:<i>`, `rn:<i>`,
 * `a:<principal>`; issue 12 item 3). The checks mirror src/state/memory/memory-approvals.ts.
 */

/**
 * Create, or return the pending record for the same request key; a fresh pending record beyond
 * the cap of its agent or initiator is refused (issue 12 item 5; same order as the memory store).
 * KEYS: record, requestKey index, status index, the agent's pending set, [the initiator's
 * pending set]; a pending record also enters the expiry index (`x:pending`, built from the head). ARGV: head, nowMs, approvalId, status, recordTtlMs, requestKeyTtlMs, indexCap,
 * createdAt, maxPending, field/value pairs….
 * Returns {1} when created, {0, HGETALL of the existing record} otherwise, {2, 'agent' |
 * 'initiator'} when a cap is reached. Pending sets are scored by expiresAt: expired ids are
 * trimmed before counting, decided and cancelled ones removed by the other scripts.
 */
export const CREATE_APPROVAL_LUA = `
local head, now, id, status = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 1 then return { 0, redis.call('HGETALL', KEYS[1]) } end
local pending = redis.call('GET', KEYS[2])
if pending then
  local other = head .. 'r:' .. pending
  local f = redis.call('HMGET', other, 'status', 'expiresAt')
  if f[1] == 'pending' and tonumber(f[2]) > now then return { 0, redis.call('HGETALL', other) } end
end
local holders = { 'agent', 'initiator' }
if status == 'pending' then
  for i = 4, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[9]) then return { 2, holders[i - 3] } end
  end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 10))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if status == 'pending' and tonumber(ARGV[6]) > 0 then
  redis.call('SET', KEYS[2], id, 'PX', ARGV[6])
  for i = 4, #KEYS do
    redis.call('ZADD', KEYS[i], now + tonumber(ARGV[6]), id)
    if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[6]) then redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
  end
end
redis.call('ZADD', KEYS[3], ARGV[8], id)
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[7]) + 1))
if status == 'pending' then
  -- By expiry: expired ids are listed without reading live ones. Past expiry + retention the
  -- record is gone (its score is older than now - retention); the cap keeps the newest.
  local expiring = head .. 'x:pending'
  local retention = tonumber(ARGV[5]) - tonumber(ARGV[6])
  redis.call('ZREMRANGEBYSCORE', expiring, '-inf', now - retention)
  redis.call('ZADD', expiring, now + tonumber(ARGV[6]), id)
  redis.call('ZREMRANGEBYRANK', expiring, 0, -(tonumber(ARGV[7]) + 1))
  if redis.call('PTTL', expiring) < tonumber(ARGV[5]) then redis.call('PEXPIRE', expiring, ARGV[5]) end
end
return { 1 }
`;

/**
 * One vote, and the decision it brings: unknown → not_found; the principal voted already →
 * duplicate; not pending or past expiry → closed; a deny denies; for a record with rules, every
 * rule's quorum met (`rn:<i>` ≥ `rq:<i>`, see ruleFields in redis-approvals.ts), else approvals
 * reaching `quorum`, approve (and start a break-glass grant).
 * The decided index is bounded like the pending one: trimmed to `indexCap` ids, and kept no
 * longer than its longest-lived record (issue 19: `s:approved`/`s:denied` grew without end).
 * KEYS: record. ARGV: head, nowMs, principal, decision, vote JSON, approvalId, retentionMs,
 * indexCap. Returns {outcome, HGETALL of the record}.
 */
export const RECORD_VOTE_LUA = `
local head, now, id = ARGV[1], tonumber(ARGV[2]), ARGV[6]
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'not_found' } end
if redis.call('HEXISTS', KEYS[1], 'p:' .. ARGV[3]) == 1 then return { 'duplicate', redis.call('HGETALL', KEYS[1]) } end
local f = redis.call('HMGET', KEYS[1], 'status', 'expiresAt', 'quorum', 'kind', 'grantTtlMs', 'agentId', 'createdAt', 'requestKey', 'initiator')
if f[1] ~= 'pending' or tonumber(f[2]) <= now then return { 'closed', redis.call('HGETALL', KEYS[1]) } end
local n = redis.call('HINCRBY', KEYS[1], 'nvotes', 1)
redis.call('HSET', KEYS[1], 'v:' .. n, ARGV[5], 'p:' .. ARGV[3], ARGV[4])
local decided = nil
if ARGV[4] == 'deny' then
  decided = 'denied'
else
  local total = redis.call('HINCRBY', KEYS[1], 'napprove', 1)
  -- Issue 12 item 3: the approve counts toward every rule listing the voter, and each rule's
  -- quorum must be met; records without rules decide by the count, as before.
  -- Issue 17 item 2: and toward every rule whose escalation names the voter, once it is open.
  local counted = {}
  local listed = redis.call('HGET', KEYS[1], 'a:' .. ARGV[3])
  if listed then
    for i in string.gmatch(listed, '%d+') do counted[i] = true end
  end
  local escalated = redis.call('HGET', KEYS[1], 'e:' .. ARGV[3])
  if escalated then
    for i, opens in string.gmatch(escalated, '(%d+)@(%d+)') do
      if now >= tonumber(opens) then counted[i] = true end
    end
  end
  for i in pairs(counted) do redis.call('HINCRBY', KEYS[1], 'rn:' .. i, 1) end
  local nrules = tonumber(redis.call('HGET', KEYS[1], 'nrules') or '0')
  local met = total >= tonumber(f[3])
  if nrules > 0 then
    met = true
    for i = 1, nrules do
      local r = redis.call('HMGET', KEYS[1], 'rn:' .. i, 'rq:' .. i)
      if tonumber(r[1]) < tonumber(r[2]) then met = false end
    end
  end
  if met then decided = 'approved' end
end
if decided then
  redis.call('HSET', KEYS[1], 'status', decided, 'decidedAt', ARGV[2])
  redis.call('ZREM', head .. 's:pending', id)
  redis.call('ZREM', head .. 'x:pending', id)
  local index = head .. 's:' .. decided
  redis.call('ZADD', index, f[7], id)
  redis.call('ZREMRANGEBYRANK', index, 0, -(tonumber(ARGV[8]) + 1))
  local keyOfRequest = head .. 'k:' .. f[8]
  if redis.call('GET', keyOfRequest) == id then redis.call('DEL', keyOfRequest) end
  redis.call('ZREM', head .. 'pa:' .. f[6], id)
  if f[9] and f[9] ~= '' then redis.call('ZREM', head .. 'pi:' .. f[9], id) end
  if decided == 'approved' and f[4] == 'break_glass' and f[5] ~= '' then
    local grant = now + tonumber(f[5])
    redis.call('HSET', KEYS[1], 'grantExpiresAt', grant)
    local bg = head .. 'bg:' .. f[6]
    redis.call('ZREMRANGEBYSCORE', bg, '-inf', now)
    redis.call('ZADD', bg, grant, id)
    if redis.call('PTTL', bg) < grant - now then redis.call('PEXPIRE', bg, grant - now) end
    local keep = grant - now + tonumber(ARGV[7])
    if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], keep) end
  end
  local lives = redis.call('PTTL', KEYS[1])
  if lives > 0 and redis.call('PTTL', index) < lives then redis.call('PEXPIRE', index, lives) end
end
return { 'recorded', redis.call('HGETALL', KEYS[1]) }
`;

/**
 * Cancel a pending record: unknown → not_found; not pending or past expiry → closed; else
 * status cancelled, who and when, moved from the pending to the cancelled index, request key freed.
 * The cancelled index is bounded like the decided ones (see RECORD_VOTE_LUA).
 * KEYS: record. ARGV: head, nowMs, by, approvalId, indexCap. Returns {outcome, HGETALL of the record}.
 */
export const CANCEL_APPROVAL_LUA = `
local head, now, id = ARGV[1], tonumber(ARGV[2]), ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'not_found' } end
local f = redis.call('HMGET', KEYS[1], 'status', 'expiresAt', 'createdAt', 'requestKey', 'agentId', 'initiator')
if f[1] ~= 'pending' or tonumber(f[2]) <= now then return { 'closed', redis.call('HGETALL', KEYS[1]) } end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'decidedAt', ARGV[2], 'cancelledBy', ARGV[3])
redis.call('ZREM', head .. 's:pending', id)
redis.call('ZREM', head .. 'x:pending', id)
redis.call('ZREM', head .. 'pa:' .. f[5], id)
if f[6] and f[6] ~= '' then redis.call('ZREM', head .. 'pi:' .. f[6], id) end
local index = head .. 's:cancelled'
redis.call('ZADD', index, f[3], id)
redis.call('ZREMRANGEBYRANK', index, 0, -(tonumber(ARGV[5]) + 1))
local lives = redis.call('PTTL', KEYS[1])
if lives > 0 and redis.call('PTTL', index) < lives then redis.call('PEXPIRE', index, lives) end
local keyOfRequest = head .. 'k:' .. f[4]
if redis.call('GET', keyOfRequest) == id then redis.call('DEL', keyOfRequest) end
return { 'cancelled', redis.call('HGETALL', KEYS[1]) }
`;

/** KEYS: an agent's break-glass index. ARGV: head, nowMs. Returns HGETALL of the longest-running active grant, or nil. */
export const ACTIVE_BREAK_GLASS_LUA = `
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. ARGV[2], 'LIMIT', 0, 1)
if #ids == 0 then return false end
return redis.call('HGETALL', ARGV[1] .. 'r:' .. ids[1])
`;

/** KEYS: record. ARGV: notification JSON. Sets it only on an existing record. */
export const SET_NOTIFICATION_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'notification', ARGV[1]) end
return 0
`;

/**
 * Claim a follow-up of a pending, unexpired record (issue 17 item 2), mirroring
 * MemoryApprovals.claimFollowUp: the stamp field (`remindedAt` / `escalatedAt`) is set to now
 * unless it was set less than `everyMs` ago (`everyMs` empty: once). One script on the record
 * itself, so of any number of replicas sweeping at once exactly one claims each interval.
 * KEYS: record. ARGV: field, nowMs, everyMs or ''. Returns HGETALL of the stamped record, or nil.
 */
export const CLAIM_FOLLOW_UP_LUA = `
local now = tonumber(ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local f = redis.call('HMGET', KEYS[1], 'status', 'expiresAt', ARGV[1])
if f[1] ~= 'pending' or tonumber(f[2]) <= now then return false end
if f[3] then
  if ARGV[3] == '' or tonumber(f[3]) > now - tonumber(ARGV[3]) then return false end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])
`;
