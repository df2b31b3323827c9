/**
 * A rolling upgrade must not open a hole (issue 12 item 3): while some replicas still run the vote
 * script of before rule sets, which approves on a count of approvals alone, a record with rules
 * must not be approved by them. The driver writes such a record's `quorum` hash field as one
 * more than all its approvers, so the old script can never reach it; the new one decides by rules.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisApprovals } from '../../../src/state/redis/redis-approvals.js';
import { createRedisKeys } from '../../../src/state/redis/redis-keys.js';
import { defineScripts } from '../../../src/state/redis/redis-scripts.js';
import { deleteTestKeys, freshPrefix, REDIS_URL } from '../../helpers/redis-test.js';
import { approvalFixture } from './contract-approvals.js';
import { T0 } from './state-contract.js';

/** RECORD_VOTE_LUA as it was at d3c9c9d (before rule sets), verbatim. */
const VOTE_BEFORE_RULE_SETS = `
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
elseif redis.call('HINCRBY', KEYS[1], 'napprove', 1) >= tonumber(f[3]) then
  decided = 'approved'
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

afterAll(async () => {
  await deleteTestKeys();
});

describe('redis approvals during a rolling upgrade to rule sets', () => {
  it('a replica still on the old vote script cannot approve a record of several rules on a count', async () => {
    const client = new Redis(REDIS_URL);
    try {
      const keys = createRedisKeys(freshPrefix('upgrade'));
      const approvals = new RedisApprovals(client, defineScripts(client), keys, { retentionMs: 60_000 });
      const record = approvalFixture({
        rules: [
          { ruleId: 'large', approvers: ['sso:bob'], quorum: 1 },
          { ruleId: 'external', approvers: ['sso:carol', 'sso:dave'], quorum: 2 },
        ],
        approvers: ['sso:bob', 'sso:carol', 'sso:dave'],
        quorum: 2,
      });
      await approvals.create(record, T0);
      const oldVote = async (principal: string) => {
        const vote = JSON.stringify({ principal, decision: 'approve', at: T0 + 1, via: 'api' });
        const reply = (await client.eval(VOTE_BEFORE_RULE_SETS, 1, keys.approval(record.approvalId), keys.approvals, T0 + 1, principal, 'approve', vote, record.approvalId, 60_000, 100)) as [string, string[]];
        return reply[0];
      };
      // Every approver of the record votes through the old script: each counted, none approves.
      for (const principal of record.approvers) expect(await oldVote(principal)).toBe('recorded');
      expect((await approvals.get(record.approvalId, T0 + 2))?.status).toBe('pending');

      // The same three votes through today's script approve once both rules are met.
      const fresh = approvalFixture({ rules: record.rules, approvers: record.approvers, quorum: 2 });
      await approvals.create(fresh, T0);
      const statuses = [];
      for (const principal of ['sso:bob', 'sso:carol', 'sso:dave']) {
        statuses.push((await approvals.vote(fresh.approvalId, { principal, decision: 'approve', at: T0 + 1, via: 'api' }, T0 + 1)).outcome === 'recorded' && (await approvals.get(fresh.approvalId, T0 + 1))?.status);
      }
      expect(statuses).toEqual(['pending', 'pending', 'approved']);
    } finally {
      client.disconnect();
    }
  });
});
