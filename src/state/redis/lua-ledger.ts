/**
 * Atomic duty-ledger commit: the Lua port of `findDutyConflict` / `sameActor` /
 * `isDutyConflict` (src/policy/duty-conflict.ts), followed by the record. Keep the two in
 * step: the contract suite compares this script with `findDutyConflict` on random histories.
 *
 * Every name the script compares (agent, initiator, ancestors, step names) arrives encoded by
 * `encodeKeyPart` (ASCII, no `:`, no `=`), and members are
 * `3:<step>:<agent>:[=<initiator>][:<ancestor>…]` of encoded parts (the performer's lineage,
 * issue 12): the script splits and compares bytes and never decodes attacker text. Members of
 * the `2:<step>:<agent>[:<initiator>]` form (before issue 12) are read without ancestors. (It used to
 * `cjson.decode` JSON members, and one unpaired surrogate in a claim made a member cjson
 * refuses, failing every later commit on that key until the TTL — issue 19.) Members written
 * before that, JSON arrays, are still read for one ledger TTL: decoded under `pcall`, their
 * strings re-encoded with the same escaping; one that does not decode matches no actor.
 *
 * The actor's shares of the ledger (ledger-limit.ts) are sorted sets naming each entry by the
 * first 24 hex digits of SHA-1(`<member>|<ledger key>`) (members are encoded, no `|`), scored
 * like the entries: a commit that adds entries (not one that only refreshes them) is refused
 * when it would take a share's live members past the cap, checked agent, chain root, initiator
 * — the memory driver's order. Each commit trims at most 256 expired members per share.
 *
 * KEYS: the distinct ledger keys of the steps, then the actor's share keys (one hash tag, see
 *   redis-keys.ts).
 * ARGV: nowMs, cutoffMs (entries with `at <= cutoff` are expired), ttlMs, agentId,
 *   hasInitiator ('1'|'0'), initiator, nAncestors, ancestors…, nSteps, then per step:
 *   keyIndex, step, enforced ('1'|'0'), distinctBy ('lineage'|'agent'|'initiator'), member,
 *   nDistinct, distinct… (names encoded); then cap, nShares, and each share's kind
 *   ('agent'|'root'|'initiator') in the order of its key.
 * Returns 0 once recorded, {keyIndex, member, at} of the first conflicting entry, or
 * {-1, kind} of the first share the commit would overfill (and then records nothing).
 */
