/**
 * Approvals across two replicas sharing one real Redis (and one override key, as a fleet
 * would): a repeat on the other replica finds the same approval, an approval decided on one is
 * polled on the other, the override token is spent once fleet-wide — also by 200 concurrent
 * retries spread over both — and a break-glass grant holds on both.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture, type GateFixtureOptions } from '../helpers/gate-fixture.js';
import { deleteTestKeys, freshPrefix, REDIS_BACKENDS } from '../helpers/redis-test.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

describe.each(REDIS_BACKENDS)('approvals on two replicas sharing $name', (backend) => {
  const prefix = freshPrefix('approvals');
  let a: GateFixture;
  let b: GateFixture;
  let n = 0;
  // Generous deadlines: 200 checks at once on a shared 2-core machine; this tests sharing, not speed.
  const options = (extra: Partial<GateFixtureOptions> = {}): GateFixtureOptions => ({
    configExtra: [
      backend.stateYaml(prefix, 'timeout: 2s'),
      'limits: { check_timeout: 5s }',
      'principals: { aliases: { "slack:U0FINANCE1": "sso:frank" } }',
    ].join('\n'),
    ...extra,
  });

  beforeAll(async () => {
    a = await startGateFixture(POLICY, options());
    b = await startGateFixture(POLICY, options({ agentKeys: a.agentKeys, approvalKeys: a.approvalKeys }));
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await deleteTestKeys();
  });

  const agent = async (agentId = 'finance-fleet') => {
    return a.mintDelegated(agentId, ['planner'], { initiator: 'sso:carol' });
  };
  const pay = async (gate: GateFixture, amount: number, override?: string, agentId?: string) =>
    gate.check({
      ...PAYMENTS,
      headers: { ...PAYMENTS.headers, ...(override ? { 'x-dutygate-override': override } : {}) },
      body: JSON.stringify({ payment_id: `pay_fleet_${amount}`, amount, destination: 'acct_9f8e7d6c5b' }),
      ...(await agent(agentId)),
    });
  const approve = async (gate: GateFixture, id: string, sub = 'sso:frank') =>
    fetch(`${gate.httpUrl}/v1/approvals/${id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await gate.mintApprover(sub)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
  const poll = async (gate: GateFixture, id: string, agentId?: string) =>
    (await (await fetch(`${gate.httpUrl}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${(await agent(agentId)).token}` } })).json()) as Record<string, unknown>;

  it('one approval per pending request fleet-wide; decided on one replica, polled on the other; one retry of 200 wins', async () => {
    const amount = 9000 + ++n;
    const first = await pay(a, amount);
    expect(first.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    const id = String(first.body?.approval_id);
    expect((await pay(b, amount)).body?.approval_id).toBe(id);

    expect((await approve(b, id)).status).toBe(200);
    const status = await poll(a, id);
    expect(status).toMatchObject({ status: 'approved' });
    const override = String(status.override_token);
    expect((await poll(b, id)).override_token).toBe(override);

    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => pay(i % 2 === 0 ? a : b, amount, override)));
    expect(results.filter((r) => r.grpcCode === 0)).toHaveLength(1);
    expect(new Set(results.filter((r) => r.grpcCode !== 0).map((r) => r.body?.code))).toEqual(new Set(['OVERRIDE_SPENT']));
  });

  it('a break-glass grant approved through one replica lets the agent through on both', async () => {
    const asked = await fetch(`${a.httpUrl}/v1/break-glass`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await a.mintApprover('sso:gina')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'finance-glass', initiator: 'sso:carol', reason: 'INC-7', ttl: '10m' }),
    });
    expect(asked.status).toBe(201);
    const id = String(((await asked.json()) as { approval_id: string }).approval_id);
    expect((await approve(b, id, 'sso:frank')).status).toBe(200);
    expect((await approve(a, id, 'sso:erin')).status).toBe(200);
    for (const gate of [a, b]) {
      const r = await pay(gate, 9500 + ++n, undefined, 'finance-glass');
      expect(r.grpcCode).toBe(0);
      expect(r.metadata).toMatchObject({ break_glass: true, approval_id: id });
    }
  });

  it('cancelled on one replica (by the initiator), refused on the other; a retry asks afresh (issue 17)', async () => {
    const amount = 9000 + ++n;
    const first = await pay(a, amount);
    const id = String(first.body?.approval_id);
    const cancelled = await fetch(`${b.httpUrl}/v1/approvals/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${await b.mintApprover('sso:carol')}` } });
    expect(await cancelled.json()).toMatchObject({ status: 'cancelled', cancelled_by: 'sso:carol' });
    const late = await approve(a, id);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: 'APPROVAL_CLOSED', status: 'cancelled' });
    expect(await poll(a, id)).toMatchObject({ status: 'cancelled', cancelled_by: 'sso:carol' });
    const retry = await pay(b, amount);
    expect(retry.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    expect(retry.body?.approval_id).not.toBe(id);
  });
});
