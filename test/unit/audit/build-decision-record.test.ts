import { describe, expect, it } from 'vitest';
import { buildDecisionRecord } from '../../../src/audit/build-decision-record.js';
import { hashParams, sha256Canonical } from '../../../src/audit/canonical-record.js';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import type { HttpRequest } from '../../../src/request/http-request.js';
import { policyOf } from '../policy/fixtures.js';

const POLICY = policyOf(`version: "1"
tools:
  - name: pay.approve
    match: { method: POST, path: "/payments/{payment_id}/approve" }
    record_params: [payment_id, note]
  - name: pay.get
    match: { method: GET, path: "/payments/{payment_id}/{part}" }
  - name: lookup
    match: { method: GET, path: /lookup }
    record_params: ["*"]
rules:
  - { id: ok, tools: [pay.approve, pay.get, lookup], effect: allow }
`);

const request = (method: string, path: string, query = ''): HttpRequest => ({
  method,
  host: 'payments.internal',
  path,
  query,
  headers: new Map([['authorization', 'Bearer secret.token.value']]),
  body: undefined,
  bodyTruncated: false,
  contextExtensions: {},
});

const outcome = (fields: Partial<CheckOutcome>): CheckOutcome => ({
  decision: 'allow',
  code: 'OK',
  decisionId: 'd-1',
  phase: 'policy',
  policyVersion: POLICY.policyVersion,
  shadow: false,
  wouldBlock: false,
  ...fields,
});

const at = Date.UTC(2026, 10, 21, 10, 0, 0);
const build = (o: CheckOutcome, r: HttpRequest, policy = POLICY) => buildDecisionRecord({ outcome: o, request: r, startedAtMs: at, policy, aliases: { 'slack:U0CAROL': 'sso:carol' } });

