import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/policy/policy-hash.js';
import { mulberry32 } from '../../helpers/mulberry32.js';

/** The definition, written the slow and obvious way: sort keys at every level. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A small deterministic generator (mulberry32), so a failure names a reproducible seed. */
function generator(seed: number) {
  const next = mulberry32(seed);
  const KEYS = ['__proto__', 'a', 'b', 'B', 'z', '10', '9', '0', 'é', 'ab', 'a b', '"q"', 'amount', 'payment_id', '\u2028'];
  const value = (depth: number): unknown => {
    const kind = Math.floor(next() * (depth > 3 ? 4 : 7));
    switch (kind) {
      case 0: return Math.floor(next() * 2000) - 1000 + (next() < 0.3 ? 0.5 : 0);
      case 1: return KEYS[Math.floor(next() * KEYS.length)];
      case 2: return next() < 0.5;
      case 3: return null;
      case 4: return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      default: {
        const out: Record<string, unknown> = {};
        const n = Math.floor(next() * 5);
        // defineProperty, as JSON.parse does: "__proto__" becomes an own key, not a prototype.
        for (let i = 0; i < n; i++) Object.defineProperty(out, KEYS[Math.floor(next() * KEYS.length)] as string, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        return out;
      }
    }
  };
  return value;
}

describe('canonicalJson', () => {
  it('sorts keys by code unit at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}');
  });

  it('orders integer-like keys by code unit, not numerically as JSON.stringify would', () => {
    expect(JSON.stringify({ 9: 'a', 10: 'b' })).toBe('{"9":"a","10":"b"}');
    expect(canonicalJson({ 9: 'a', 10: 'b' })).toBe('{"10":"b","9":"a"}');
  });

  it('writes an already-sorted value exactly like JSON.stringify (the fast path)', () => {
    const sorted = { amount: 12.5, chain: ['root', 'mid'], params: { a: 'x', b: [1, 2] }, z: null };
    expect(canonicalJson(sorted)).toBe(JSON.stringify(sorted));
  });

  it('does not take the fast path for values JSON.stringify would write differently', () => {
    expect(canonicalJson({ a: undefined })).toBe('{"a":null}');
    expect(canonicalJson([undefined])).toBe('[null]');
    expect(canonicalJson(new Date(0))).toBe('{}');
    expect(canonicalJson({ toJSON: () => 'x' })).toBe(reference({ toJSON: () => 'x' }));
  });

  it('keeps a "__proto__" key (JSON.parse makes it an own property) instead of dropping it', () => {
    const parsed = JSON.parse('{"b":1,"__proto__":2,"a":{"__proto__":{"y":1,"x":2}}}') as unknown;
    expect(canonicalJson(parsed)).toBe('{"__proto__":2,"a":{"__proto__":{"x":2,"y":1}},"b":1}');
    expect(canonicalJson(parsed)).toBe(reference(parsed));
  });

  it('agrees with the obvious definition on 5,000 generated values', () => {
    for (let seed = 1; seed <= 5_000; seed++) {
      const value = generator(seed)(0);
      expect(canonicalJson(value), `seed ${seed}`).toBe(reference(value));
    }
  });
});
