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
-- A member of an older form ('2:' or a JSON array): step, agent, initiator, ancestors.
local function parseLegacy(raw)
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
-- sameActor (duty-conflict.ts), one branch per distinct_by, up to the entry's ancestors: true or
-- false once decided, nil when only the ancestors can still make the entry the actor's.
local function sameBeforeAncestors(agentOf, initiatorOf, by)
  if agentOf == agent then return true end
  if by == 'agent' then return false end
  if hasInit and initiatorOf == initiator then return true end
  if by == 'initiator' then return false end
  if lineage[agentOf] then return true end
  return nil
end
-- sameActor on an entry of an older form, its ancestors a table.
local function same(agentOf, initiatorOf, ancestorsOf, by)
  local decided = sameBeforeAncestors(agentOf, initiatorOf, by)
  if decided ~= nil then return decided end
  for _, a in ipairs(ancestorsOf) do
    if lineage[a] then return true end
  end
  return false
end
-- sameActor on a '3:' member, read in place (its step ends at \`stepEnd\`): fields are found with
-- plain string.find, never split into tables. A member of fewer than three fields is no actor.
-- A commit scans every member of its ledger key while Redis serves no other client, so the
-- scan's cost per member is every replica's latency: splitting each member into tables (and
-- reading every score) cost ~2.6 µs a member (2 ms a commit on a key of 800 members); reading in
-- place, after the plain-search filter below, ~0.5 µs.
local function same3(m, stepEnd, by)
  local agentEnd = string.find(m, ':', stepEnd + 1, true)
  if not agentEnd then return false end
  local fieldEnd = string.find(m, ':', agentEnd + 1, true)
  -- The third field is '' (no initiator) or '=' and the initiator.
  local initiatorOf = nil
  if fieldEnd ~= agentEnd + 1 and agentEnd < #m then initiatorOf = string.sub(m, agentEnd + 2, (fieldEnd or 0) - 1) end
  local decided = sameBeforeAncestors(string.sub(m, stepEnd + 1, agentEnd - 1), initiatorOf, by)
  if decided ~= nil then return decided end
  while fieldEnd do
    local from = fieldEnd + 1
    fieldEnd = string.find(m, ':', from, true)
    if lineage[string.sub(m, from, (fieldEnd or 0) - 1)] then return true end
  end
  return false
end
-- Every name that can make an entry the actor's own. A member that names none of them anywhere
-- is another actor's: found by plain searches (in C) before any field is cut out.
local names = {}
for name in pairs(lineage) do names[#names + 1] = name end
if hasInit then names[#names + 1] = initiator end
local function mentionsActor(m, from)
  for _, name in ipairs(names) do
    if string.find(m, name, from, true) then return true end
  end
  return false
end
local SHARE_TRIM = 256
local cap, nShares = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
local shareKinds = {}
for s = 1, nShares do shareKinds[s] = ARGV[i + 2 + s] end
local nLedger = #KEYS - nShares
for k = 1, nLedger do redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', cutoff) end
-- findDutyConflict: steps in order, each against the entries of its own duty and resource
-- (each key read once, and only for a step that is judged). Without WITHSCORES: formatting every
-- member's score took over two thirds of a key's read; only a conflict's own score is asked.
local members = {}
for _, st in ipairs(steps) do
  if st.enforced and st.distinct[st.name] then
    local raw = members[st.key]
    if not raw then
      raw = redis.call('ZRANGE', KEYS[st.key], 0, -1)
      members[st.key] = raw
    end
    for j = 1, #raw do
      local m = raw[j]
      local hit = false
      local b1, b2 = string.byte(m, 1, 2)
      if b1 == 51 and b2 == 58 then -- '3:'
        -- Another actor's member (most of a busy key) is passed over without cutting a string.
        if mentionsActor(m, 3) then
          local stepEnd = string.find(m, ':', 3, true)
          if stepEnd then
            local step = string.sub(m, 3, stepEnd - 1)
            hit = step ~= st.name and st.distinct[step] and same3(m, stepEnd, st.by)
          end
        end
      else
        local step, agentOf, initiatorOf, ancestorsOf = parseLegacy(m)
        hit = step and step ~= st.name and st.distinct[step] and same(agentOf, initiatorOf, ancestorsOf, st.by)
      end
      if hit then return { st.key, m, redis.call('ZSCORE', KEYS[st.key], m) } end
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
