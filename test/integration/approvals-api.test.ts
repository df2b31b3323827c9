/**
 * The approvals HTTP API (docs/design.md §8) on a running gate: who may read an approval, who may
 * decide it (the same SoD rules as Slack), JSON errors with codes and statuses, listings, and
 * break-glass grants.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = `version: "api-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
  BLOCKED: { text: Never pay the blocked account. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
rules:
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:bob", "sso:erin", "sso:carol"], quorum: 2, ttl: 15m }
  - { id: blocked, tools: [payments.create], params: { destination: { eq: acct_BLOCKED } }, effect: deny, clause: BLOCKED }
break_glass: { approvers: ["sso:bg1", "sso:bg2", "sso:bg3"], max_ttl: 30m }
`;
const CREATE = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

describe('approvals HTTP API', () => {
  let f: GateFixture;
  let offsetMs = 0;
  let n = 0;

  beforeAll(async () => {
    f = await startGateFixture(POLICY, { now: () => Date.now() + offsetMs, configExtra: 'principals: { aliases: { "sso:carol-admin": "sso:carol" } }' });
  });
  afterAll(async () => {
    await f.close();
  });
  beforeEach(() => {
    offsetMs = 0;
  });

  const at = () => new Date(Date.now() + offsetMs);
  const agent = (agentId = 'finance-a') => f.mint(agentId, { initiator: 'sso:carol', now: at() });
  const approver = (sub: string) => f.mintApprover(sub, { now: at() });
  const api = async (method: string, path: string, token?: string, body?: unknown, raw?: string) => {
    const response = await fetch(`${f.httpUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const pending = async (agentId = 'finance-a') => {
    const r = await f.check({ ...CREATE, body: JSON.stringify({ amount: 6000 + ++n, destination: 'acct_OK' }), token: await agent(agentId) });
    expect(r.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    return String(r.body?.approval_id);
  };
  const decide = async (id: string, sub: string, decision: string = 'approve', reason?: string) =>
    api('POST', `/v1/approvals/${id}/decision`, await approver(sub), { decision, ...(reason === undefined ? {} : { reason }) });

  describe('GET /v1/approvals/{id} (the requesting agent)', () => {
    it('answers the status to the same agent, with its token verified but not spent', async () => {
      const id = await pending();
      const token = await agent();
      const first = await api('GET', `/v1/approvals/${id}`, token);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ approval_id: id, status: 'pending', approvals: 0, quorum: 2, tool: 'payments.create', rule_id: 'large' });
      expect(first.body.override_token).toBeUndefined();
      // Not replay-claimed: the same token reads again, and still works for a Check afterwards.
      expect((await api('GET', `/v1/approvals/${id}`, token)).status).toBe(200);
      expect((await f.check({ ...CREATE, body: JSON.stringify({ amount: 1, destination: 'acct_OK' }), token })).body?.code).not.toBe('REPLAY');
    });

    it.each([
      ['no token', 401, 'TOKEN_MISSING', () => Promise.resolve(undefined)],
      ['an approver token', 401, 'TOKEN_ISSUER', () => approver('sso:bob')],
      ['an expired agent token', 401, 'TOKEN_EXPIRED', () => f.mint('finance-a', { now: new Date(Date.now() - 600_000) })],
      ['another agent', 403, 'APPROVAL_FORBIDDEN', () => agent('finance-b')],
    ])('%s → %s %s', async (_name, status, code, token) => {
      const id = await pending();
      const r = await api('GET', `/v1/approvals/${id}`, await token());
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ code });
    });

    it.each([['apr_doesnotexist'], ['not-an-id'], ['apr_x/extra']])('%s → 404 APPROVAL_NOT_FOUND', async (id) => {
      const r = await api('GET', `/v1/approvals/${id}`, await agent());
      expect(r).toMatchObject({ status: 404, body: { code: 'APPROVAL_NOT_FOUND' } });
    });
  });

  describe('POST /v1/approvals/{id}/decision (approvers)', () => {
    it('counts distinct listed approvers up to the quorum', async () => {
      const id = await pending();
      expect(await decide(id, 'sso:bob')).toMatchObject({ status: 200, body: { approval_id: id, status: 'pending', result: 'recorded', approvals: 1, quorum: 2 } });
      expect(await decide(id, 'sso:bob')).toMatchObject({ status: 200, body: { status: 'pending', result: 'duplicate', approvals: 1 } });
      expect(await decide(id, 'sso:erin')).toMatchObject({ status: 200, body: { status: 'approved', result: 'recorded', approvals: 2 } });
      const status = await api('GET', `/v1/approvals/${id}`, await agent());
      expect(status.body).toMatchObject({ status: 'approved' });
      expect(String(status.body.override_token).split('.')).toHaveLength(3);
    });

    it('one deny rejects, and the approval is closed afterwards', async () => {
      const id = await pending();
      await decide(id, 'sso:bob');
      expect(await decide(id, 'sso:erin', 'deny', 'wrong account')).toMatchObject({ status: 200, body: { status: 'denied' } });
      expect(await decide(id, 'sso:dave-not-listed')).toMatchObject({ status: 403, body: { code: 'APPROVER_NOT_LISTED' } });
      expect(await decide(id, 'sso:bob')).toMatchObject({ status: 200, body: { result: 'duplicate', status: 'denied' } });
      const late = await api('POST', `/v1/approvals/${id}/decision`, await approver('sso:erin'), { decision: 'approve' });
      expect(late).toMatchObject({ status: 200, body: { result: 'duplicate' } });
      const status = await api('GET', `/v1/approvals/${id}`, await agent());
      expect(status.body).toMatchObject({ status: 'denied' });
      expect(status.body.override_token).toBeUndefined();
    });

    it('a Deny without a reason is 400 APPROVAL_REASON_REQUIRED (require_reason defaults to deny) and counts nothing; with one, the reason reaches the agent and the approvers', async () => {
      const id = await pending();
      for (const reason of [undefined, '', '   ']) {
        expect(await decide(id, 'sso:erin', 'deny', reason)).toMatchObject({
          status: 400,
          body: { code: 'APPROVAL_REASON_REQUIRED', require_reason: 'deny', status: 'pending', message: expect.stringMatching(/needs a reason to deny \(require_reason: deny\)/) },
        });
      }
      // An approve needs none under the default.
      expect(await decide(id, 'sso:bob')).toMatchObject({ status: 200, body: { result: 'recorded', approvals: 1 } });
      expect(await decide(id, 'sso:erin', 'deny', ' IBAN does not match the invoice ')).toMatchObject({ status: 200, body: { status: 'denied' } });
      const status = await api('GET', `/v1/approvals/${id}`, await agent());
      expect(status.body.votes).toEqual([
        { decision: 'approve', reason: null, via: 'api', at: expect.any(String) },
        { decision: 'deny', reason: 'IBAN does not match the invoice', via: 'api', at: expect.any(String) },
      ]);
      const listed = await api('GET', '/v1/approvals?status=denied', await approver('sso:bob'));
      const mine = (listed.body.approvals as Record<string, unknown>[]).find((each) => each.approval_id === id);
      expect(mine).toMatchObject({ require_reason: 'deny', votes: [{ principal: 'sso:bob', reason: null }, { principal: 'sso:erin', decision: 'deny', reason: 'IBAN does not match the invoice' }] });
    });

    it('a listed approver deciding a closed approval gets 409 APPROVAL_CLOSED', async () => {
      const id = await pending();
      await decide(id, 'sso:bob', 'deny', 'duplicate invoice');
      expect(await decide(id, 'sso:erin')).toMatchObject({ status: 409, body: { code: 'APPROVAL_CLOSED', status: 'denied' } });
    });

    it('an expired approval is closed', async () => {
      const id = await pending();
      offsetMs = 16 * 60_000;
      expect(await decide(id, 'sso:bob')).toMatchObject({ status: 409, body: { code: 'APPROVAL_CLOSED', status: 'expired' } });
      expect((await api('GET', `/v1/approvals/${id}`, await agent())).body).toMatchObject({ status: 'expired' });
    });

    it.each([
      ["the workflow's initiator (listed)", 'sso:carol', 'APPROVER_IS_INITIATOR'],
      ["the initiator's other account (alias)", 'sso:carol-admin', 'APPROVER_IS_INITIATOR'],
      ['a principal not listed', 'sso:mallory', 'APPROVER_NOT_LISTED'],
    ])('%s (%s) → 403 %s, nothing counted', async (_name, sub, code) => {
      const id = await pending();
      expect(await decide(id, sub)).toMatchObject({ status: 403, body: { code } });
      expect((await f.gate.state.getApproval(id, Date.now()))?.votes).toEqual([]);
    });

    it.each([
      ['no token', undefined, { decision: 'approve' }, undefined, 401, 'TOKEN_MISSING'],
      ['an agent token', 'agent', { decision: 'approve' }, undefined, 401, 'TOKEN_ISSUER'],
      ['an unknown decision', 'bob', { decision: 'maybe' }, undefined, 400, 'BAD_REQUEST'],
      ['a reason that is not a string', 'bob', { decision: 'approve', reason: 7 }, undefined, 400, 'BAD_REQUEST'],
      ['a body that is not JSON', 'bob', undefined, '{nope', 400, 'BAD_REQUEST'],
      ['a JSON array body', 'bob', undefined, '[]', 400, 'BAD_REQUEST'],
      ['an oversized body', 'bob', undefined, JSON.stringify({ decision: 'approve', reason: 'x'.repeat(20_000) }), 413, 'BODY_TOO_LARGE'],
    ])('refuses %s', async (_name, who, body, raw, status, code) => {
      const id = await pending();
      const token = who === undefined ? undefined : who === 'agent' ? await agent() : await approver('sso:bob');
      const r = await api('POST', `/v1/approvals/${id}/decision`, token, body, raw);
      expect(r).toMatchObject({ status, body: { code } });
    });

    it('an unknown approval → 404', async () => {
      expect(await decide('apr_unknown', 'sso:bob')).toMatchObject({ status: 404, body: { code: 'APPROVAL_NOT_FOUND' } });
    });
  });

  describe('GET /v1/approvals?status=…', () => {
    it('lists what the calling approver may vote on, with masked params and the clause', async () => {
      const id = await pending();
      const mine = await api('GET', '/v1/approvals?status=pending', await approver('sso:bob'));
      expect(mine.status).toBe(200);
      const entry = (mine.body.approvals as Record<string, unknown>[]).find((each) => each.approval_id === id);
      expect(entry).toMatchObject({ status: 'pending', agent_id: 'finance-a', initiator: 'sso:carol', tool: 'payments.create', clause: 'Payments above 5000 need a human approval from finance.', quorum: 2 });
      // The initiator may not vote on it, and so does not see it; neither does a stranger.
      for (const sub of ['sso:carol', 'sso:mallory']) {
        const other = await api('GET', '/v1/approvals', await approver(sub));
        expect((other.body.approvals as Record<string, unknown>[]).some((each) => each.approval_id === id)).toBe(false);
      }
    });

    it.each([
      ['no token', undefined, '/v1/approvals', 401, 'TOKEN_MISSING'],
      ['an unknown status', 'bob', '/v1/approvals?status=maybe', 400, 'BAD_REQUEST'],
      ['a bad limit', 'bob', '/v1/approvals?limit=0', 400, 'BAD_REQUEST'],
    ])('refuses %s', async (_name, who, path, status, code) => {
      const r = await api('GET', path, who ? await approver('sso:bob') : undefined);
      expect(r).toMatchObject({ status, body: { code } });
    });
  });

  describe('break-glass', () => {
    const request = async (sub: string, body: Record<string, unknown>) => api('POST', '/v1/break-glass', await approver(sub), body);

    it('a time-boxed grant needs 2 approvers (not the requester) and then lets one agent through approval_needed only', async () => {
      const asked = await request('sso:bg1', { agent_id: 'finance-bg', initiator: 'sso:carol', reason: 'payroll incident INC-42', ttl: '10m' });
      expect(asked.status).toBe(201);
      const id = String(asked.body.approval_id);
      expect(asked.body).toMatchObject({ kind: 'break_glass', status: 'pending', agent_id: 'finance-bg', initiator: 'sso:bg1', quorum: 2, reason: 'payroll incident INC-42', grant_ttl_seconds: 600 });

      expect(await decide(id, 'sso:bg1')).toMatchObject({ status: 403, body: { code: 'APPROVER_IS_INITIATOR' } });
      expect(await decide(id, 'sso:bg2')).toMatchObject({ status: 200, body: { status: 'pending' } });
      const before = await f.check({ ...CREATE, body: JSON.stringify({ amount: 7000, destination: 'acct_OK' }), token: await agent('finance-bg') });
      expect(before.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      expect(await decide(id, 'sso:bg3')).toMatchObject({ status: 200, body: { status: 'approved' } });

      const through = await f.check({ ...CREATE, body: JSON.stringify({ amount: 7001, destination: 'acct_OK' }), token: await agent('finance-bg') });
      expect(through.grpcCode).toBe(0);
      expect(through.metadata).toMatchObject({ decision: 'allow', break_glass: true, lifted_by: 'break_glass', approval_id: id });
      // Only for that agent; never over a deny; never over identity or replay.
      expect((await f.check({ ...CREATE, body: JSON.stringify({ amount: 7002, destination: 'acct_OK' }), token: await agent('finance-other') })).body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      expect((await f.check({ ...CREATE, body: JSON.stringify({ amount: 7003, destination: 'acct_BLOCKED' }), token: await agent('finance-bg') })).body).toMatchObject({ code: 'POLICY_DENY' });
      const token = await agent('finance-bg');
      await f.check({ ...CREATE, body: JSON.stringify({ amount: 7004, destination: 'acct_OK' }), token });
      expect((await f.check({ ...CREATE, body: JSON.stringify({ amount: 7004, destination: 'acct_OK' }), token })).body).toMatchObject({ code: 'REPLAY' });
      expect((await f.check({ ...CREATE, body: JSON.stringify({ amount: 7005, destination: 'acct_OK' }), token: 'not.a.token' })).body).toMatchObject({ code: 'TOKEN_MALFORMED' });

      // Past the window, approval_needed is back.
      offsetMs = 11 * 60_000;
      expect((await f.check({ ...CREATE, body: JSON.stringify({ amount: 7006, destination: 'acct_OK' }), token: await agent('finance-bg') })).body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    });

    it.each([
      ['a grant longer than max_ttl', { agent_id: 'finance-a', reason: 'x', ttl: '2h' }, 400, 'BREAK_GLASS_TTL'],
      ['no reason', { agent_id: 'finance-a', ttl: '10m' }, 400, 'BAD_REQUEST'],
      ['no agent', { reason: 'x', ttl: '10m' }, 400, 'BAD_REQUEST'],
      ['a bad ttl', { agent_id: 'finance-a', reason: 'x', ttl: 'soon' }, 400, 'BAD_REQUEST'],
    ])('refuses %s → %s %s', async (_name, body, status, code) => {
      expect(await request('sso:bg1', body)).toMatchObject({ status, body: { code } });
    });

    // issue 12 item 6: red on main at 179aeca, where sso:bg2 approved the grant for their own agent.
    it('the human the covered agent serves may not approve its grant, and the grant serves only them', async () => {
      const served = (agentId: string, initiator: string) => f.mint(agentId, { initiator, now: at() });
      const asked = await request('sso:bg1', { agent_id: 'finance-bg2', initiator: 'sso:bg2', reason: 'INC-43', ttl: '10m' });
      expect(asked.body).toMatchObject({ status: 'pending', served_initiator: 'sso:bg2' });
      const id = String(asked.body.approval_id);
      expect(await decide(id, 'sso:bg2')).toMatchObject({ status: 403, body: { code: 'APPROVER_IS_INITIATOR' } });
      expect(await decide(id, 'sso:bg3')).toMatchObject({ status: 200, body: { status: 'pending' } });
      // Without the initiator the gate cannot know whom the grant serves: it then covers no call made for anyone.
      const unbound = await request('sso:bg1', { agent_id: 'finance-bg3', reason: 'INC-44', ttl: '10m' });
      const unboundId = String(unbound.body.approval_id);
      expect(await decide(unboundId, 'sso:bg2')).toMatchObject({ status: 200 });
      expect(await decide(unboundId, 'sso:bg3')).toMatchObject({ status: 200, body: { status: 'approved' } });
      const forBg2 = await f.check({ ...CREATE, body: JSON.stringify({ amount: 7100, destination: 'acct_OK' }), token: await served('finance-bg3', 'sso:bg2') });
      expect(forBg2.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      const noInitiator = await f.check({ ...CREATE, body: JSON.stringify({ amount: 7101, destination: 'acct_OK' }), token: await f.mint('finance-bg3', { now: at() }) });
      expect(noInitiator.metadata).toMatchObject({ decision: 'allow', break_glass: true, approval_id: unboundId });
    });

    // The agent and the human a grant names are compared with verified token claims, which are
    // well-formed identifiers; a request naming an ill-formed one is refused, not stored unusable.
    it.each([
      ['agent_id with a bidi override', { agent_id: 'finance-\u202Ebg', initiator: 'sso:carol' }],
      ['initiator with a trailing space', { agent_id: 'finance-bg9', initiator: 'sso:carol ' }],
      ['initiator with a NUL', { agent_id: 'finance-bg9', initiator: 'sso:carol\u0000x' }],
      ['agent_id longer than limits.max_identifier_length', { agent_id: `finance-${'b'.repeat(130)}` }],
    ])('a request whose %s is 400 BAD_REQUEST', async (_name, body) => {
      const asked = await request('sso:bg1', { ...body, reason: 'INC-45', ttl: '10m' });
      expect(asked).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    });

    it('is refused when the policy has no break_glass section', async () => {
      const plain = await startGateFixture(POLICY.replace(/break_glass:.*\n/, ''));
      try {
        const r = await fetch(`${plain.httpUrl}/v1/break-glass`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await plain.mintApprover('sso:bg1')}` },
          body: JSON.stringify({ agent_id: 'finance-a', reason: 'x', ttl: '10m' }),
        });
        expect(r.status).toBe(409);
        expect(await r.json()).toMatchObject({ code: 'BREAK_GLASS_DISABLED' });
      } finally {
        await plain.close();
      }
    });
  });
});
