/**
 * Redis Cluster readiness: the cluster config builds an ioredis Cluster with the fail-fast
 * options, and every script the driver runs — the keys it declares and the keys it touches
 * inside Lua, observed with MONITOR on the real Redis — stays within one hash tag, i.e. one
 * cluster slot. The driver itself runs on a live cluster in redis-cluster-store.test.ts and
 * the integration tests (test/helpers/cluster-global-setup.ts).
 */
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisClient, parseHostPort, planRedisClient, reconnectDelay } from '../../../src/state/redis/redis-client.js';
import { createRedisKeys, hashTagOf } from '../../../src/state/redis/redis-keys.js';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import { deleteTestKeys, REDIS_URL, redisTestConfig } from '../../helpers/redis-test.js';
import { approvalFixture } from './contract-approvals.js';
import { T0 } from './state-contract.js';

const base = { driver: 'redis', prefix: 'dutygate:', timeoutMs: 50, ledgerTtlMs: 1_000 } as const;

describe('Redis client plan', () => {
  it('builds a Cluster from state.cluster with offline queue off, auto-pipelining and the command deadline', () => {
    const config = { ...base, cluster: ['10.0.0.1:7000', 'redis-1.internal:7001', '[fd00::7]:7002'] };
    const plan = planRedisClient(config);
    expect(plan.kind).toBe('cluster');
    if (plan.kind !== 'cluster') return;
    expect(plan.nodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-1.internal', port: 7001 },
      { host: 'fd00::7', port: 7002 },
    ]);
    expect(plan.options).toMatchObject({ enableOfflineQueue: false, enableAutoPipelining: true, lazyConnect: true, scaleReads: 'master' });
    // Scripts are routed by their keys, never auto-pipelined by their key count (redis-scripts.ts).
    expect(plan.options.autoPipeliningIgnoredCommands).toEqual(expect.arrayContaining(['dutygate_recordVote', 'dutygate_auditCas', 'dutygate_commitDuty']));
    expect(plan.options.redisOptions).toMatchObject({ maxRetriesPerRequest: 0, enableAutoPipelining: true, disconnectTimeout: 500 });
    // The call deadline is the store's (it measures Redis, not a busy event loop), not ioredis'.
    expect(plan.options.redisOptions).not.toHaveProperty('commandTimeout');
    const client = createRedisClient(config);
    expect(client).toBeInstanceOf(Cluster);
    expect(client.status).toBe('wait'); // lazy: nothing dialled yet
    client.disconnect();
  });

  it('builds a single Redis from state.url with the same fail-fast options', () => {
    const plan = planRedisClient({ ...base, url: 'redis://127.0.0.1:6379/2' });
    expect(plan).toMatchObject({ kind: 'single', url: 'redis://127.0.0.1:6379/2' });
    expect(plan.options).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 0, enableAutoPipelining: true });
    expect(plan.options).not.toHaveProperty('commandTimeout');
    const client = createRedisClient({ ...base, url: 'redis://127.0.0.1:6379/2' });
    expect(client).toBeInstanceOf(Redis);
    client.disconnect();
  });

  it('reconnects with a bounded backoff', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(reconnectDelay)).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it.each([
    ['host:1', { host: 'host', port: 1 }],
    ['host', { host: 'host', port: 6379 }],
    ['[::1]:7000', { host: '::1', port: 7000 }],
  ])('parses %s', (text, want) => {
    expect(parseHostPort(text)).toEqual(want);
  });

  it.each(['host:0', 'host:70000', 'host:x', ':7000', ''])('refuses %j', (text) => {
    expect(() => parseHostPort(text)).toThrow(/host:port/);
  });

  it('refuses a prefix with braces (it would move the hash tags)', () => {
    expect(() => createRedisKeys('a{b}:')).toThrow(/must not contain/);
  });

  it.each([
    ['dutygate:{ledger}:7:payment:p-1', 'ledger'],
    ['dutygate:{approvals}:r:x{y}', 'approvals'],
    ['dutygate:j:abc', 'dutygate:j:abc'],
    ['a{}b{c}', 'a{}b{c}'],
  ])('hash tag of %s is %s (as Redis Cluster computes it)', (key, tag) => {
    expect(hashTagOf(key)).toBe(tag);
  });

  // issue 19 item 5: a jti or issuer containing `{…}` picked its own cluster slot.
  it.each(['{victim}', 'x{slot}y', '}{a}', '{', 'override:{j}'])('no attacker string %j forms a hash tag in any key', (hostile) => {
    const keys = createRedisKeys('dutygate:');
    for (const key of [keys.jti({ purpose: 'agent', issuer: hostile }, hostile), keys.jti({ purpose: 'override' }, hostile)]) {
      expect(key).not.toMatch(/[{}]/);
      expect(hashTagOf(key)).toBe(key);
    }
    expect(hashTagOf(keys.ledger(hostile, hostile))).toBe('ledger');
    for (const key of [keys.approval(hostile), keys.requestKey(hostile), keys.breakGlass(hostile)]) expect(hashTagOf(key)).toBe('approvals');
  });

  it('gives agent and override jtis, and each issuer, their own replay keyspace', () => {
    const keys = createRedisKeys('p:');
    const all = [
      keys.jti({ purpose: 'agent', issuer: 'iss' }, 'override:J'),
      keys.jti({ purpose: 'override' }, 'J'),
      keys.jti({ purpose: 'agent', issuer: 'iss:a' }, 'b'),
      keys.jti({ purpose: 'agent', issuer: 'iss' }, 'a:b'),
    ];
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('every script stays in one hash slot (observed with MONITOR)', () => {
  afterAll(async () => {
    await deleteTestKeys();
  });

  it('declared keys and keys touched inside Lua share one hash tag', async () => {
    const config = redisTestConfig();
    const monitorClient = new Redis(REDIS_URL);
    const monitor = await monitorClient.monitor();
    const lines: { source: string; args: string[] }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => lines.push({ source, args }));
    const store = await createRedisStore(config);
    try {
      const step = (name: string, resource: string, duty = 'payment') => ({ duty, resource, step: name, distinct: ['draft', 'approve'] });
      await store.claimJti({ purpose: 'agent', issuer: 'i' }, 'j1', T0 + 1000, T0);
      await store.commitDutySteps([step('draft', 'r1'), step('draft', 'r2'), step('draft', 'r1', 'refund')], { agentId: 'a' }, T0);
      await store.commitDutySteps([step('approve', 'r1'), step('approve', 'r2')], { agentId: 'a' }, T0 + 1);
      await store.readLedger([step('approve', 'r1'), step('approve', 'r2')], T0 + 2);
      const glass = approvalFixture({ kind: 'break_glass', quorum: 1, grantTtlMs: 60_000 });
      const call = approvalFixture();
      await store.createApproval(glass, T0);
      await store.createApproval(call, T0);
      await store.createApproval({ ...approvalFixture(), requestKey: call.requestKey }, T0);
      await store.setApprovalNotification(call.approvalId, { channel: 'C', ts: '1' });
      await store.recordVote(glass.approvalId, { principal: 'sso:bob', decision: 'approve', at: T0, via: 'api' }, T0 + 1);
      await store.recordVote(call.approvalId, { principal: 'sso:bob', decision: 'deny', at: T0, via: 'api' }, T0 + 1);
      await store.activeBreakGlass(glass.agentId, T0 + 2);
      await store.listApprovals('denied', T0 + 2);
      await store.appendAudit('{}');
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await store.close();
      monitorClient.disconnect();
    }

    const scripts = scriptRuns(lines, config.prefix);
    expect(scripts.length).toBeGreaterThanOrEqual(9);
    for (const run of scripts) {
      const tags = new Set([...run.declared, ...run.touched].map(hashTagOf));
      expect(tags, `script keys ${JSON.stringify([...run.declared, ...run.touched])}`).toHaveProperty('size', 1);
    }
    // every kind of script ran: ledger, approvals (create, vote, break-glass, notification), audit
    const tagsSeen = new Set(scripts.map((run) => hashTagOf(run.declared[0] as string)));
    expect([...tagsSeen].sort()).toEqual(['approvals', 'audit', 'ledger']);
    expect(scripts.some((run) => run.touched.some((key) => key.includes(':bg:')))).toBe(true);
  });
});

/** EVAL/EVALSHA lines on our prefix with the keys their Lua commands touched (first argument of each). */
function scriptRuns(lines: readonly { source: string; args: string[] }[], prefix: string) {
  const runs: { declared: string[]; touched: string[] }[] = [];
  lines.forEach((line, index) => {
    const command = line.args[0]?.toLowerCase();
    if (command !== 'evalsha' && command !== 'eval') return;
    const declared = line.args.slice(3, 3 + Number(line.args[2]));
    if (!declared.every((key) => key.startsWith(prefix)) || declared.length === 0) return;
    // Redis 7.0 logs the script before its commands; later versions may log it after them.
    const touched: string[] = [];
    const collect = (from: number, by: number) => {
      for (let i = from; i >= 0 && i < lines.length && lines[i]?.source === 'lua'; i += by) touched.push(lines[i]?.args[1] ?? '');
    };
    collect(index + 1, 1);
    if (touched.length === 0) collect(index - 1, -1);
    runs.push({ declared, touched });
  });
  return runs;
}
