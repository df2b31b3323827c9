import { describe, expect, it } from 'vitest';
import { compileResourceRule, resolveResource, type ResourceRule } from '../../../src/policy/resource-rule.js';

function ruleOf(raw: unknown): ResourceRule {
  const issues: string[] = [];
  const rule = compileResourceRule(raw, (path, message) => issues.push(`${path.join('.')}: ${message}`));
  if (!rule) throw new Error(issues.join('; '));
  return rule;
}

const PATTERN = ruleOf({ param: 'payment_id', pattern: '^pay_[a-z0-9]{1,32}$' });
const INTEGER = ruleOf({ param: 'payment_id', type: 'integer' });

describe('resource rules: one resource, one ledger key (issue 12 item 1)', () => {
  it.each([
    ['the canonical id', 'pay_1', 'pay_1'],
    ['a Tomcat path parameter', 'pay_1;x', undefined],
    ['another case', 'PAY_1', undefined],
    ['a trailing PAD SPACE', 'pay_1 ', undefined],
    ['a percent-encoding', 'pay_1%20', undefined],
    ['a pattern that is only found inside the value (anchoring is implied)', 'xpay_1', undefined],
    ['a number', 1, undefined],
    ['a repeated query key', ['pay_1', 'pay_1'], undefined],
    ['an object', { id: 'pay_1' }, undefined],
    ['missing', undefined, undefined],
  ])('pattern: %s', (_name, value, expected) => {
    const result = resolveResource(PATTERN, value === undefined ? {} : { payment_id: value });
    expect(result.ok ? result.resource : undefined).toBe(expected);
  });

  it('an unanchored pattern still matches the whole value', () => {
    const loose = ruleOf({ param: 'id', pattern: 'pay_[0-9]+' });
    expect(resolveResource(loose, { id: 'pay_1' })).toEqual({ ok: true, resource: 'pay_1' });
    expect(resolveResource(loose, { id: 'pay_1;x' }).ok).toBe(false);
  });

  it.each([
    ['42', '42'],
    [42, '42'],
    ['0', '0'],
    [0, '0'],
    ['042', undefined],
    ['+42', undefined],
    ['-42', undefined],
    [-42, undefined],
    ['4.2e1', undefined],
    [4.5, undefined],
    ['42 ', undefined],
    ['9007199254740991', '9007199254740991'],
    ['9007199254740992', undefined],
    [2 ** 53, undefined],
    ['12345678901234567890', undefined],
    [true, undefined],
    [['42', '42'], undefined],
  ])('type integer: %j → %s', (value, expected) => {
    const result = resolveResource(INTEGER, { payment_id: value });
    expect(result.ok ? result.resource : undefined).toBe(expected);
  });

  it('says why a resource cannot be named', () => {
    expect(resolveResource(PATTERN, {})).toEqual({ ok: false, reason: 'params.payment_id is missing' });
    expect(resolveResource(PATTERN, { payment_id: ['a', 'a'] })).toEqual({ ok: false, reason: 'params.payment_id is given more than once' });
    expect(resolveResource(PATTERN, { payment_id: 'PAY_1' })).toEqual({ ok: false, reason: "params.payment_id does not match the duty's resource pattern" });
  });
});
