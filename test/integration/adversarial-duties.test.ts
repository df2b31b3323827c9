/**
 * Issue 12 items 1 and 2 through the real gate (gRPC with Envoy's protos): a compromised agent
 * (and its orchestrator) holding valid tokens tries to perform two distinct steps of one payment
 * by spelling the resource differently, or by acting through sibling agents. Each attack was an
 * allow on main at 179aeca.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = `version: "adversarial-duties"
default: deny
clauses:
  SOD_DUTY_CONFLICT: { text: Drafting and approving one payment are duties for two different actors. }
  PAYMENT_ID: { text: A payment is named by its one canonical id. }
tools:
  - { name: payments.create, match: { method: POST, path: /payments } }
  - { name: payments.approve, match: { method: POST, path: "/payments/{payment_id}/approve" } }
  - { name: payments.release, match: { method: POST, path: "/payments/{payment_id}/release" } }
  - { name: invoices.create, match: { method: POST, path: /invoices } }
  - { name: invoices.approve, match: { method: POST, path: /invoices/approve } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^pay_[a-z0-9]{1,32}$" }
    steps: { draft: [payments.create], approve: [payments.approve], release: [payments.release] }
    distinct: [draft, approve, release]
    clause: PAYMENT_ID
  invoice:
    resource: { param: invoice_id, type: integer }
    steps: { draft: [invoices.create], approve: [invoices.approve] }
    distinct: [draft, approve]
rules:
  - { id: create, tools: [payments.create, invoices.create], require: { parent_agent_id: true }, effect: allow }
  - { id: approve, tools: [payments.approve, payments.release], require: { duty: payment }, effect: allow }
  - { id: approve-invoice, tools: [invoices.approve], require: { duty: invoice }, effect: allow }
`;

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('adversarial duties (issue 12 items 1 and 2, real gate)', () => {
  let f: GateFixture;
  let serial = 0;

  beforeAll(async () => {
    f = await startGateFixture(POLICY);
  });
  afterAll(async () => {
    await f.close();
  });

  /** A fresh token for `agentId` delegated by `parent` (its own orchestrator unless named). */
  async function agent(agentId: string, parent = `orchestrator-${agentId}-${++serial}`) {
    const link = await f.mintLink(parent, agentId);
    return { token: await f.mintChild(link, agentId), chain: [link] };
  }

  describe('item 1: one resource, one ledger key', () => {
    it.each([
      ['another case', '/payments/PAY_1/approve'],
      ['a Tomcat path parameter', '/payments/pay_1;x/approve'],
      ['a PAD SPACE', '/payments/pay_1%20/approve'],
      ['a plus sign', '/payments/+pay_1/approve'],
    ])('the drafter cannot approve its draft spelled with %s: SOD_RESOURCE_INVALID with the duty clause', async (_name, path) => {
      const id = `pay_${++serial}`;
      const drafter = 'finance-a';
      const draft = await f.check({ method: 'POST', path: '/payments', headers: JSON_HEADERS, body: JSON.stringify({ payment_id: id }), ...(await agent(drafter)) });
      expect(draft.grpcCode).toBe(0);
      const attack = await f.check({ method: 'POST', path: path.replace('pay_1', id).replace('PAY_1', id.toUpperCase()), ...(await agent(drafter)) });
      expect(attack.grpcCode).toBe(7);
      expect(attack.body).toMatchObject({ decision: 'deny', code: 'SOD_RESOURCE_INVALID', clause: 'A payment is named by its one canonical id.', source: 'policy.yaml#/clauses/PAYMENT_ID' });
      // The canonical spelling is the one ledger key: the drafter's approval is a conflict there.
      const canonical = await f.check({ method: 'POST', path: `/payments/${id}/approve`, ...(await agent(drafter)) });
      expect(canonical.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });
    });

    it.each([
      ['a leading zero', '"042"'],
      ['a sign', '"+42"'],
      ['a number past 2^53', '9007199254740993'],
      ['a fraction', '42.5'],
    ])('an integer resource with %s is SOD_RESOURCE_INVALID; 42 and "42" are one key', async (_name, spelled) => {
      const base = 100_000 + ++serial;
      const drafter = 'finance-int';
      const draft = await f.check({ method: 'POST', path: '/invoices', headers: JSON_HEADERS, body: `{"invoice_id": ${base}}`, ...(await agent(drafter)) });
      expect(draft.grpcCode).toBe(0);
      const odd = await f.check({ method: 'POST', path: '/invoices/approve', headers: JSON_HEADERS, body: `{"invoice_id": ${spelled.replace('42', String(base))}}`, ...(await agent(drafter)) });
      expect(odd.body).toMatchObject({ decision: 'deny', code: 'SOD_RESOURCE_INVALID', source: 'dutygate:builtin#/clauses/SOD_RESOURCE_INVALID' });
      const asString = await f.check({ method: 'POST', path: `/invoices/approve?invoice_id=${base}`, ...(await agent(drafter)) });
      expect(asString.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });
    });

    it('a repeated query key or a missing resource is SOD_RESOURCE_INVALID, never an unrecorded allow', async () => {
      const repeated = await f.check({ method: 'POST', path: '/invoices/approve?invoice_id=7&invoice_id=7', ...(await agent('finance-q')) });
      expect(repeated.body).toMatchObject({ code: 'SOD_RESOURCE_INVALID' });
      expect((repeated.body as { reason: string }).reason).toContain('more than once');
      const missing = await f.check({ method: 'POST', path: '/invoices/approve', ...(await agent('finance-q')) });
      expect(missing.body).toMatchObject({ code: 'SOD_RESOURCE_INVALID' });
    });
  });

  describe('item 2: the lineage is the actor', () => {
    it('one orchestrator may not draft through child A, approve through child B and release through child C', async () => {
      const id = `pay_${++serial}`;
      const planner = `planner-${serial}`;
      expect((await f.check({ method: 'POST', path: '/payments', headers: JSON_HEADERS, body: JSON.stringify({ payment_id: id }), ...(await agent('finance-a', planner)) })).grpcCode).toBe(0);
      const approve = await f.check({ method: 'POST', path: `/payments/${id}/approve`, ...(await agent('finance-b', planner)) });
      expect(approve.body).toMatchObject({ decision: 'deny', code: 'SOD_DUTY_CONFLICT', source: 'policy.yaml#/clauses/SOD_DUTY_CONFLICT' });
      expect((approve.body as { reason: string }).reason).toContain(`ancestor agent '`);
      // Another orchestrator's agent approves; the first planner still may not release.
      expect((await f.check({ method: 'POST', path: `/payments/${id}/approve`, ...(await agent('reviewer-1')) })).grpcCode).toBe(0);
      const release = await f.check({ method: 'POST', path: `/payments/${id}/release`, ...(await agent('finance-c', planner)) });
      expect(release.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });
      expect((await f.check({ method: 'POST', path: `/payments/${id}/release`, ...(await agent('treasury-1')) })).grpcCode).toBe(0);
    });
  });
});

