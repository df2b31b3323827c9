/**
 * Issue 13: requests an attacker sent to `main` that were allowed although the upstream would run
 * something the policy forbids. Each case goes through the whole gate over Envoy's protos.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
const MCP = { method: 'POST', host: 'mcp.internal', path: '/mcp', headers: { 'content-type': 'application/json' } };

describe('hostile input through the gate (issue 13)', () => {
  let f: GateFixture;

  beforeAll(async () => {
    f = await startGateFixture(POLICY);
  });
  afterAll(async () => {
    await f.close();
  });

  async function finance(agentId = 'finance-a') {
    return f.mintDelegated(agentId, ['planner'], { initiator: 'sso:carol' });
  }

  describe('1. keys that collide under case folding', () => {
    it.each([
      ['a second METHOD in the envelope', '{"jsonrpc":"2.0","id":1,"method":"ping","METHOD":"tools/call","params":{"name":"delete_file","arguments":{}}}'],
      ['a second NAME in params', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","NAME":"delete_file","arguments":{}}}'],
      ['a long-s name (ſ folds to s)', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","nameſ":1,"arguments":{"path":"a","PATH":"b"}}}'],
      ['a Kelvin sign key (K folds to k)', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":{"kind":"a","\u212Aind":"b"}}}'],
    ])('MCP: %s → BODY_KEY_COLLISION', async (_name, body) => {
      const r = await f.check({ ...MCP, body, token: await f.mint('reader-1') });
      expect(r.grpcCode).toBe(7);
      expect(r.body).toMatchObject({ decision: 'deny', code: 'BODY_KEY_COLLISION' });
    });

    it.each([
      ['AMOUNT', '{"payment_id":"p-fold1","amount":100,"AMOUNT":9000,"destination":"acct_ABCDEFGH12"}'],
      ['deſtination', '{"payment_id":"p-fold2","amount":100,"destination":"acct_ABCDEFGH12","deſtination":"acct_EVIL00000"}'],
      ['a nested collision', '{"payment_id":"p-fold3","amount":100,"destination":"acct_ABCDEFGH12","meta":{"note":"a","Note":"b"}}'],
    ])('REST: %s → BODY_KEY_COLLISION', async (_name, body) => {
      const r = await f.check({ ...PAYMENTS, body, ...(await finance()) });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'BODY_KEY_COLLISION' });
    });

    it('a param given by path and body under folded names → BODY_KEY_COLLISION', async () => {
      const agent = await finance('finance-b');
      const r = await f.check({ method: 'POST', host: 'payments.internal', path: '/payments/p1/approve', headers: { 'content-type': 'application/json' }, body: '{"Payment_ID":"p2"}', ...agent });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'BODY_KEY_COLLISION' });
    });
  });

  describe('2. identifiers are well-formed', () => {
    it.each<[string, { agentId: string; extra?: Record<string, unknown> }]>([
      ['agent_id with NUL', { agentId: 'finance-a\u0000admin' }],
      ['agent_id with a bidi override', { agentId: 'finance-\u202Eadmin' }],
      ['agent_id with a newline', { agentId: 'finance-a\nadmin' }],
      ['agent_id longer than 128', { agentId: `finance-${'a'.repeat(130)}` }],
      ['agent_id with an unpaired surrogate', { agentId: 'finance-x\ud800' }],
      ['initiator with an unpaired surrogate', { agentId: 'finance-a', extra: { initiator: 'sso:carol\udc00' } }],
      ['initiator with a control character', { agentId: 'finance-a', extra: { initiator: 'sso:carol\u0007' } }],
      ['jti with a control character', { agentId: 'finance-a', extra: { jti: 'abc\u0001' } }],
      ['parent_agent_id with NUL', { agentId: 'finance-a', extra: { parent_agent_id: 'planner\u0000' } }],
    ])('%s → TOKEN_CLAIMS', async (_name, spec) => {
      const token = await f.mint(spec.agentId, spec.extra === undefined ? {} : { extra: spec.extra });
      const r = await f.check({ ...MCP, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}', token });
      expect(r.grpcCode).toBe(16);
      expect(r.body).toMatchObject({ decision: 'deny', code: 'TOKEN_CLAIMS' });
    });

    it.each([
      ['NUL and a path', 'read_x\u0000/../delete', 'MCP_TOOL_NAME'],
      ['a space', 'read_x delete', 'MCP_TOOL_NAME'],
      ['longer than 128', `read_${'x'.repeat(130)}`, 'MCP_TOOL_NAME'],
      ['a bidi override', 'read_\u202Eeteled', 'MCP_TOOL_NAME'],
      // The body parser refuses the escaped lone surrogate before the name is read.
      ['an unpaired surrogate', 'read_\ud800', 'BODY_MALFORMED'],
    ])('an MCP tool name with %s → %s', async (_name, name, code) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
      const r = await f.check({ ...MCP, body, token: await f.mint('reader-1') });
      expect(r.body).toMatchObject({ decision: 'deny', code });
    });

    it('a param holding an unpaired surrogate is refused with a BODY_* code', async () => {
      const body = '{"payment_id":"p-sur\\ud800","amount":100,"destination":"acct_ABCDEFGH12"}';
      const r = await f.check({ ...PAYMENTS, body, ...(await finance()) });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'BODY_MALFORMED' });
    });

    it('well-formed identifiers still pass', async () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_dir/sub.file-1', arguments: {} } });
      const r = await f.check({ ...MCP, body, token: await f.mint('reader-1', { extra: { initiator: 'sso:carol@example.com' } }) });
      expect(r.grpcCode).toBe(0);
    });
  });

  describe('3. every string a condition sees is bounded', () => {
    it('a request target longer than limits.max_header_bytes → HEADERS_TOO_LARGE', async () => {
      const r = await f.check({ ...PAYMENTS, path: `/payments?memo=${'x'.repeat(70_000)}`, body: '{}', ...(await finance()) });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'HEADERS_TOO_LARGE' });
    });
  });

  describe('4. the upstream can trust the gate headers', () => {
    it('strips every client-sent x-dutygate-* and every header a rule may set', async () => {
      const headers = { ...PAYMENTS.headers, 'x-dutygate-approval-id': 'apr_forged', 'x-dutygate-anything': '1', 'x-reviewed-by': 'dutygate' };
      const body = JSON.stringify({ payment_id: 'p-hdr', amount: 100, destination: 'acct_ABCDEFGH12' });
      const r = await f.check({ ...PAYMENTS, headers, body, ...(await finance()) });
      expect(r.grpcCode).toBe(0);
      expect(r.headersToRemove).toEqual(expect.arrayContaining(['x-dutygate-approval-id', 'x-dutygate-anything', 'x-reviewed-by']));
    });

    it.each([
      ['X-HTTP-Method-Override', { 'x-http-method-override': 'DELETE' }, ''],
      ['X-HTTP-Method', { 'x-http-method': 'DELETE' }, ''],
      ['X-Method-Override', { 'x-method-override': 'DELETE' }, ''],
      ['a _method query param', {}, '?_method=DELETE'],
      // Found at stop 23: the raw-text pre-check missed encoded spellings the upstream decodes.
      ['a percent-encoded _method query param', {}, '?%5Fmethod=DELETE'],
      ['a _method after a ; separator', {}, '?a=1;_method=DELETE'],
    ])('a method override by %s is denied by default', async (_name, extra, query) => {
      const body = JSON.stringify({ payment_id: 'p-mo', amount: 100, destination: 'acct_ABCDEFGH12' });
      const r = await f.check({ ...PAYMENTS, path: `/payments${query}`, headers: { ...PAYMENTS.headers, ...extra }, body, ...(await finance()) });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'METHOD_OVERRIDE' });
    });

    // Found at stop 25: Laravel reads _method from a JSON body, and method-override is often
    // pointed at req.body; a JSON member was not judged at all.
    it.each([
      ['a plain member', '{"payment_id":"p-mo","amount":100,"destination":"acct_ABCDEFGH12","_method":"DELETE"}'],
      ['an escaped member', '{"payment_id":"p-mo","amount":100,"destination":"acct_ABCDEFGH12","\\u005fmethod":"DELETE"}'],
    ])('a method override by %s of the JSON body is denied', async (_name, body) => {
      const r = await f.check({ ...PAYMENTS, body, ...(await finance()) });
      expect(r.body).toMatchObject({ decision: 'deny', code: 'METHOD_OVERRIDE' });
    });
  });
});

// The gate's header contract is not a policy decision: a shadow-mode policy lets a refused
// request through (would_block), and the forged gate headers must still not reach the upstream.
describe('hostile input through a shadow-mode gate (issue 13, item 4)', () => {
  let f: GateFixture;

  beforeAll(async () => {
    f = await startGateFixture(POLICY.replace(/^mode: enforce$/m, 'mode: shadow'));
  });
  afterAll(async () => {
    await f.close();
  });

  it('strips forged x-dutygate-* and rule-set headers even when a method override makes the request a would-block', async () => {
    const agent = await f.mintDelegated('finance-a', ['planner'], { initiator: 'sso:carol' });
    const headers = { ...PAYMENTS.headers, 'x-http-method-override': 'DELETE', 'x-dutygate-approval-id': 'apr_forged', 'x-reviewed-by': 'dutygate' };
    const body = JSON.stringify({ payment_id: 'p-shadow-hdr', amount: 100, destination: 'acct_ABCDEFGH12' });
    const r = await f.check({ ...PAYMENTS, headers, body, ...agent });
    expect(r.grpcCode).toBe(0);
    expect(r.metadata).toMatchObject({ would_block: true });
    expect(r.headersToRemove).toEqual(expect.arrayContaining(['x-dutygate-approval-id', 'x-reviewed-by']));
  });
});