describe('buildDecisionRecord', () => {
  // issue 19 item 8: params and params_hashed were plain objects, so `__proto__` vanished (or,
  // object-valued, became the record's prototype).
  it.each([
    ['a string', '"x"'],
    ['an object', '{"polluted":true}'],
  ])('keeps a __proto__ param with %s value in the record (raw and hashed)', (_kind, value) => {
    const params = JSON.parse(`{"__proto__":${value},"payment_id":"pay_1"}`) as Record<string, unknown>;
    const recorded = build(outcome({ tool: 'lookup', toolEntry: 'lookup', params }), request('GET', '/lookup'));
    const line = JSON.parse(JSON.stringify(recorded)) as { params: Record<string, unknown>; params_hash: string };
    expect(Object.hasOwn(line.params, '__proto__')).toBe(true);
    expect(line.params['__proto__']).toEqual(JSON.parse(value));
    expect(Object.getPrototypeOf(recorded.params)).toBeNull();
    expect((recorded.params as Record<string, unknown>)['polluted']).toBeUndefined();
    const hidden = build(outcome({ tool: 'pay.get', toolEntry: 'pay.get', params }), request('GET', '/payments/pay_1/x'));
    const hashed = JSON.parse(JSON.stringify(hidden)) as { params_hashed: Record<string, string> };
    expect(hashed.params_hashed['__proto__']).toBe(sha256Canonical(JSON.parse(value)));
  });

  it('keeps raw only the params the tool marks record_params, hashes the rest, and hides them in path and query', () => {
    const params = { payment_id: 'pay_1', note: 'ok', amount: 9000, card: '4111111111111111' };
    const record = build(
      outcome({ agentId: 'finance-a', parentAgentId: 'planner', chain: ['planner'], initiator: 'slack:U0CAROL', jti: 'j-1', tool: 'pay.approve', toolEntry: 'pay.approve', params, ruleId: 'ok' }),
      request('POST', '/payments/pay_1/approve', 'amount=9000&note=ok'),
    );
    expect(record).toEqual({
      v: 1,
      type: 'decision',
      decision_id: 'd-1',
      time: '2026-11-21T10:00:00.000Z',
      agent_id: 'finance-a',
      parent_agent_id: 'planner',
      chain: ['planner'],
      initiator: 'sso:carol',
      jti: 'j-1',
      method: 'POST',
      host: 'payments.internal',
      path: '/payments/pay_1/approve',
      query: 'amount={amount}&note=ok',
      tool: 'pay.approve',
      tool_entry: 'pay.approve',
      params: { payment_id: 'pay_1', note: 'ok' },
      params_hashed: { amount: sha256Canonical(9000), card: sha256Canonical('4111111111111111') },
      params_hash: hashParams(params),
      decision: 'allow',
      code: 'OK',
      reason: null,
      rule_id: 'ok',
      clause: null,
      policy_version: POLICY.policyVersion,
      approval_id: null,
      shadow: false,
      would_block: false,
      would_block_code: null,
      trace_id: null,
      span_id: null,
    });
    expect(JSON.stringify(record)).not.toContain('4111111111111111');
    expect(JSON.stringify(record)).not.toContain('secret.token');
  });

  it.each([
    ['a capture not marked', 'pay.get', '/payments/pay_9/receipt', '', '/payments/{payment_id}/{part}'],
    ['a trailing slash', 'pay.get', '/payments/pay_9/receipt/', '', '/payments/{payment_id}/{part}'],
    ['every param marked', 'lookup', '/lookup', 'q=a%20b&q=c', '/lookup'],
  ])('path and query: %s', (_name, tool, path, query, expectedPath) => {
    const record = build(outcome({ tool, toolEntry: tool, params: {} }), request('GET', path, query));
    expect(record.path).toBe(expectedPath);
    expect(record.query).toBe(query);
  });

  it('hides query values of an unmapped request (a query may carry a credential) but keeps its path', () => {
    const record = build(outcome({ decision: 'deny', code: 'NO_TOOL', reason: 'no tool' }), request('GET', '/reset', 'api_key=abc123&x'));
    expect(record).toMatchObject({ path: '/reset', query: 'api_key={api_key}&x={x}', tool: null, params: null, params_hashed: null, params_hash: null, decision: 'deny', code: 'NO_TOOL', reason: 'no tool' });
  });

  it('hashes every param when the policy was reloaded since the check (record_params may have changed)', () => {
    const other = policyOf(POLICY_TEXT_V2);
    const record = build(outcome({ tool: 'pay.approve', toolEntry: 'pay.approve', params: { payment_id: 'pay_1' } }), request('POST', '/payments/pay_1/approve'), other);
    expect(record.params).toEqual({});
    expect(record.params_hashed).toEqual({ payment_id: sha256Canonical('pay_1') });
    expect(record.path).toBe('/payments/{payment_id}/approve');
  });

  it.each([
    ['a hashed param value quoted in the reason', { payment_id: 'pay_77' }, 'pay.get', "finance-a already performed step 'draft' of payment \"pay_77\"", "finance-a already performed step 'draft' of payment {payment_id}"],
    ['a nested value', { recipient: { id: 'r-9' } }, 'pay.get', 'recipient "r-9" is blocked', 'recipient {recipient} is blocked'],
    ['a number as the ledger quotes it', { payment_id: 42 }, 'pay.get', 'step of payment "42"', 'step of payment {payment_id}'],
    ['a recorded param kept', { payment_id: 'pay_77' }, 'pay.approve', 'payment "pay_77"', 'payment "pay_77"'],
  ])('takes %s out of the reason', (_name, params, tool, reason, expected) => {
    const record = build(outcome({ decision: 'deny', code: 'SOD_DUTY_CONFLICT', reason, tool, toolEntry: tool, params }), request('POST', '/payments/x/approve'));
    expect(record.reason).toBe(expected);
  });

  it('records shadow would-block, clause and approval', () => {
    const record = build(
      outcome({ shadow: true, wouldBlock: true, wouldBlockCode: 'SOD_DUTY_CONFLICT', clause: { name: 'SOD', text: 'x', source: 'p#/clauses/SOD' }, approvalId: 'a-1' }),
      request('GET', '/lookup'),
    );
    expect(record).toMatchObject({ shadow: true, would_block: true, would_block_code: 'SOD_DUTY_CONFLICT', clause: 'SOD', approval_id: 'a-1' });
  });
});

const POLICY_TEXT_V2 = `version: "2"
tools:
  - name: pay.approve
    match: { method: POST, path: "/payments/{payment_id}/approve" }
rules:
  - { id: ok, tools: [pay.approve], effect: allow }
`;
