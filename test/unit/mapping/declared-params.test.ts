/**
 * Issue 13, item 1 (second half): a tool may declare its params — an allowed-keys list or a JSON
 * Schema — and then a call carrying any other key is refused, so a param the policy never
 * judged cannot reach the upstream.
 */
import { describe, expect, it } from 'vitest';
import { DutygateError } from '../../../src/errors.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { mapRequest } from '../../../src/policy/mapping/map-request.js';
import { LIMITS, requestOf } from './request-of.js';

const POLICY = `version: "1"
tools:
  - name: payments.create
    match: { method: POST, path: /payments }
    params: { allowed: [payment_id, amount, destination] }
  - name: payments.refund
    match: { method: POST, path: "/payments/{payment_id}/refund" }
    params:
      schema:
        type: object
        additionalProperties: false
        required: [payment_id, amount]
        properties:
          payment_id: { type: string }
          amount: { type: number, maximum: 100000 }
rules: []
`;

function map(path: string, body: unknown, query = ''): string {
  try {
    return mapRequest(parsePolicy(POLICY, 'p.yaml'), requestOf({ path, body, query }), LIMITS)?.name ?? 'none';
  } catch (error) {
    if (error instanceof DutygateError) return error.code;
    throw error;
  }
}

describe('declared tool params', () => {
  it('an allowed-keys list admits the declared keys and refuses any other (body or query)', () => {
    expect(map('/payments', { payment_id: 'p1', amount: 1, destination: 'acct_x' })).toBe('payments.create');
    expect(map('/payments', { payment_id: 'p1', amount: 1 })).toBe('payments.create');
    expect(map('/payments', { payment_id: 'p1', amount: 1, memo: 'x' })).toBe('BODY_UNKNOWN_PARAM');
    expect(map('/payments', { payment_id: 'p1' }, 'dry_run=true')).toBe('BODY_UNKNOWN_PARAM');
  });

  it('a schema judges the merged params (path captures included)', () => {
    expect(map('/payments/p1/refund', { amount: 5 })).toBe('payments.refund');
    expect(map('/payments/p1/refund', { amount: 5, force: true })).toBe('BODY_UNKNOWN_PARAM');
    expect(map('/payments/p1/refund', { amount: '5' })).toBe('BODY_SCHEMA');
    expect(map('/payments/p1/refund', {})).toBe('BODY_SCHEMA');
  });

  // A schema's `pattern` / `patternProperties` run on agent-controlled params like rule regexes
  // (issue 13 item 3): one that backtracks super-linearly would stall the gate for everyone.
  it('validation refuses a schema pattern that can backtrack super-linearly, with its line', () => {
    const slow = POLICY.replace('payment_id: { type: string }', 'payment_id: { type: string, pattern: "^(a+)+$" }');
    expect(() => parsePolicy(slow, 'p.yaml')).toThrow(/p\.yaml:\d+:\d+: tools\[1\]\.params\.schema.*super-linearly/);
    const slowKeys = POLICY.replace('additionalProperties: false', 'patternProperties: { "^(x|x)*y$": { type: string } }');
    expect(() => parsePolicy(slowKeys, 'p.yaml')).toThrow(/tools\[1\]\.params\.schema.*super-linearly/);
    const linear = POLICY.replace('payment_id: { type: string }', 'payment_id: { type: string, pattern: "^pay_[a-z0-9]{1,32}$" }');
    expect(map('/payments/pay_1/refund', { amount: 5 })).toBe('payments.refund');
    expect(() => parsePolicy(linear, 'p.yaml')).not.toThrow();
  });

  it('validation refuses a bad declaration with its line', () => {
    const bad = POLICY.replace('type: number, maximum: 100000', 'type: numbr');
    expect(() => parsePolicy(bad, 'p.yaml')).toThrow(/p\.yaml:\d+:\d+: tools\[1\]\.params\.schema/);
    const mcp = `version: "1"\ntools:\n  - { name: m, match: { path: /mcp }, protocol: mcp, params: { allowed: [a] } }\nrules: []\n`;
    expect(() => parsePolicy(mcp, 'p.yaml')).toThrow(/tools\[0\]\.params/);
  });
});
