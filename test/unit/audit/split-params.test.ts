/**
 * splitParams serialises each param value once and builds `params_hash` from those texts: the
 * hash must be exactly hashParams (sha256 of canonicalJson of all params), whatever the key order,
 * key kinds and values, or a decision record would no longer match its approval and override.
 */
import { describe, expect, it } from 'vitest';
import { hashParams, sha256Canonical } from '../../../src/audit/canonical-record.js';
import { splitParams } from '../../../src/audit/record-params.js';
import { canonicalJson, canonicalJsonOfEntries } from '../../../src/policy/policy-hash.js';

const cases: Record<string, Readonly<Record<string, unknown>>> = {
  empty: {},
  sorted: { amount: 10, currency: 'EUR', id: 'pay_1' },
  unsorted: { z: 1, a: { y: [3, { d: 1, c: 2 }], b: null }, m: 'x' },
  'integer-like keys': { 10: 'ten', 2: 'two', a: 'a', '-1': 'minus' },
  'a __proto__ key': JSON.parse('{"__proto__":{"polluted":true},"b":1}') as Record<string, unknown>,
  'null prototype': Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 }),
  'unicode keys (code-unit order)': { 'é': 1, e: 2, '\u{1F600}': 3, '\uFFFF': 4, E: 5 },
  'a toJSON key': { toJSON: 'not a method', a: 1 },
  'an undefined value': { a: undefined, b: 1 },
  'nested arrays and strings with escapes': { q: ['"quoted"', '\n', '\u2028'], p: [[1, 2], []] },
};

describe('splitParams', () => {
  for (const [name, params] of Object.entries(cases)) {
    it(`${name}: hash is hashParams, hashed values are sha256Canonical`, () => {
      const split = splitParams(params, (key) => key === 'a');
      expect(split.hash).toBe(hashParams(params));
      for (const key of Object.keys(params)) {
        if (key === 'a') expect(split.params[key]).toBe(params[key]);
        else expect(split.hashed[key]).toBe(sha256Canonical(params[key]));
      }
    });

    it(`${name}: canonicalJsonOfEntries writes what canonicalJson writes`, () => {
      const keys = Object.keys(params);
      expect(canonicalJsonOfEntries(keys, keys.map((key) => canonicalJson(params[key])))).toBe(canonicalJson(params));
    });
  }
});
