/**
 * Issuers are namespaces (docs/design.md §2, issue 12 item 4), through the real gate over gRPC
 * with Envoy's protos: a first-party issuer (`corp`, home: bare agent ids) and a partner issuer
 * with its own keys. The partner minting `agent_id: finance-a` is the principal
 * `partner|finance-a`, never the first-party `finance-a` — in rules, the duty ledger, approvals,
 * override tokens and break-glass grants — and rules can condition on the issuer.
 */
import { mintChildToken, mintDelegation } from '../../src/identity/mint-token.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const PARTNER_ISS = 'https://tokens.partner.test';
const POLICY = `version: "namespaces-1"
clauses:
  LIMIT: { text: Payments above 5000 need a human approval from finance. }
  CORP_RELEASES: { text: Only first-party agents release payments. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: payments.approve, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/approve" } }
  - { name: payments.refund, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/refund" } }
  - { name: payments.release, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/release" } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^pay_[a-z0-9]{1,32}$" }
    steps: { draft: [payments.create], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - { id: small, tools: [payments.create], params: { amount: { max: 5000 } }, effect: allow }
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: LIMIT
    approval: { approvers: ["sso:bob"], quorum: 1, ttl: 15m }
  - { id: corp-approves, tools: [payments.approve], agents: ["finance-*"], require: { duty: payment }, effect: allow }
  - { id: partner-approves, tools: [payments.approve], issuers: [partner], require: { duty: payment }, effect: allow }
  - { id: corp-refunds, tools: [payments.refund], agents: ["finance-*"], effect: allow }
  - { id: release, tools: [payments.release], issuers: [corp], effect: allow }
  - { id: partner-never-releases, tools: [payments.release], issuers: [partner], effect: deny, clause: CORP_RELEASES }
break_glass: { approvers: ["sso:bg1", "sso:bg2", "sso:bg3"], max_ttl: 30m }
`;
const JSON_HEADERS = { 'content-type': 'application/json' };

