/**
 * `state.durability: wait` (docs/design.md §9): every write is acknowledged by a replica before
 * the driver resolves it, and fewer acknowledgements fail closed. On a redis-server pair this
 * test owns (a master and a replica of it), and on a master whose replica is gone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStateConfig } from '../../../src/config/types.js';
import type { DutyActor } from '../../../src/policy/duty-conflict.js';
import type { DutyStep } from '../../../src/policy/types.js';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import type { StateStore } from '../../../src/state/state-store.js';
import { eventually } from '../../helpers/eventually.js';
import { startOwnedRedis, type OwnedRedis } from '../../helpers/redis-server.js';
import { freshPrefix } from '../../helpers/redis-test.js';

const SPACE = { purpose: 'agent', issuer: 'i' } as const;
const actor: DutyActor = { agentId: 'agent-a', initiator: 'sso:a' };
const step: DutyStep = { duty: 'payments', resource: 'pay_1', step: 'draft', distinct: ['draft', 'approve'], enforced: true };

describe('state.durability: wait', () => {
  let master: OwnedRedis;
  let replica: OwnedRedis;
  let replicaClient: Redis;
  let store: StateStore;
  let dir: string;

  beforeAll(async () => {
    // The replica's full sync writes an RDB file into its --dir: a folder of the test's own.
    dir = await mkdtemp(join(tmpdir(), 'dutygate-durable-'));
    master = await startOwnedRedis();
    replica = await startOwnedRedis(['--replicaof', '127.0.0.1', String(master.port), '--dir', dir]);
    replicaClient = new Redis(replica.port, '127.0.0.1');
    // The second test kills the replica: its reconnect attempts are expected, not news.
    replicaClient.on('error', () => undefined);
    // A fresh replica syncs for a moment; WAIT counts only a replica that is online.
    await eventually(async () => String(await replicaClient.info('replication')).includes('master_link_status:up'), Boolean, 10_000, 50);
    const config: RedisStateConfig = { driver: 'redis', url: master.url, prefix: freshPrefix('durable'), timeoutMs: 200, ledgerTtlMs: 60_000, durability: 'wait' };
    store = await createRedisStore(config);
  }, 20_000);
  afterAll(async () => {
    replicaClient?.disconnect();
    await store?.close();
    await Promise.all([master?.kill(), replica?.kill()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves claims, ledger commits and audit appends once the replica holds them', async () => {
    const now = Date.now();
    expect(await store.claimJti(SPACE, 'j-1', now + 60_000, now)).toBe(true);
    expect(await store.claimJti(SPACE, 'j-1', now + 60_000, now)).toBe(false);
    expect(await store.commitDutySteps([step], actor, now)).toBeUndefined();
    expect((await store.appendAudit('{"n":1}')).seq).toBe(1);
    // Acknowledged means on the replica already: read there, not after a pause.
    expect(await replicaClient.dbsize()).toBeGreaterThanOrEqual(3);
  });

  it('fails closed (STATE_UNAVAILABLE) when no replica acknowledges, instead of acknowledging a write a failover could lose', async () => {
    await replica.kill();
    const admin = new Redis(master.port, '127.0.0.1');
    try {
      await eventually(async () => String(await admin.info('replication')).includes('connected_slaves:0'), Boolean, 10_000, 50);
    } finally {
      admin.disconnect();
    }
    const now = Date.now();
    await expect(store.claimJti(SPACE, 'j-2', now + 60_000, now)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
    await expect(store.commitDutySteps([{ ...step, resource: 'pay_2' }], actor, now)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
  });
});