export const COMMIT_DUTY_LUA = `
-- encodeURIComponent's escaping, byte by byte (Redis runs Lua in the C locale: %w is ASCII).
local function enc(s)
  return (string.gsub(s, "[^%w%-_%.!~%*'%(%)]", function(c) return string.format('%%%02X', string.byte(c)) end))
end
local NONE = {}
local function parse(raw)
  if string.sub(raw, 1, 2) == '3:' then
    local fields, from = {}, 3
    while true do
      local sep = string.find(raw, ':', from, true)
      if not sep then fields[#fields + 1] = string.sub(raw, from); break end
      fields[#fields + 1] = string.sub(raw, from, sep - 1)
      from = sep + 1
    end
    if #fields < 3 then return nil end
    local init = nil
    if fields[3] ~= '' then init = string.sub(fields[3], 2) end
    local anc = {}
    for n = 4, #fields do anc[#anc + 1] = fields[n] end
    return fields[1], fields[2], init, anc
  end
  if string.sub(raw, 1, 2) == '2:' then
    local a = string.find(raw, ':', 3, true)
    if not a then return nil end
    local b = string.find(raw, ':', a + 1, true)
    if b then return string.sub(raw, 3, a - 1), string.sub(raw, a + 1, b - 1), string.sub(raw, b + 1), NONE end
    return string.sub(raw, 3, a - 1), string.sub(raw, a + 1), nil, NONE
  end
  local ok, m = pcall(cjson.decode, raw)
  if not ok or type(m) ~= 'table' or type(m[1]) ~= 'string' or type(m[2]) ~= 'string' then return nil end
  return enc(m[1]), enc(m[2]), type(m[3]) == 'string' and enc(m[3]) or nil, NONE
end
local now, cutoff, ttl = ARGV[1], ARGV[2], ARGV[3]
local agent, hasInit, initiator = ARGV[4], ARGV[5] == '1', ARGV[6]
local i = 7
-- lineage: the actor's agent and its ancestors, as a set.
local lineage = { [agent] = true }
for _ = 1, tonumber(ARGV[i]) do i = i + 1; lineage[ARGV[i]] = true end
i = i + 1
local steps = {}
for s = 1, tonumber(ARGV[i]) do
  local st = { key = tonumber(ARGV[i + 1]), name = ARGV[i + 2], enforced = ARGV[i + 3] == '1', by = ARGV[i + 4], member = ARGV[i + 5], distinct = {} }
  local nd = tonumber(ARGV[i + 6])
  i = i + 6
  for _ = 1, nd do i = i + 1; st.distinct[ARGV[i]] = true end
  steps[s] = st
end
-- sameActor (duty-conflict.ts), one branch per distinct_by.
local function same(e, by)
  if e.agent == agent then return true end
  if by == 'agent' then return false end
  if hasInit and e.initiator == initiator then return true end
  if by == 'initiator' then return false end
  if lineage[e.agent] then return true end
  for _, a in ipairs(e.ancestors) do
    if lineage[a] then return true end
  end
  return false
end
local SHARE_TRIM = 256
local cap, nShares = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
local shareKinds = {}
for s = 1, nShares do shareKinds[s] = ARGV[i + 2 + s] end
local nLedger = #KEYS - nShares
local entries = {}
for k = 1, nLedger do
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', cutoff)
  local raw = redis.call('ZRANGE', KEYS[k], 0, -1, 'WITHSCORES')
  local list = {}
  for j = 1, #raw, 2 do
    local step, agentOf, initiatorOf, ancestorsOf = parse(raw[j])
    if step then list[#list + 1] = { member = raw[j], at = raw[j + 1], step = step, agent = agentOf, initiator = initiatorOf, ancestors = ancestorsOf } end
  end
  entries[k] = list
end
-- findDutyConflict: steps in order, each against the entries of its own duty and resource.
for _, st in ipairs(steps) do
  if st.enforced and st.distinct[st.name] then
    for _, e in ipairs(entries[st.key]) do
      if e.step ~= st.name and st.distinct[e.step] and same(e, st.by) then
        return { st.key, e.member, e.at }
      end
    end
  end
end
-- The shares: only entries the ledger does not hold yet need room (a repeat refreshes its own).
-- A share lists each entry by 96 bits of the SHA-1 of member and key (a third of the bytes of
-- the two: a share's sorted set then costs about 100 B per entry, not 260).
local added, seen = 0, {}
for _, st in ipairs(steps) do
  st.share = string.sub(redis.sha1hex(st.member .. '|' .. KEYS[st.key]), 1, 24)
  if not seen[st.share] then
    seen[st.share] = true
    if not redis.call('ZSCORE', KEYS[st.key], st.member) then added = added + 1 end
  end
end
-- A share is counted by its live members (ZCOUNT, O(log n)), and its expired ones are trimmed a
-- few at a time: an actor that filled its share in a burst would otherwise have all of it
-- (100,000 members) removed by one commit a ledger TTL later, blocking Redis for every replica.
for s = 1, nShares do
  local key = KEYS[nLedger + s]
  local expired = redis.call('ZRANGEBYSCORE', key, '-inf', cutoff, 'LIMIT', 0, SHARE_TRIM)
  if #expired > 0 then redis.call('ZREM', key, unpack(expired)) end
  if added > 0 and redis.call('ZCOUNT', key, '(' .. cutoff, '+inf') + added > cap then return { -1, shareKinds[s] } end
end
for _, st in ipairs(steps) do
  redis.call('ZADD', KEYS[st.key], now, st.member)
  redis.call('PEXPIRE', KEYS[st.key], ttl)
  for s = 1, nShares do redis.call('ZADD', KEYS[nLedger + s], now, st.share) end
end
for s = 1, nShares do redis.call('PEXPIRE', KEYS[nLedger + s], ttl) end
return 0
`;
