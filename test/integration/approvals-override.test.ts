/**
 * Override tokens end to end (docs/design.md §6): approval over the API, the agent polls with its own
 * token, retries with `x-dutygate-override` — exactly one retry wins (also 200 at once), every
 * mismatch is its own code, and an override never lifts a deny.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture, type GateFixtureOptions } from '../helpers/gate-fixture.js';
import type { EnvoyRequestSpec } from '../helpers/envoy-client.js';

const POLICY = `version: "override-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
  APPROVE_LARGE: { text: Approving a payment needs a human too. }
  BLOCKED: { text: Never pay the blocked account. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: payments.approve, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/approve" } }
  - { name: refunds.create, match: { path: /refunds } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^[a-z0-9][a-z0-9_-]{0,63}$" }
    steps: { draft: [payments.create], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - { id: small, tools: [payments.create], params: { amount: { max: 5000 } }, effect: allow }
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:bob"], quorum: 1, ttl: 15m }
  - { id: blocked, tools: [payments.create], params: { destination: { eq: acct_BLOCKED } }, effect: deny, clause: BLOCKED }
  - id: refund-needs-human
    tools: [refunds.create]
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:bob"], quorum: 1, ttl: 15m }
  - id: approve-needs-human
    tools: [payments.approve]
    require: { duty: payment }
    effect: approval_needed
    clause: APPROVE_LARGE
    approval: { approvers: ["sso:bob"], quorum: 1, ttl: 15m }
`;
/** Every payment call names its payment (a duty step without its resource is SOD_RESOURCE_INVALID). */
const withId = (body: Record<string, unknown>) => ({ payment_id: 'pay_override', ...body });
const CREATE = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

