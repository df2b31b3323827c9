/**
 * Issue 19 item 2, state side: ledger members the Lua commit reads. A member cjson cannot decode
 * (an unpaired surrogate, written before the encoded member format) used to fail every later
 * commit on its key with STATE_UNAVAILABLE until the ledger TTL; members of the old JSON format
 * still count for one TTL after an upgrade.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { DutyStep } from '../../../src/policy/types.js';
import { createRedisKeys } from '../../../src/state/redis/redis-keys.js';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import { deleteTestKeys, REDIS_URL, redisTestConfig } from '../../helpers/redis-test.js';
import { T0, uniqueId } from './state-contract.js';

const step = (name: string, resource: string): DutyStep => ({ duty: 'payment', resource, step: name, distinct: ['draft', 'approve', 'release'] });

afterAll(async () => {
  await deleteTestKeys();
});

type RedisStore = Awaited<ReturnType<typeof createRedisStore>>;

/** A store on a fresh prefix, a raw client, and the ledger key of a fresh payment resource. */
async function onLedgerKey(run: (ledger: { store: RedisStore; admin: Redis; key: string; resource: string }) => Promise<void>): Promise<void> {
  const config = redisTestConfig();
  const store = await createRedisStore(config);
  const admin = new Redis(REDIS_URL);
  try {
    const resource = uniqueId('res');
    await run({ store, admin, resource, key: createRedisKeys(config.prefix).ledger('payment', resource) });
  } finally {
    admin.disconnect();
    await store.close();
  }
}

describe('redis ledger members', () => {
  it('a 2: member (before issue 12) is read without ancestors and still conflicts; 3: members keep the lineage', async () => {
    await onLedgerKey(async ({ store, admin, key, resource }) => {
      await admin.zadd(key, T0, '2:draft:a:sso%3Aann');
      await admin.pexpire(key, 86_400_000);
      expect(await store.readLedger([step('draft', resource)], T0 + 1)).toEqual([{ duty: 'payment', resource, step: 'draft', agentId: 'a', initiator: 'sso:ann', at: T0 }]);
      expect(await store.commitDutySteps([step('approve', resource)], { agentId: 'b', initiator: 'sso:ann' }, T0 + 1)).toMatchObject({ agentId: 'a' });
      expect(await store.commitDutySteps([step('approve', resource)], { agentId: 'b', ancestors: ['root', 'p:1'] }, T0 + 2)).toBeUndefined();
      expect(await admin.zrange(key, 0, -1)).toContain('3:approve:b::root:p%3A1');
      expect(await store.commitDutySteps([step('release', resource)], { agentId: 'c', ancestors: ['p:1'] }, T0 + 3)).toMatchObject({ step: 'approve', ancestors: ['root', 'p:1'] });
    });
  });

  it('a legacy member cjson cannot decode does not poison its key; legacy members still conflict', async () => {
    await onLedgerKey(async ({ store, admin, key, resource }) => {
      // Exactly what the JSON format wrote: JSON.stringify keeps a lone surrogate as a \\ud800 escape.
      await admin.zadd(key, T0, JSON.stringify(['draft', 'finance-x\ud800']), T0, JSON.stringify(['draft', 'legacy:a', 'sso:€']));
      await admin.pexpire(key, 86_400_000);
      expect(await store.commitDutySteps([step('approve', resource)], { agentId: 'b' }, T0 + 1)).toBeUndefined();
      // the readable legacy entry still binds its actor, by agent and by (non-ASCII) initiator
      expect(await store.commitDutySteps([step('approve', resource)], { agentId: 'legacy:a' }, T0 + 2)).toMatchObject({ step: 'draft', agentId: 'legacy:a' });
      expect(await store.commitDutySteps([step('release', resource)], { agentId: 'c', initiator: 'sso:€' }, T0 + 3)).toMatchObject({ step: 'draft', initiator: 'sso:€' });
      const members = await admin.zrange(key, 0, -1);
      // issue 12: members carry the performer's lineage (no initiator, no ancestors here).
      expect(members).toContain('3:approve:b:');
    });
  });
});
