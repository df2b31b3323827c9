/**
 * The whole gate end to end over loopback gRPC, with Envoy's official protos as the peer: one
 * test per row of docs/design.md §2–5, using the example policy the README walks through.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
const payment = (id: string, amount: number) => JSON.stringify({ payment_id: id, amount, destination: 'acct_ABCDEFGH12' });

describe('dutygate end to end (memory state, Envoy protos)', () => {
  let f: GateFixture;
  let planner: string;

  beforeAll(async () => {
    f = await startGateFixture(POLICY);
  });
  afterAll(async () => {
    await f.close();
  });

  /** A finance agent delegated by a fresh planner token, with its chain. */
  async function financeAgent(agentId: string, extra = {}) {
    planner = await f.mintLink('planner', agentId, { initiator: 'sso:carol' });
    const token = await f.mintChild(planner, agentId, { initiator: 'sso:carol', ...extra });
    return { token, chain: [planner] };
  }

  describe('allow', () => {
    it('allows a delegated payment under the limit and rewrites headers for the upstream', async () => {
      const agent = await financeAgent('finance-a');
      const r = await f.check({ ...PAYMENTS, body: payment('p-allow', 100), ...agent });
      expect(r.grpcCode).toBe(0);
      expect(r.headers['x-agent-id']?.value).toBe('finance-a');
      expect(r.headers['x-parent-agent-id']?.value).toBe('planner');
      expect(r.headers['x-dutygate-decision-id']?.value).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headersToRemove).toEqual(expect.arrayContaining(['authorization', 'x-agent-chain', 'x-dutygate-override']));
      expect(r.metadata).toMatchObject({ decision: 'allow', agent_id: 'finance-a', policy_version: f.gate.policy.current().policyVersion });
      expect(r.metadata.policy_version).toMatch(/^2026-11-21\.1\+[0-9a-f]{12}$/);
    });

    it('accepts Envoy raw header encoding and raw body bytes', async () => {
      const agent = await financeAgent('finance-raw');
      const r = await f.check({ ...PAYMENTS, body: Buffer.from(payment('p-raw', 10)), rawHeaders: true, rawBody: true, ...agent });
      expect(r.grpcCode).toBe(0);
      expect(r.headers['x-agent-id']?.value).toBe('finance-raw');
    });
  });

  describe('identity (401)', () => {
    it.each([
      ['TOKEN_MISSING', () => Promise.resolve(undefined)],
      ['TOKEN_MALFORMED', () => Promise.resolve('not.a.jwt')],
      ['TOKEN_EXPIRED', async () => f.mint('finance-x', { now: new Date(Date.now() - 600_000), ttlSeconds: 60 })],
      ['TOKEN_AUDIENCE', async () => f.mint('finance-x', { aud: 'someone-else' })],
      ['TOKEN_ISSUER', async () => f.mint('finance-x', { iss: 'https://evil.example' })],
      ['TOKEN_LIFETIME', async () => f.mint('finance-x', { ttlSeconds: 3_600 })],
      ['TOKEN_CLAIMS', async () => f.mint('finance-x', { extra: { agent_id: undefined } })],
      ['TOKEN_SIGNATURE', async () => {
        const [h, p, s] = (await f.mint('finance-x')).split('.');
        const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
        return [h, Buffer.from(JSON.stringify({ ...claims, agent_id: 'finance-admin' })).toString('base64url'), s].join('.');
      }],
    ])('%s', async (code, token) => {
      const r = await f.check({ ...PAYMENTS, body: payment('p-id', 1), token: await token() });
      expect(r.grpcCode).toBe(16);
      expect(r.httpStatus).toBe(401);
      expect(r.body).toMatchObject({ decision: 'deny', code });
    });
  });

  describe('replay', () => {
    it('spends a token once: the second use is REPLAY', async () => {
      const agent = await financeAgent('finance-replay');
      expect((await f.check({ ...PAYMENTS, body: payment('p-r1', 1), ...agent })).grpcCode).toBe(0);
      const again = await f.check({ ...PAYMENTS, body: payment('p-r1', 1), ...agent });
      expect(again.httpStatus).toBe(401);
      expect(again.body).toMatchObject({ code: 'REPLAY' });
    });

    it('lets exactly one of 200 concurrent checks with one token through', async () => {
      const agent = await financeAgent('finance-burst');
      const results = await Promise.all(Array.from({ length: 200 }, () => f.check({ ...PAYMENTS, body: payment('p-burst', 1), ...agent })));
      expect(results.filter((r) => r.grpcCode === 0)).toHaveLength(1);
      expect(results.filter((r) => r.body?.code === 'REPLAY')).toHaveLength(199);
    });

    it('spends the token on a deny too', async () => {
      const agent = await financeAgent('finance-spent');
      expect((await f.check({ method: 'GET', host: 'nowhere.internal', path: '/x', ...agent })).body).toMatchObject({ code: 'NO_TOOL' });
      expect((await f.check({ ...PAYMENTS, body: payment('p-s', 1), ...agent })).body).toMatchObject({ code: 'REPLAY' });
    });
  });

  // issue 19 item 1: the link a delegated child carries was its parent's agent token, and the
  // child could present it as its own credential: finance-a drafted a payment, could not approve
  // it with its own token, then approved it with the planner's link, and read the planner's
  // approvals.
  describe('a chain link is not a credential', () => {
    it('refuses the parent link as the bearer token, on a Check and on the approvals API', async () => {
      const drafter = await financeAgent('finance-a');
      const link = planner;
      expect((await f.check({ ...PAYMENTS, body: payment('pay_77', 100), ...drafter })).grpcCode).toBe(0);
      const self = await f.check({ ...PAYMENTS, path: '/payments/pay_77/approve', body: '{}', ...(await financeAgent('finance-a')) });
      expect(self.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });
      const asParent = await f.check({ ...PAYMENTS, path: '/payments/pay_77/approve', body: '{}', token: link });
      expect(asParent.grpcCode).toBe(16);
      expect(asParent.body).toMatchObject({ decision: 'deny', code: 'TOKEN_TYPE' });

      const asked = await f.check({ ...PAYMENTS, body: payment('pay_78', 9000), ...(await financeAgent('finance-b')) });
      const approvalId = String(asked.body?.approval_id);
      expect(asked.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      const poll = await fetch(`${f.httpUrl}/v1/approvals/${approvalId}`, { headers: { authorization: `Bearer ${planner}` } });
      expect(poll.status).toBe(401);
    });
  });

  describe('chain (403)', () => {
    it('CHAIN_INVALID when a child token comes without its chain', async () => {
      const { token } = await financeAgent('finance-nochain');
      const r = await f.check({ ...PAYMENTS, body: payment('p-c1', 1), token });
      expect(r.grpcCode).toBe(7);
      expect(r.httpStatus).toBe(403);
      expect(r.body).toMatchObject({ code: 'CHAIN_INVALID' });
      expect(String(r.body?.reason)).toMatch(/x-agent-chain/);
    });

    it('CHAIN_INVALID when the chain is not the parent the token names', async () => {
      const { token } = await financeAgent('finance-wrongchain');
      const other = await f.mintLink('planner', 'finance-wrongchain');
      const r = await f.check({ ...PAYMENTS, body: payment('p-c2', 1), token, chain: [other] });
      expect(r.body).toMatchObject({ code: 'CHAIN_INVALID' });
      expect(String(r.body?.reason)).toMatch(/parent_jti/);
    });

    it('CHAIN_INVALID for A→B→A laundering', async () => {
      const a = await f.mintLink('finance-loop', 'helper');
      const b = await f.mintLink('helper', 'finance-loop', { parent: a });
      const a2 = await f.mintChild(b, 'finance-loop');
      const r = await f.check({ ...PAYMENTS, body: payment('p-c3', 1), token: a2, chain: [a, b] });
      expect(r.body).toMatchObject({ code: 'CHAIN_INVALID' });
    });

    it('CHAIN_REQUIRED with the clause when a rule needs a parent and none is attested', async () => {
      const token = await f.mint('finance-root');
      const r = await f.check({ ...PAYMENTS, body: payment('p-c4', 1), token });
      expect(r.httpStatus).toBe(403);
      expect(r.body).toMatchObject({ decision: 'deny', code: 'CHAIN_REQUIRED', source: 'policy.yaml#/clauses/CHAIN_REQUIRED' });
      expect(r.body?.clause).toBe('Payments are created only by agents delegated by an attested parent agent.');
    });
  });

  describe('policy', () => {
    it('SoD duty ledger: draft, approve and release by three different actors', async () => {
      const id = 'p-duty';
      const drafter = await financeAgent('finance-drafter', { initiator: 'sso:dana' });
      expect((await f.check({ ...PAYMENTS, body: payment(id, 50), ...drafter })).grpcCode).toBe(0);

      const approve = { method: 'POST', host: 'payments.internal', path: `/payments/${id}/approve`, headers: { 'x-debug': '1' } };
      const self = await financeAgent('finance-drafter', { initiator: 'sso:dana' });
      const selfApprove = await f.check({ ...approve, ...self });
      expect(selfApprove.httpStatus).toBe(403);
      expect(selfApprove.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT', rule_id: 'approve-and-release', source: 'policy.yaml#/clauses/SOD_DUTY_CONFLICT' });
      expect(selfApprove.body?.clause).toBe('Drafting, approving and releasing one payment are three duties for three different actors.');

      const approver = await f.mint('reviewer', { initiator: 'sso:erin' });
      const approved = await f.check({ ...approve, token: approver });
      expect(approved.grpcCode).toBe(0);
      expect(approved.headers['x-reviewed-by']?.value).toBe('dutygate');
      expect(approved.headersToRemove).toContain('x-debug');
      expect(approved.metadata.decision).toBe('sanitize');

      const release = { method: 'POST', host: 'payments.internal', path: `/payments/${id}/release` };
      const sameReviewer = await f.check({ ...release, token: await f.mint('reviewer', { initiator: 'sso:erin' }) });
      expect(sameReviewer.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });
      const released = await f.check({ ...release, token: await f.mint('releaser', { initiator: 'sso:frank' }) });
      expect(released.grpcCode).toBe(0);
    });

    it('approval_needed answers APPROVAL_REQUIRED with the verbatim clause, an approval id and a status URL', async () => {
      const agent = await financeAgent('finance-big');
      const r = await f.check({ ...PAYMENTS, body: payment('p-big', 6000), ...agent });
      expect(r.grpcCode).toBe(7);
      expect(r.httpStatus).toBe(403);
      expect(r.body).toMatchObject({
        decision: 'approval_needed',
        code: 'APPROVAL_REQUIRED',
        rule_id: 'finance-large-payments',
        clause: 'Payments above 5000 need a human approval from finance.',
        source: 'policy.yaml#/clauses/PAYMENT_LIMIT',
      });
      const id = String(r.body?.approval_id);
      expect(id).toMatch(/^apr_[A-Za-z0-9_-]{22}$/);
      expect(r.body?.status_url).toBe(`${f.httpUrl}/v1/approvals/${id}`);
      expect(r.headers['x-dutygate-approval-id']?.value).toBe(id);
      expect(r.metadata).toMatchObject({ decision: 'approval_needed', approval_id: id });
    });

    it('approval_needed answers APPROVAL_UNAVAILABLE on a gate without an override key', async () => {
      const plain = await startGateFixture(POLICY, { approvals: false });
      try {
        const root = await plain.mintLink('planner', 'finance-big', { initiator: 'sso:carol' });
        const token = await plain.mintChild(root, 'finance-big', { initiator: 'sso:carol' });
        const r = await plain.check({ ...PAYMENTS, body: payment('p-big', 6000), token, chain: [root] });
        expect(r.httpStatus).toBe(403);
        expect(r.body).toMatchObject({ decision: 'deny', code: 'APPROVAL_UNAVAILABLE', rule_id: 'finance-large-payments', source: 'policy.yaml#/clauses/PAYMENT_LIMIT' });
        expect(r.body?.approval_id).toBeUndefined();
      } finally {
        await plain.close();
      }
    });

    it('a string amount never passes a numeric limit', async () => {
      const agent = await financeAgent('finance-str');
      const body = JSON.stringify({ payment_id: 'p-str', amount: '100', destination: 'acct_ABCDEFGH12' });
      const r = await f.check({ ...PAYMENTS, body, ...agent });
      expect(r.grpcCode).not.toBe(0);
    });

    it('NO_TOOL for a request that maps to no tool', async () => {
      const r = await f.check({ method: 'GET', host: 'wiki.internal', path: '/page', token: await f.mint('reader') });
      expect(r.httpStatus).toBe(403);
      expect(r.body).toMatchObject({ code: 'NO_TOOL', clause: null });
    });

    it.each([
      ['tools/call read_file → allow', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_file', arguments: { path: '/a' } } }, 0, undefined],
      ['tools/call delete_file → deny with clause', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'delete_file', arguments: { path: '/a' } } }, 7, 'POLICY_DENY'],
      ['initialize → allowed housekeeping', { jsonrpc: '2.0', id: 3, method: 'initialize', params: {} }, 0, undefined],
      ['batch → MCP_BATCH', [{ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'read_file' } }], 7, 'MCP_BATCH'],
      ['unknown tool → default deny', { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'send_email', arguments: {} } }, 7, 'NO_RULE'],
    ])('MCP %s', async (_name, message, grpcCode, code) => {
      const r = await f.check({ method: 'POST', host: 'tools.internal', path: '/mcp', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), token: await f.mint('mcp-agent') });
      expect(r.grpcCode).toBe(grpcCode);
      if (code) expect(r.body).toMatchObject({ code });
      if (code === 'POLICY_DENY') expect(r.body?.clause).toBe('Agents never delete files through MCP tools.');
    });

    it('MCP GET (event stream) maps to mcp.stream', async () => {
      const r = await f.check({ method: 'GET', host: 'tools.internal', path: '/mcp', token: await f.mint('mcp-agent') });
      expect(r.grpcCode).toBe(0);
    });
  });

  describe('hostile input never crashes the gate', () => {
    it.each([
      ['malformed JSON', '{"payment_id": "p", "amount": ', 'BODY_MALFORMED'],
      ['duplicate keys', '{"payment_id":"p","amount":1,"amount":999999,"destination":"acct_ABCDEFGH12"}', 'BODY_DUPLICATE_KEY'],
      ['too deep', `${'['.repeat(100)}${']'.repeat(100)}`, 'BODY_TOO_DEEP'],
      ['non-finite number', '{"payment_id":"p","amount":1e999}', 'BODY_NON_FINITE'],
    ])('%s → %s', async (_name, body, code) => {
      const agent = await financeAgent('finance-hostile');
      const r = await f.check({ ...PAYMENTS, body, ...agent });
      expect(r.httpStatus).toBe(400);
      expect(r.body).toMatchObject({ decision: 'deny', code });
      // and the gate still answers
      const next = await financeAgent('finance-after');
      expect((await f.check({ ...PAYMENTS, body: payment(`p-after-${code.toLowerCase()}`, 1), ...next })).grpcCode).toBe(0);
    });
  });
});
