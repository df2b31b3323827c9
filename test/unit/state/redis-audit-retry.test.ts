/**
 * The audit chain has no gaps (docs/design.md §7): an append the store did not take is retried
 * in order until it lands, and an append whose reply was lost is not chained twice. On a
 * redis-server this test owns (killed, paused, restarted); with AOF so that a restart keeps
 * the head, as a production Redis holding the chain must.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisStateConfig } from '../../../src/config/types.js';
import type { AuditLink } from '../../../src/state/approval-record.js';
import { AUDIT_GENESIS_HASH, auditLinkHash } from '../../../src/state/audit-hash.js';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import type { StateStore } from '../../../src/state/state-store.js';
import { startOwnedRedis, type OwnedRedis } from '../../helpers/redis-server.js';
import { freshPrefix } from '../../helpers/redis-test.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const record = (n: number) => JSON.stringify({ n, decision_id: `d-${n}` });

/** The links of `records` appended to an empty chain, as an auditor recomputes them. */
function expectedChain(records: readonly string[]): AuditLink[] {
  let prevHash = AUDIT_GENESIS_HASH;
  return records.map((text, i) => {
    const hash = auditLinkHash(prevHash, text);
    const link = { seq: i + 1, hash, prevHash };
    prevHash = hash;
    return link;
  });
}

describe('audit appends when Redis is away', () => {
  let dir: string;
  let redis: OwnedRedis;
  let store: StateStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-audit-retry-'));
    redis = await startOwnedRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]);
    const config: RedisStateConfig = { driver: 'redis', url: redis.url, prefix: freshPrefix('auditretry'), timeoutMs: 50, ledgerTtlMs: 60_000 };
    store = await createRedisStore(config);
  });
  afterEach(async () => {
    await store.close();
    await redis.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('waits while Redis is down and appends in order once it is back', async () => {
    const records = Array.from({ length: 8 }, (_, i) => record(i + 1));
    const before = await Promise.all(records.slice(0, 3).map((text) => store.appendAudit(text)));
    await redis.kill();
    const settled: number[] = [];
    const during = records.slice(3).map((text, i) => store.appendAudit(text).then((link) => (settled.push(i), link)));
    await sleep(400);
    expect(settled).toEqual([]);
    await redis.start();
    const after = await Promise.all(during);
    expect([...before, ...after]).toEqual(expectedChain(records));
    expect(settled).toEqual([0, 1, 2, 3, 4]);
    expect(await store.auditHead()).toEqual({ seq: 8, hash: expectedChain(records)[7]?.hash });
  });

  it('does not chain a record twice when the reply of its append was lost', async () => {
    await store.appendAudit(record(1));
    const admin = new Redis(redis.port, '127.0.0.1');
    try {
      // Redis holds the commands (the 50 ms deadline passes) and runs them afterwards: the
      // first attempt lands although the gate saw a timeout.
      await admin.call('client', 'pause', '400', 'ALL');
      const links = await Promise.all([2, 3, 4].map((n) => store.appendAudit(record(n))));
      expect(links).toEqual(expectedChain([1, 2, 3, 4].map(record)).slice(1));
      expect((await store.auditHead())?.seq).toBe(4);
    } finally {
      admin.disconnect();
    }
  });

  it('rejects what is still waiting when the store closes', async () => {
    await redis.kill();
    const waiting = store.appendAudit(record(1));
    await sleep(100);
    await store.close();
    await expect(waiting).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
  });
});