describe('issuers are namespaces (two agent issuers, through the gate)', () => {
  let f: GateFixture;
  let n = 0;
  beforeAll(async () => {
    f = await startGateFixture(POLICY, {
      issuerExtra: 'name: corp',
      identityExtra: 'home_issuer: corp',
      moreIssuers: [{ name: 'partner', issuer: PARTNER_ISS }],
      configExtra: 'limits: { check_timeout: 5s }',
    });
  });
  afterAll(async () => {
    await f.close();
  });

  const corp = (agentId = 'finance-a', initiator = 'sso:carol') => f.mint(agentId, { initiator });
  // Another human behind the partner's agents: under distinct_by lineage one initiator behind
  // both agents would be one actor whatever the issuers (initiators are people, not namespaced).
  const partner = (agentId = 'finance-a', initiator = 'sso:pat') => f.mintFrom('partner', agentId, { initiator });
  const draft = async (token: string, paymentId: string, amount = 100, headers: Record<string, string> = {}) =>
    f.check({ method: 'POST', host: 'payments.internal', path: '/payments', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ payment_id: paymentId, amount }), token });
  const step = async (token: string, paymentId: string, action: 'approve' | 'release' | 'refund') =>
    f.check({ method: 'POST', host: 'payments.internal', path: `/payments/${paymentId}/${action}`, token });
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${f.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : JSON_HEADERS) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const vote = async (id: string, sub: string) => api('POST', `/v1/approvals/${id}/decision`, await f.mintApprover(sub), { decision: 'approve' });
  const paymentId = () => `pay_ns${++n}`;

  it("spells the partner's finance-a as partner|finance-a to the upstream, and rules for the first party's finance-* do not match it", async () => {
    const id = paymentId();
    const drafted = await draft(await partner(), id);
    expect(drafted.grpcCode).toBe(0);
    expect(drafted.headers['x-agent-id']?.value).toBe('partner|finance-a');
    expect(drafted.metadata).toMatchObject({ agent_id: 'partner|finance-a' });
    const first = await draft(await corp(), paymentId());
    expect(first.headers['x-agent-id']?.value).toBe('finance-a');
    // A rule written for the first party's finance-* agents: the partner's finance-a is not one.
    expect((await step(await corp(), paymentId(), 'refund')).grpcCode).toBe(0);
    expect((await step(await partner(), paymentId(), 'refund')).body).toMatchObject({ code: 'NO_RULE' });
  });

  describe('(a) the duty ledger', () => {
    it("a partner's finance-a step is not the first party's: first-party finance-a approves what the partner's finance-a drafted", async () => {
      const id = paymentId();
      expect((await draft(await partner(), id)).grpcCode).toBe(0);
      const approved = await step(await corp(), id, 'approve');
      expect(approved.body).toBeUndefined();
      expect(approved.metadata).toMatchObject({ decision: 'allow' });
    });

    it("the first party's duty conflict is not satisfied by the partner's finance-a: it is another actor", async () => {
      const id = paymentId();
      expect((await draft(await corp(), id)).grpcCode).toBe(0);
      // The partner approving is a second actor (allowed by its own rule) …
      expect((await step(await partner(), id, 'approve')).metadata).toMatchObject({ decision: 'allow' });
      // … while first-party finance-a approving its own draft stays a conflict.
      const own = paymentId();
      expect((await draft(await corp(), own)).grpcCode).toBe(0);
      expect((await step(await corp(), own, 'approve')).body).toMatchObject({ code: 'SOD_DUTY_CONFLICT', rule_id: 'corp-approves' });
    });

    it('within the partner namespace one agent is still one actor', async () => {
      const id = paymentId();
      expect((await draft(await partner(), id)).grpcCode).toBe(0);
      expect((await step(await partner(), id, 'approve')).body).toMatchObject({ code: 'SOD_DUTY_CONFLICT', rule_id: 'partner-approves' });
    });
  });

  describe('(b, c) approvals and override tokens', () => {
    async function pendingApproval() {
      const id = paymentId();
      const asked = await draft(await corp(), id, 9000);
      expect(asked.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      return { paymentId: id, approvalId: String(asked.body?.approval_id) };
    }

    it("the partner's finance-a cannot read or cancel the first party's approval", async () => {
      const { approvalId } = await pendingApproval();
      expect(await api('GET', `/v1/approvals/${approvalId}`, await partner())).toMatchObject({ status: 403, body: { code: 'APPROVAL_FORBIDDEN' } });
      expect(await api('POST', `/v1/approvals/${approvalId}/cancel`, await partner())).toMatchObject({ status: 403 });
      expect(await api('GET', `/v1/approvals/${approvalId}`, await corp())).toMatchObject({ status: 200, body: { status: 'pending' } });
    });

    it("the partner's finance-a cannot redeem the first party's override token, which stays unspent", async () => {
      const { paymentId: id, approvalId } = await pendingApproval();
      expect((await vote(approvalId, 'sso:bob')).status).toBe(200);
      const polled = await api('GET', `/v1/approvals/${approvalId}`, await corp());
      expect(polled.body).toMatchObject({ status: 'approved' });
      const override = String(polled.body.override_token);
      // Same initiator, so that only the agent's issuer tells the two apart.
      const stolen = await draft(await partner('finance-a', 'sso:carol'), id, 9000, { 'x-dutygate-override': override });
      expect(stolen.body).toMatchObject({ decision: 'deny', code: 'OVERRIDE_MISMATCH' });
      const redeemed = await draft(await corp(), id, 9000, { 'x-dutygate-override': override });
      expect(redeemed.metadata).toMatchObject({ decision: 'allow', lifted_by: 'override', approval_id: approvalId });
    });

    it("a break-glass grant for the first party's finance-a does not cover the partner's", async () => {
      const asked = await api('POST', '/v1/break-glass', await f.mintApprover('sso:bg1'), { agent_id: 'finance-bg', reason: 'INC-12', ttl: '10m' });
      expect(asked.status).toBe(201);
      expect((await vote(String(asked.body.approval_id), 'sso:bg2')).status).toBe(200);
      expect((await vote(String(asked.body.approval_id), 'sso:bg3')).body).toMatchObject({ status: 'approved' });
      const partnerCall = await draft(await f.mintFrom('partner', 'finance-bg'), paymentId(), 9000);
      expect(partnerCall.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      const corpCall = await draft(await f.mint('finance-bg'), paymentId(), 9000);
      expect(corpCall.metadata).toMatchObject({ decision: 'allow', lifted_by: 'break_glass' });
    });
  });

  it('(d) one jti from two issuers is two tokens; each is still spent once', async () => {
    const jti = `shared-jti-${++n}`;
    const fromCorp = await f.mint('finance-a', { jti });
    const fromPartner = await f.mintFrom('partner', 'finance-a', { jti });
    expect((await draft(fromCorp, paymentId())).grpcCode).toBe(0);
    expect((await draft(fromPartner, paymentId())).grpcCode).toBe(0);
    expect((await draft(fromPartner, paymentId())).body).toMatchObject({ code: 'REPLAY' });
  });

  it('an issuers: condition allows and denies by the verifying issuer', async () => {
    // The policy default is deny: only the corp-issuer rule allows this.
    expect((await step(await corp(), paymentId(), 'release')).metadata).toMatchObject({ decision: 'allow' });
    const denied = await step(await partner(), paymentId(), 'release');
    expect(denied.body).toMatchObject({ code: 'POLICY_DENY', rule_id: 'partner-never-releases', clause: 'Only first-party agents release payments.' });
  });

  it("a partner agent cannot borrow the first party's delegation link to an agent of the same id", async () => {
    const link = await mintDelegation(f.agentKey, { iss: ISSUER, agentId: 'planner', delegateeAgentId: 'finance-a' });
    const partnerKey = f.issuerKeys.get('partner')?.privateJwk;
    if (partnerKey === undefined) throw new Error('no partner key');
    const child = await mintChildToken(partnerKey, link, { iss: PARTNER_ISS, aud: 'dutygate', agentId: 'finance-a' });
    const r = await f.check({ method: 'POST', host: 'payments.internal', path: '/payments', headers: JSON_HEADERS, body: JSON.stringify({ payment_id: paymentId(), amount: 1 }), token: child, chain: [link] });
    expect(r.body).toMatchObject({ code: 'CHAIN_INVALID' });
  });
});
