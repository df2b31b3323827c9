/**
 * Two gates ("replicas": separate servers, separate state stores, same agent issuer) sharing
 * nothing but one real Redis: the replay set, the duty ledger, approvals and the audit chain
 * are fleet-wide, and they outlive a gate.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture, type GateFixtureOptions } from '../helpers/gate-fixture.js';
import { deleteTestKeys, freshPrefix, REDIS_BACKENDS, type RedisBackend } from '../helpers/redis-test.js';
import { approvalFixture } from '../unit/state/contract-approvals.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
const payment = (id: string, amount: number) => JSON.stringify({ payment_id: id, amount, destination: 'acct_ABCDEFGH12' });
const action = (id: string, verb: 'approve' | 'release') => ({ method: 'POST', host: 'payments.internal', path: `/payments/${id}/${verb}`, headers: { 'content-type': 'application/json' }, body: '{}' });

/**
 * Redis state, with generous deadlines: 200 checks at once on a shared 2-core machine queue up
 * far beyond the production check deadline, and this file tests sharing, not speed.
 */
const redisState = (backend: RedisBackend, prefix: string) => [backend.stateYaml(prefix, 'timeout: 2s'), 'limits: { check_timeout: 5s }'].join('\n');

describe.each(REDIS_BACKENDS)('two replicas sharing one $name', (backend) => {
  const prefix = freshPrefix('fleet');
  let a: GateFixture;
  let b: GateFixture;
  const replica = (extra: Partial<GateFixtureOptions> = {}) => startGateFixture(POLICY, { configExtra: redisState(backend, prefix), ...extra });

  beforeAll(async () => {
    a = await replica();
    b = await replica({ agentKeys: a.agentKeys });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await deleteTestKeys();
  });

  async function financeAgent(agentId: string, initiator = 'sso:carol') {
    // Each agent its own planner: agents under one orchestrator are one actor (distinct_by: lineage).
    return a.mintDelegated(agentId, [`planner-of-${agentId}`], { initiator });
  }

  it('reports the redis driver', () => {
    expect([a.gate.state.driver, b.gate.state.driver]).toEqual(['redis', 'redis']);
  });

  it('lets exactly one of 200 concurrent checks with one token through, across both replicas', async () => {
    const agent = await financeAgent('finance-fleet');
    const body = payment('p-fleet-once', 10);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).check({ ...PAYMENTS, body, ...agent })));
    expect(results.filter((r) => r.grpcCode === 0)).toHaveLength(1);
    const denies = results.filter((r) => r.grpcCode !== 0);
    expect(denies).toHaveLength(199);
    for (const r of denies) expect([r.httpStatus, r.body?.code]).toEqual([401, 'REPLAY']);
  });

  it('blocks at replica B a duty step that conflicts with one done at replica A', async () => {
    const id = `p-sod-${Date.now()}`;
    expect((await a.check({ ...PAYMENTS, body: payment(id, 10), ...(await financeAgent('finance-drafter')) })).grpcCode).toBe(0);
    // the drafter (same agent) tries to approve at the other replica
    const same = await b.check({ ...action(id, 'approve'), ...(await financeAgent('finance-drafter')) });
    expect([same.httpStatus, same.body?.code]).toEqual([403, 'SOD_DUTY_CONFLICT']);
    // so does another agent of the same human initiator
    const sameHuman = await b.check({ ...action(id, 'approve'), ...(await financeAgent('finance-helper')) });
    expect(sameHuman.body?.code).toBe('SOD_DUTY_CONFLICT');
    // a different actor approves at B; the drafter may not release at A, a third actor may
    expect((await b.check({ ...action(id, 'approve'), ...(await financeAgent('finance-approver', 'sso:dana')) })).grpcCode).toBe(0);
    expect((await a.check({ ...action(id, 'release'), ...(await financeAgent('finance-approver', 'sso:dana')) })).body?.code).toBe('SOD_DUTY_CONFLICT');
    expect((await a.check({ ...action(id, 'release'), ...(await financeAgent('finance-releaser', 'sso:erin')) })).grpcCode).toBe(0);
  });

  it('lets only one of two replicas commit a conflicting pair raced at the same time', async () => {
    const id = `p-race-${Date.now()}`;
    expect((await a.check({ ...PAYMENTS, body: payment(id, 10), ...(await financeAgent('finance-drafter', 'sso:zoe')) })).grpcCode).toBe(0);
    // One actor approves at A and releases at B at once (both rules require the duty):
    // evaluate() passes on both replicas' snapshots of the ledger; the atomic commit decides.
    const [approve, release] = await Promise.all([
      a.check({ ...action(id, 'approve'), ...(await financeAgent('finance-racer', 'sso:yan')) }),
      b.check({ ...action(id, 'release'), ...(await financeAgent('finance-racer', 'sso:yan')) }),
    ]);
    const codes = [approve, release].map((r) => r.body?.code ?? 'OK').sort();
    expect(codes).toEqual(['OK', 'SOD_DUTY_CONFLICT']);
  });

  it('keeps ledger entries, spent tokens, approvals and the audit chain across a gate restart', async () => {
    const id = `p-restart-${Date.now()}`;
    const drafter = await financeAgent('finance-survivor');
    expect((await a.check({ ...PAYMENTS, body: payment(id, 10), ...drafter })).grpcCode).toBe(0);
    const record = approvalFixture({ createdAt: Date.now(), expiresAt: Date.now() + 600_000 });
    await a.gate.state.createApproval(record, Date.now());
    await a.gate.state.recordVote(record.approvalId, { principal: 'sso:bob', decision: 'approve', at: Date.now(), via: 'api' }, Date.now());
    const before = await a.gate.state.appendAudit('{"event":"before restart"}');

    await a.close();
    a = await replica({ agentKeys: b.agentKeys });

    expect((await a.check({ ...PAYMENTS, body: payment(id, 10), ...drafter })).body?.code).toBe('REPLAY');
    expect((await a.check({ ...action(id, 'approve'), ...(await financeAgent('finance-survivor')) })).body?.code).toBe('SOD_DUTY_CONFLICT');
    expect(await a.gate.state.getApproval(record.approvalId, Date.now())).toMatchObject({ status: 'pending', votes: [{ principal: 'sso:bob' }] });
    // the chain goes on from its head (checks may append their own records in between)
    const after = await a.gate.state.appendAudit('{"event":"after restart"}');
    expect(after.seq).toBeGreaterThan(before.seq);
    expect(after.prevHash).not.toBe('0'.repeat(64));
  });

  it('keeps one gap-free audit chain when both replicas append at once', async () => {
    const links = await Promise.all(Array.from({ length: 80 }, (_, i) => (i % 2 === 0 ? a : b).gate.state.appendAudit(`{"n":${i}}`)));
    const seqs = links.map((link) => link.seq).sort((x, y) => x - y);
    const first = seqs[0] as number;
    expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => first + i));
    const bySeq = new Map(links.map((link) => [link.seq, link]));
    for (const seq of seqs.slice(1)) expect(bySeq.get(seq)?.prevHash).toBe(bySeq.get(seq - 1)?.hash);
  });
});
