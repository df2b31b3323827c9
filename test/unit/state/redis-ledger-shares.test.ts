/**
 * The Redis side of the ledger shares: no commit's work grows with what an actor stored. An
 * actor that filled its share (100,000 members by default) in a burst has all of them expire
 * together a ledger TTL later; trimming them in one commit (ZREMRANGEBYSCORE over the whole
 * share) blocked Redis — one thread for every replica — for tens of milliseconds. A commit now
 * trims at most 256 expired members per share and counts only the live ones.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { DutyStep } from '../../../src/policy/types.js';
import { encodeKeyPart } from '../../../src/state/key-parts.js';
import { createRedisKeys } from '../../../src/state/redis/redis-keys.js';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import { deleteTestKeys, REDIS_URL, redisTestConfig } from '../../helpers/redis-test.js';
import { T0, uniqueId } from './state-contract.js';

const DAY = 86_400_000;
const draft = (resource: string): DutyStep => ({ duty: 'payment', resource, step: 'draft', distinct: ['draft', 'approve'] });

afterAll(async () => {
  await deleteTestKeys();
});

describe('redis ledger shares', () => {
  it('a commit trims at most 256 expired members of a share, and counts only the live ones against the cap', async () => {
    const config = redisTestConfig();
    const store = await createRedisStore(config, { maxLedgerEntriesPerActor: 3 });
    const admin = new Redis(REDIS_URL);
    try {
      const share = createRedisKeys(config.prefix).ledgerShare('agent', encodeKeyPart('burst'));
      // 5,000 entries the agent made a ledger TTL ago (written directly: 5,000 commits would be slow).
      const stale: (string | number)[] = [];
      for (let n = 0; n < 5_000; n++) stale.push(T0, `stale-${n}`);
      await admin.zadd(share, ...stale);
      // A day later all of them have expired: the agent has its whole share again…
      for (let n = 0; n < 3; n++) expect(await store.commitDutySteps([draft(uniqueId('r'))], { agentId: 'burst' }, T0 + DAY + 1 + n)).toBeUndefined();
      await expect(store.commitDutySteps([draft(uniqueId('r'))], { agentId: 'burst' }, T0 + DAY + 10)).rejects.toMatchObject({ code: 'LEDGER_LIMIT' });
      // …and the four commits removed at most 4 × 256 of the expired members, not all 5,000 in one.
      const left = await admin.zcard(share);
      expect(left).toBeGreaterThanOrEqual(5_000 - 4 * 256 + 3);
      expect(left).toBeLessThan(5_000 + 3);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });
});