describe('override tokens end to end', () => {
  let f: GateFixture;
  let offsetMs = 0;
  let n = 0;

  const fixtureOptions: GateFixtureOptions = { now: () => Date.now() + offsetMs, configExtra: 'limits: { check_timeout: 5s }' };
  beforeAll(async () => {
    f = await startGateFixture(POLICY, fixtureOptions);
  });
  afterAll(async () => {
    await f.close();
  });
  beforeEach(() => {
    offsetMs = 0;
  });

  const at = () => new Date(Date.now() + offsetMs);
  const agent = (agentId = 'finance-a', initiator = 'sso:carol') => f.mint(agentId, { initiator, now: at() });
  const create = async (body: Record<string, unknown>, options: { token?: string; override?: string } = {}) =>
    f.check({
      ...CREATE,
      body: JSON.stringify(withId(body)),
      token: options.token ?? (await agent()),
      headers: { ...CREATE.headers, ...(options.override ? { 'x-dutygate-override': options.override } : {}) },
    });
  const decide = async (id: string, decision: 'approve' | 'deny', sub = 'sso:bob') =>
    fetch(`${f.httpUrl}/v1/approvals/${id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await f.mintApprover(sub, { now: at() })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision }),
    });
  const poll = async (id: string, token?: string) => {
    const response = await fetch(`${f.httpUrl}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${token ?? (await agent())}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** Runs the loop up to an override token for `body`. */
  async function approved(body: Record<string, unknown>, path = CREATE.path) {
    const r = await f.check({ ...CREATE, path, body: JSON.stringify(path === CREATE.path ? withId(body) : body), token: await agent() });
    expect(r.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    const id = String(r.body?.approval_id);
    expect((await decide(id, 'approve')).status).toBe(200);
    const status = await poll(id);
    expect(status.body).toMatchObject({ status: 'approved' });
    return { id, override: String(status.body.override_token) };
  }

  it('binds the token to approval, agent, initiator, tool, params hash, policy version, exp and a jti', async () => {
    const { id, override } = await approved({ amount: 9000 + ++n, destination: 'acct_OK' });
    const claims = decodeJwt(override);
    expect(claims).toMatchObject({ iss: 'dutygate', aud: 'dutygate:override', approval_id: id, agent_id: 'finance-a', initiator: 'sso:carol', tool: 'payments.create', policy_version: f.gate.policy.current().policyVersion });
    expect(claims.params_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(typeof claims.jti).toBe('string');
    expect(claims.jti).not.toContain(id);
    // Polling again yields the very same token: one approval never mints two spendable tokens.
    expect((await poll(id)).body.override_token).toBe(override);
  });

  it('lets exactly one retry through; the next is OVERRIDE_SPENT', async () => {
    const body = { amount: 9000 + ++n, destination: 'acct_OK' };
    const { id, override } = await approved(body);
    const first = await create(body, { override });
    expect(first.grpcCode).toBe(0);
    expect(first.metadata).toMatchObject({ decision: 'allow', code: 'OK', approval_id: id, lifted_by: 'override' });
    const second = await create(body, { override });
    expect(second.body).toMatchObject({ decision: 'deny', code: 'OVERRIDE_SPENT', rule_id: 'large', source: 'policy.yaml#/clauses/PAYMENT_LIMIT' });
  });

  // issue 19 item 5: an agent token whose jti is `override:<J>` spent the override J first.
  it('an agent token with jti override:<J> does not spend the override J', async () => {
    const body = { amount: 9000 + ++n, destination: 'acct_OK' };
    const { override } = await approved(body);
    const spoiler = await f.mint('finance-a', { initiator: 'sso:carol', now: at(), jti: `override:${String(decodeJwt(override).jti)}` });
    await create({ amount: 1, destination: 'acct_OK' }, { token: spoiler });
    const retry = await create(body, { override });
    expect(retry.grpcCode).toBe(0);
    expect(retry.metadata).toMatchObject({ decision: 'allow', lifted_by: 'override' });
  });

  it('lets exactly one of 200 concurrent retries through', async () => {
    const body = { amount: 9000 + ++n, destination: 'acct_OK' };
    const { override } = await approved(body);
    const tokens = await Promise.all(Array.from({ length: 200 }, () => agent()));
    const results = await Promise.all(tokens.map((token) => create(body, { token, override })));
    const allowed = results.filter((r) => r.grpcCode === 0);
    expect(allowed).toHaveLength(1);
    const codes = new Set(results.filter((r) => r.grpcCode !== 0).map((r) => r.body?.code));
    expect([...codes]).toEqual(['OVERRIDE_SPENT']);
  });

  it.each([
    ['different params', 'OVERRIDE_MISMATCH', () => Promise.resolve({ body: { amount: 9999, destination: 'acct_OK' } }), /other params/],
    ['another agent', 'OVERRIDE_MISMATCH', async () => ({ token: await agent('finance-b') }), /another agent/],
    ['another initiator', 'OVERRIDE_MISMATCH', async () => ({ token: await agent('finance-a', 'sso:dave') }), /another initiator/],
  ])('%s → %s, and the real retry still works afterwards', async (_name, code, variant, reason) => {
    const body = { amount: 9000 + ++n, destination: 'acct_OK' };
    const { override } = await approved(body);
    const changed = await variant();
    const r = await create('body' in changed ? changed.body : body, { override, ...('token' in changed ? { token: changed.token } : {}) });
    expect(r.httpStatus).toBe(403);
    expect(r.body).toMatchObject({ decision: 'deny', code });
    expect(String(r.body?.reason)).toMatch(reason);
    expect((await create(body, { override })).grpcCode).toBe(0);
  });

  it('an expired override token → OVERRIDE_EXPIRED', async () => {
    const body = { amount: 9000 + ++n, destination: 'acct_OK' };
    const { id, override } = await approved(body);
    offsetMs = 11 * 60_000;
    const r = await create(body, { override });
    expect(r.body).toMatchObject({ decision: 'deny', code: 'OVERRIDE_EXPIRED' });
    const status = await poll(id);
    expect(status.body).toMatchObject({ status: 'approved' });
    expect(status.body.override_token).toBeUndefined();
  });

  it.each([
    ['garbage', () => Promise.resolve('not-a-token')],
    ['an agent token', () => agent()],
    ['a token signed by another key', async () => {
      const [h, p] = (await approved({ amount: 9000 + ++n, destination: 'acct_OK' })).override.split('.');
      const [, , s] = (await agent()).split('.');
      return `${h}.${p}.${s}`;
    }],
  ])('%s in x-dutygate-override → OVERRIDE_INVALID', async (_name, token) => {
    const r = await create({ amount: 9000 + ++n, destination: 'acct_OK' }, { override: await token() });
    expect(r.body).toMatchObject({ decision: 'deny', code: 'OVERRIDE_INVALID' });
  });

  it('a changed policy_version → OVERRIDE_STALE_POLICY', async () => {
    const body = { amount: 9000 + ++n, destination: 'acct_OK' };
    const { override } = await approved(body);
    const original = await readFile(f.policyFile, 'utf8');
    try {
      await writeFile(f.policyFile, original.replace('version: "override-1"', 'version: "override-2"'));
      expect(await f.gate.policy.reload()).toBe(true);
      const r = await create(body, { override });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'OVERRIDE_STALE_POLICY' });
    } finally {
      await writeFile(f.policyFile, original);
      await f.gate.policy.reload();
    }
  });

  // issue 19 item 4: the token binds the chain, the request the approver saw and the deployment.
  describe('binds the chain, the request and the deployment', () => {
    const REFUND = { method: 'POST', host: 'payments.internal', path: '/refunds', headers: { 'content-type': 'application/json' } };

    /** The loop up to an override token for one request, sent with `token` and `chain`. */
    async function approvedRequest(spec: EnvoyRequestSpec, mint: () => Promise<{ token: string; chain?: string[] }> = async () => ({ token: await agent() })) {
      const first = await f.check({ ...spec, ...(await mint()) });
      expect(first.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      const id = String(first.body?.approval_id);
      expect((await decide(id, 'approve')).status).toBe(200);
      const status = await poll(id);
      expect(status.body).toMatchObject({ status: 'approved' });
      return String(status.body.override_token);
    }
    const retry = async (spec: EnvoyRequestSpec, override: string, mint: () => Promise<{ token: string; chain?: string[] }> = async () => ({ token: await agent() })) =>
      f.check({ ...spec, ...(await mint()), headers: { ...spec.headers, 'x-dutygate-override': override } });
    const refused = (r: Awaited<ReturnType<typeof retry>>, reason: RegExp) => {
      expect(r.httpStatus).toBe(403);
      expect(r.body).toMatchObject({ decision: 'deny', code: 'OVERRIDE_MISMATCH' });
      expect(String(r.body?.reason)).toMatch(reason);
    };

    it('an approval raised as planner → finance-a is not redeemed by a chainless finance-a, nor by another chain', async () => {
      const delegated = () => f.mintDelegated('finance-a', ['planner'], { initiator: 'sso:carol', now: at() });
      const spec = { ...CREATE, body: JSON.stringify(withId({ amount: 9000 + ++n, destination: 'acct_OK' })) };
      const override = await approvedRequest(spec, delegated);
      expect(decodeJwt(override).chain).toEqual(['planner']);
      refused(await retry(spec, override), /another delegation chain/);
      refused(await retry(spec, override, () => f.mintDelegated('finance-a', ['ops'], { initiator: 'sso:carol', now: at() })), /another delegation chain/);
      // Neither refusal spent it: the real retry, with the chain, goes through.
      expect((await retry(spec, override, delegated)).grpcCode).toBe(0);
    });

    it('a tool entry without method or host: a retry with another method or host is refused', async () => {
      const spec = { ...REFUND, body: JSON.stringify({ refund_id: `r_${++n}`, amount: 10 }) };
      const override = await approvedRequest(spec);
      refused(await retry({ ...spec, method: 'PUT' }, override), /another method/);
      refused(await retry({ ...spec, host: 'refunds.elsewhere' }, override), /another host/);
      expect((await retry(spec, override)).grpcCode).toBe(0);
    });

    it('the same params in another body (array, non-JSON, other bytes) or moved to the query are refused', async () => {
      const params = { refund_id: `r_${++n}`, destination: 'acct_OK' };
      const spec = { ...REFUND, body: JSON.stringify(params) };
      const override = await approvedRequest(spec);
      // Same canonical params, other bytes: the upstream may read what the params hash ignores.
      refused(await retry({ ...spec, body: JSON.stringify(params, null, 2) }, override), /another body/);
      refused(await retry({ ...spec, body: JSON.stringify({ ...params, destination: 'acct_OK', note: undefined }) + ' ' }, override), /another body/);
      // A param moved from the body to the query: the params are the same, the request is not.
      const moved = await retry({ ...spec, path: `${spec.path}?destination=acct_OK`, body: JSON.stringify({ refund_id: params.refund_id }) }, override);
      refused(moved, /another query/);
      expect((await retry(spec, override)).grpcCode).toBe(0);
    });

    it('a raw (non-JSON) body is bound too', async () => {
      const spec = { ...REFUND, headers: { 'content-type': 'text/plain' }, body: `refund ${++n}` };
      const override = await approvedRequest(spec);
      refused(await retry({ ...spec, body: `refund ${n} and more` }, override), /another body/);
      expect((await retry(spec, override)).grpcCode).toBe(0);
    });

    it('another deployment sharing the key file and policy version refuses the token', async () => {
      const other = await startGateFixture(POLICY, { ...fixtureOptions, agentKeys: f.agentKeys, approvalKeys: f.approvalKeys, overridesExtra: 'deployment: eu-2' });
      try {
        expect(other.gate.policy.current().policyVersion).toBe(f.gate.policy.current().policyVersion);
        const spec = { ...CREATE, body: JSON.stringify(withId({ amount: 9000 + ++n, destination: 'acct_OK' })) };
        const override = await approvedRequest(spec);
        const there = await other.check({ ...spec, token: await other.mint('finance-a', { initiator: 'sso:carol', now: at() }), headers: { ...spec.headers, 'x-dutygate-override': override } });
        expect(there.body).toMatchObject({ decision: 'deny', code: 'OVERRIDE_MISMATCH' });
        expect(String(there.body?.reason)).toMatch(/another deployment/);
        expect((await retry(spec, override)).grpcCode).toBe(0);
      } finally {
        await other.close();
      }
    });
  });

  describe('an override never lifts a deny', () => {
    const unspent = async (override: string) => {
      const { jti, exp } = decodeJwt(override);
      return f.gate.state.claimJti({ purpose: 'override' }, String(jti), exp! * 1000 + 60_000, Date.now());
    };

    it('a policy deny stays a deny (and the override is not spent)', async () => {
      const { override } = await approved({ amount: 9000 + ++n, destination: 'acct_OK' });
      const r = await create({ amount: 9000, destination: 'acct_BLOCKED' }, { override });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'POLICY_DENY', rule_id: 'blocked' });
      expect(await unspent(override)).toBe(true);
    });

    it('a replayed agent token stays REPLAY', async () => {
      const body = { amount: 9000 + ++n, destination: 'acct_OK' };
      const { override } = await approved(body);
      const token = await agent();
      await create({ amount: 1, destination: 'acct_OK' }, { token });
      const r = await create(body, { token, override });
      expect(r.body).toMatchObject({ code: 'REPLAY' });
      expect(await unspent(override)).toBe(true);
    });

    it('an SoD duty conflict stays a deny; a lifted call records its duty step', async () => {
      const pay = `pay_${++n}`;
      const approve = { ...CREATE, path: `/payments/${pay}/approve` };
      const { override } = await approved({}, approve.path);
      // Meanwhile the same agent drafted that very payment: approving it now is an SoD conflict.
      expect((await create({ payment_id: pay, amount: 10, destination: 'acct_OK' })).grpcCode).toBe(0);
      // The retry sends what was approved: `approved()` posts the body `{}` (the request is bound).
      const r = await f.check({ ...approve, body: '{}', token: await agent(), headers: { 'x-dutygate-override': override } });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'SOD_DUTY_CONFLICT' });
      expect(await unspent(override)).toBe(true);

      const other = `pay_${++n}`;
      const { override: second } = await approved({}, `/payments/${other}/approve`);
      const lifted = await f.check({ ...CREATE, path: `/payments/${other}/approve`, body: '{}', token: await agent(), headers: { 'x-dutygate-override': second } });
      expect(lifted.grpcCode).toBe(0);
      // Lifted like an allow: its duty step is on the ledger for later SoD checks.
      const ledger = await f.gate.state.readLedger([{ duty: 'payment', resource: other, step: 'draft', distinct: ['draft', 'approve'] }], Date.now());
      expect(ledger).toEqual([expect.objectContaining({ duty: 'payment', resource: other, step: 'approve', agentId: 'finance-a', initiator: 'sso:carol' })]);
    });
  });
});
