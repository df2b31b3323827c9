/**
 * Every approval rule is honoured (issue 12 item 3), through the real gate over gRPC with Envoy's
 * protos and the HTTP approvals API: a payment that is both large (one finance approver) and to
 * an external account (two security approvers) waits for both rules; the finance click alone
 * does not lift it, and the override is minted only once every rule's quorum is met.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollApproval, voteOnApproval } from '../helpers/approvals-http.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = `version: "rule-sets-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
  EXTERNAL: { text: Payments to external accounts need two security approvers. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
rules:
  - { id: small, tools: [payments.create], params: { amount: { max: 5000 } }, effect: allow }
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:fin"], quorum: 1, ttl: 15m }
  - id: external
    tools: [payments.create]
    params: { destination: { regex: "^ext_" } }
    effect: approval_needed
    clause: EXTERNAL
    approval: { approvers: ["sso:sec1", "sso:sec2"], quorum: 2, ttl: 10m }
`;
const CREATE = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

describe('an approval covers every matched approval rule', () => {
  let f: GateFixture;
  let n = 0;
  beforeAll(async () => {
    f = await startGateFixture(POLICY, { configExtra: 'limits: { check_timeout: 5s }' });
  });
  afterAll(async () => {
    await f.close();
  });

  const agent = () => f.mint('finance-a', { initiator: 'sso:carol' });
  const create = async (body: Record<string, unknown>, override?: string) =>
    f.check({ ...CREATE, body: JSON.stringify(body), token: await agent(), headers: { ...CREATE.headers, ...(override ? { 'x-dutygate-override': override } : {}) } });
  // A Deny says why (require_reason defaults to deny, issue 17 item 1).
  const decide = (id: string, sub: string, decision: 'approve' | 'deny' = 'approve') =>
    voteOnApproval(f, id, sub, decision, decision === 'deny' ? 'not this destination' : undefined);
  const poll = async (id: string) => (await pollApproval(f, id, await agent())).body;
  /** The approver's listing (GET /v1/approvals), narrowed to one approval. */
  const asApprover = async (id: string, sub: string) => {
    const response = await fetch(`${f.httpUrl}/v1/approvals?status=pending`, { headers: { authorization: `Bearer ${await f.mintApprover(sub)}` } });
    const { approvals } = (await response.json()) as { approvals: Record<string, unknown>[] };
    return approvals.find((each) => each.approval_id === id);
  };

  it("is not lifted by the first rule's approver alone; lifted once both quorums are met", async () => {
    const body = { amount: 9000 + ++n, destination: 'ext_acct_1' };
    const asked = await create(body);
    expect(asked.body).toMatchObject({ decision: 'approval_needed', code: 'APPROVAL_REQUIRED', rule_id: 'large' });
    const id = String(asked.body?.approval_id);

    // The record and the approvers' view carry both rules and their clauses.
    expect(await asApprover(id, 'sso:sec1')).toMatchObject({
      rules: [
        { rule_id: 'large', clause: 'Payments above 5000 need a human approval from finance.', approvers: ['sso:fin'], quorum: 1, approvals: 0, met: false },
        { rule_id: 'external', clause: 'Payments to external accounts need two security approvers.', approvers: ['sso:sec1', 'sso:sec2'], quorum: 2, approvals: 0, met: false },
      ],
      approvers: ['sso:fin', 'sso:sec1', 'sso:sec2'],
    });

    // Before issue 12 item 3 this one click approved the call.
    expect(await decide(id, 'sso:fin')).toMatchObject({ status: 200, body: { status: 'pending', result: 'recorded' } });
    const waiting = await poll(id);
    expect(waiting).toMatchObject({ status: 'pending', rules: [{ rule_id: 'large', met: true }, { rule_id: 'external', approvals: 0, met: false }] });
    expect(waiting).not.toHaveProperty('override_token');
    // Without an override the retry is still approval_needed, on the same approval.
    expect((await create(body)).body).toMatchObject({ code: 'APPROVAL_REQUIRED', approval_id: id });

    expect(await decide(id, 'sso:sec1')).toMatchObject({ body: { status: 'pending' } });
    expect(await decide(id, 'sso:sec2')).toMatchObject({ body: { status: 'approved', rules: [{ met: true }, { met: true }] } });
    const approved = await poll(id);
    const override = String(approved.override_token);
    expect(decodeJwt(override).rules).toEqual(['external', 'large']);
    const retried = await create(body, override);
    expect(retried.grpcCode).toBe(0);
    expect(retried.metadata).toMatchObject({ decision: 'allow', approval_id: id, lifted_by: 'override' });
  });

  it('expires at the shortest rule ttl, and a deny from any rule denies', async () => {
    const asked = await create({ amount: 9000 + ++n, destination: 'ext_acct_2' });
    const id = String(asked.body?.approval_id);
    const view = await poll(id);
    const ttlMs = Date.parse(String(view.expires_at)) - Date.now();
    expect(ttlMs).toBeGreaterThan(9 * 60_000);
    expect(ttlMs).toBeLessThanOrEqual(10 * 60_000);
    await decide(id, 'sso:fin');
    expect(await decide(id, 'sso:sec2', 'deny')).toMatchObject({ body: { status: 'denied' } });
  });

  it('an approval under one rule alone is asked of that rule only', async () => {
    const asked = await create({ amount: 9000 + ++n, destination: 'acct_internal' });
    const id = String(asked.body?.approval_id);
    expect(await decide(id, 'sso:sec1')).toMatchObject({ status: 403 });
    expect(await decide(id, 'sso:fin')).toMatchObject({ body: { status: 'approved' } });
    expect(decodeJwt(String((await poll(id)).override_token)).rules).toEqual(['large']);
  });
});
