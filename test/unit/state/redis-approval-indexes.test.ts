/**
 * Issue 19 item 10: the decided (`s:approved`, `s:denied`) and cancelled indexes had no TTL and
 * no cap, so every decision ever made stayed in Redis. They are now trimmed to the index cap and
 * live no longer than their longest-lived record.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisApprovals } from '../../../src/state/redis/redis-approvals.js';
import { createRedisKeys } from '../../../src/state/redis/redis-keys.js';
import { defineScripts } from '../../../src/state/redis/redis-scripts.js';
import { deleteTestKeys, freshPrefix, REDIS_URL } from '../../helpers/redis-test.js';
import { approvalFixture } from './contract-approvals.js';
import { T0 } from './state-contract.js';

afterAll(async () => {
  await deleteTestKeys();
});

describe('redis approval indexes', () => {
  it('caps the decided and cancelled indexes and expires them with their records', async () => {
    const client = new Redis(REDIS_URL);
    try {
      const keys = createRedisKeys(freshPrefix('indexes'));
      const approvals = new RedisApprovals(client, defineScripts(client), keys, { retentionMs: 60_000, indexCap: 2 });
      for (let i = 0; i < 4; i++) {
        for (const decision of ['approve', 'deny'] as const) {
          const record = approvalFixture({ quorum: 1, createdAt: T0 + i });
          await approvals.create(record, T0 + i);
          expect((await approvals.vote(record.approvalId, { principal: 'sso:bob', decision, at: T0 + i, via: 'api' }, T0 + i)).outcome).toBe('recorded');
        }
        const record = approvalFixture({ createdAt: T0 + i });
        await approvals.create(record, T0 + i);
        expect((await approvals.cancel(record.approvalId, 'sso:alice', T0 + i)).outcome).toBe('cancelled');
      }
      for (const status of ['approved', 'denied', 'cancelled'] as const) {
        const index = keys.statusIndex(status);
        expect(await client.zcard(index), status).toBe(2);
        const ttl = await client.pttl(index);
        expect(ttl, status).toBeGreaterThan(0);
        // no longer than the records it lists (expiry + retention from the last decision)
        expect(ttl, status).toBeLessThanOrEqual(15 * 60_000 + 60_000);
      }
    } finally {
      client.disconnect();
    }
  });

  // Issue 19 item 10: listing expired approvals (`?status=expired`, and the Slack sweeper every
  // 15 s on every replica) read every pending record, newest first, up to the index cap.
  it('lists expired approvals by their expiry, without reading the live pending ones', async () => {
    const client = new Redis(REDIS_URL);
    try {
      let reads = 0;
      // Counts the record reads of the listing (HGETALL of one record each).
      const counting = new Proxy(client, {
        get(target, property, receiver) {
          if (property === 'hgetall') return (...args: Parameters<Redis['hgetall']>) => ((reads += 1), target.hgetall(...args));
          return Reflect.get(target, property, receiver) as unknown;
        },
      });
      const keys = createRedisKeys(freshPrefix('expiry'));
      const approvals = new RedisApprovals(counting, defineScripts(client), keys, { retentionMs: 60 * 60_000, indexCap: 1_000, maxPending: 1_000 });
      const expired = approvalFixture({ createdAt: T0, expiresAt: T0 + 60_000 });
      await approvals.create(expired, T0);
      for (let i = 1; i <= 30; i++) await approvals.create(approvalFixture({ createdAt: T0 + i, expiresAt: T0 + 3_600_000 }), T0 + i);
      const decided = approvalFixture({ createdAt: T0 + 40, expiresAt: T0 + 61_000, quorum: 1 });
      await approvals.create(decided, T0 + 40);
      await approvals.vote(decided.approvalId, { principal: 'sso:bob', decision: 'approve', at: T0 + 41, via: 'api' }, T0 + 41);
      reads = 0;
      const listed = await approvals.list('expired', T0 + 120_000);
      expect(listed.map((record) => record.approvalId)).toEqual([expired.approvalId]);
      expect(reads).toBeLessThanOrEqual(2);
    } finally {
      client.disconnect();
    }
  });
});
