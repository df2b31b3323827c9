/**
 * Issue 12 item 5: approvals cannot be flooded. Every approval_needed call with fresh params
 * used to create a record (kept TTL + 24 h) and a Slack post, without limit. Pending approvals
 * are now capped per agent and per initiator (`limits.max_pending_approvals`, default 20):
 * the next fresh one is denied APPROVAL_LIMIT (429), nothing is recorded or posted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = `version: "flood-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
rules:
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:bob"], quorum: 1, ttl: 15m }
`;
const CREATE = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

describe('approvals cannot be flooded', () => {
  let f: GateFixture;
  let n = 0;

  beforeAll(async () => {
    f = await startGateFixture(POLICY, { configExtra: 'limits: { check_timeout: 5s }' });
  });
  afterAll(async () => {
    await f.close();
  });

  const ask = async (agentId: string, initiator: string, amount = 9000 + ++n) =>
    f.check({ ...CREATE, body: JSON.stringify({ amount }), token: await f.mint(agentId, { initiator }) });

  it('the 21st fresh pending approval of one agent is APPROVAL_LIMIT (429); a repeat and other agents still get theirs', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await ask('flood-a', `sso:human-${i}`);
      expect(r.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      ids.push(String(r.body?.approval_id));
    }
    expect(new Set(ids).size).toBe(20);
    const over = await ask('flood-a', 'sso:human-20');
    expect(over.grpcCode).toBe(7);
    expect(over.httpStatus).toBe(429);
    expect(over.body).toMatchObject({ decision: 'deny', code: 'APPROVAL_LIMIT', rule_id: 'large' });
    expect(over.body?.approval_id).toBeUndefined();
    // Asking again for a request already pending is no new record: it returns the same approval.
    const repeat = await ask('flood-a', 'sso:human-0', 9000 + n - 20);
    expect(repeat.body).toMatchObject({ code: 'APPROVAL_REQUIRED', approval_id: ids[0] });
    expect((await ask('flood-b', 'sso:someone')).body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    expect(await f.gate.state.listApprovals('pending', Date.now(), 1000)).toHaveLength(21);
  });

  it('caps pending approvals per initiator across agents', async () => {
    for (let i = 0; i < 20; i++) expect((await ask(`fleet-${i}`, 'sso:mallory')).body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    expect((await ask('fleet-20', 'sso:mallory')).body).toMatchObject({ code: 'APPROVAL_LIMIT' });
    expect((await ask('fleet-20', 'sso:trent')).body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
  });
});