// With `default: allow` the tool map is the policy's only hold on a route: a spelling of a
// tool's path that maps to no tool is let through by the default while the upstream runs the
// tool. A `;…` path parameter on a literal segment (`approve;jsessionid=1`) is dropped by Tomcat
// and Spring, so it must not unmap the call.
describe('path parameters on literal segments (default: allow)', () => {
  let f: GateFixture;
  let serial = 0;

  beforeAll(async () => {
    f = await startGateFixture(POLICY.replace('default: deny', 'default: allow'));
  });
  afterAll(async () => {
    await f.close();
  });

  async function agent(agentId: string) {
    const link = await f.mintLink(`orchestrator-pp-${++serial}`, agentId);
    return { token: await f.mintChild(link, agentId), chain: [link] };
  }

  it.each([
    ['a session parameter', 'approve;jsessionid=1'],
    ['an empty parameter', 'approve;'],
  ])('the drafter approving with %s is still payments.approve: SOD_DUTY_CONFLICT', async (_name, last) => {
    const id = `pay_pp${++serial}`;
    const draft = await f.check({ method: 'POST', path: '/payments', headers: JSON_HEADERS, body: JSON.stringify({ payment_id: id }), ...(await agent('finance-pp')) });
    expect(draft.metadata).toMatchObject({ decision: 'allow' });
    const attack = await f.check({ method: 'POST', path: `/payments/${id}/${last}`, ...(await agent('finance-pp')) });
    expect(attack.grpcCode).toBe(7);
    expect(attack.body).toMatchObject({ decision: 'deny', code: 'SOD_DUTY_CONFLICT' });
  });
});

// A compromised agent with valid tokens drafts payment after payment under fresh ids: each draft
// is a 30-day ledger entry. Before the shares it could fill the memory ledger (state.max_jti_entries)
// and every other actor's duty step failed closed until the TTL; now it fills its own share.
describe('one actor cannot fill the duty ledger (limits.max_ledger_entries_per_actor)', () => {
  let f: GateFixture;
  let serial = 0;

  beforeAll(async () => {
    f = await startGateFixture(POLICY, { configExtra: 'limits: { max_ledger_entries_per_actor: 3 }' });
  });
  afterAll(async () => {
    await f.close();
  });

  const draft = async (agentId: string, root: string) => {
    const link = await f.mintLink(root, agentId);
    return f.check({ method: 'POST', path: '/payments', headers: JSON_HEADERS, body: JSON.stringify({ payment_id: `pay_${++serial}` }), token: await f.mintChild(link, agentId), chain: [link] });
  };

  it('the drafts past the share are 429 LEDGER_LIMIT; another orchestrator\'s agents still draft', async () => {
    for (let n = 0; n < 3; n++) expect((await draft('sprayer', 'orch-1')).grpcCode).toBe(0);
    const over = await draft('sprayer', 'orch-1');
    expect(over.grpcCode).toBe(7);
    expect(over.httpStatus).toBe(429);
    expect(over.body).toMatchObject({ decision: 'deny', code: 'LEDGER_LIMIT' });
    // A fresh child id under the same orchestrator is the same root's share.
    expect((await draft(`sprayer-${serial}`, 'orch-1')).body).toMatchObject({ code: 'LEDGER_LIMIT' });
    expect((await draft('finance-ok', 'orch-2')).grpcCode).toBe(0);
  });
});
