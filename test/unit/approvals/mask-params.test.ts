import { describe, expect, it } from 'vitest';
import { MASK, maskParams } from '../../../src/approvals/mask-params.js';

describe('maskParams', () => {
  it('masks the policy-listed paths (dotted) and keeps the rest', () => {
    const shown = maskParams({ amount: 9000, card: '4111111111111111', recipient: { name: 'ACME', iban: 'DE89370400440532013000' } }, ['card', 'recipient.iban']);
    expect(shown).toEqual({ amount: 9000, card: MASK, recipient: { name: 'ACME', iban: MASK } });
  });

  it.each([['password'], ['api_key'], ['apiKey'], ['client_secret'], ['accessToken'], ['Authorization'], ['cvv'], ['card_number'], ['ssn'], ['privateKey'], ['session_cookie']])(
    'masks a credential-looking key (%s) whatever the policy says',
    (key) => {
      expect(maskParams({ [key]: 'hunter2', nested: { [key]: 'x' } })).toEqual({ [key]: MASK, nested: { [key]: MASK } });
    },
  );

  it('cuts long strings, long arrays and deep nesting, and never changes its input', () => {
    const input = { note: 'x'.repeat(500), list: Array.from({ length: 60 }, (_, i) => i), deep: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } };
    const copy = structuredClone(input);
    const shown = maskParams(input);
    expect(String(shown.note)).toBe(`${'x'.repeat(200)}… (300 more characters)`);
    expect((shown.list as unknown[]).at(-1)).toBe('… 10 more items');
    expect(JSON.stringify(shown.deep)).toContain('deeper levels not shown');
    expect(input).toEqual(copy);
  });
});

describe('the params hash approvals bind to (hashParams)', () => {
  it('is the sha256 of the canonical JSON: key order does not matter, any value change does', async () => {
    const { hashParams: paramsHash } = await import('../../../src/audit/canonical-record.js');
    const { createHash } = await import('node:crypto');
    expect(paramsHash({ b: 1, a: { d: [1, 2], c: 'x' } })).toBe(paramsHash({ a: { c: 'x', d: [1, 2] }, b: 1 }));
    expect(paramsHash({ a: 1 })).toBe(createHash('sha256').update('{"a":1}').digest('hex'));
    expect(paramsHash({ a: 1 })).not.toBe(paramsHash({ a: '1' }));
    expect(paramsHash({ a: [1, 2] })).not.toBe(paramsHash({ a: [2, 1] }));
  });
});

describe('maskParams and __proto__ (issue 19 item 8)', () => {
  it('shows a __proto__ param to the approver like any other, and never as a prototype', () => {
    const shown = maskParams(JSON.parse('{"__proto__":{"admin":true},"amount":5}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(shown)).toBeNull();
    expect(JSON.parse(JSON.stringify(shown))).toEqual(JSON.parse('{"__proto__":{"admin":true},"amount":5}'));
    expect(shown['admin']).toBeUndefined();
  });
});
