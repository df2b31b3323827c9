/**
 * One audit chain for the fleet: two gates sharing one real Redis each write their own decision
 * log; the chain (seq and hashes) runs across both, so the merged logs verify and either log
 * alone shows the other's records as gaps.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify-log.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { deleteTestKeys, freshPrefix, REDIS_URL } from '../helpers/redis-test.js';
import { AUDIT_POLICY } from './audit-policy.js';

describe('audit chain across replicas on Redis', () => {
  const prefix = freshPrefix('audit');
  const config = [`state: { driver: redis, url: "${REDIS_URL}", prefix: "${prefix}", timeout: 2s }`, 'limits: { check_timeout: 5s }'].join('\n');
  let dir: string;
  let a: GateFixture;
  let b: GateFixture;
  const logs: { file: string; text: string }[] = [];

  beforeAll(async () => {
    // Outside the fixtures' folders, which close() removes.
    dir = await mkdtemp(join(tmpdir(), 'dutygate-audit-replicas-'));
    const audit = (name: string) => `audit: { decision_log: "${join(dir, name)}" }`;
    a = await startGateFixture(AUDIT_POLICY, { configExtra: config, audit: audit('a.jsonl') });
    b = await startGateFixture(AUDIT_POLICY, { configExtra: config, audit: audit('b.jsonl'), agentKeys: a.agentKeys });
    const planner = await a.mint('planner');
    const check = async (gate: GateFixture, i: number) => {
      const token = await a.mintChild(planner, `finance-${i}`);
      await gate.check({ method: 'POST', host: 'payments.internal', path: '/payments', body: JSON.stringify({ payment_id: `p-${i}`, amount: i }), token, chain: [planner], headers: { 'content-type': 'application/json' } });
    };
    // Concurrently on both replicas, then a few in turn so each log surely has the other's gaps.
    await Promise.all(Array.from({ length: 24 }, (_, i) => check(i % 3 === 0 ? b : a, i)));
    for (let i = 24; i < 30; i++) {
      await check(i % 3 === 0 ? b : a, i);
      await Promise.all([a.gate.audit.settled(), b.gate.audit.settled()]);
    }
    // Closing flushes the decision logs.
    await Promise.all([a.close(), b.close()]);
    for (const name of ['a.jsonl', 'b.jsonl']) logs.push({ file: name, text: await readFile(join(dir, name), 'utf8') });
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await deleteTestKeys();
  });

  it('seals 30 decisions from two replicas into one gap-free chain', () => {
    expect(verifyAuditLog(logs)).toEqual({ ok: true, records: 30, firstSeq: 1, lastSeq: 30, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const perReplica = logs.map((log) => log.text.split('\n').filter(Boolean).length);
    expect(perReplica).toEqual([20, 10]);
  });

  it("shows the other replica's records as gaps when one log is checked alone", () => {
    expect(verifyAuditLog([logs[0]!])).toMatchObject({ ok: false, finding: { kind: 'dropped' } });
  });
});
