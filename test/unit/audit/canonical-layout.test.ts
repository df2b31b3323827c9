/**
 * The canonical record reuses the sorted key order of a record layout it has seen: the text must
 * stay exactly canonicalJson of the record without its stamp, for every layout, in any order of
 * arrival, also once more layouts than the cache holds came by — and a cached layout must never
 * be used for a record whose keys differ (another order, one key more or less).
 */
import { describe, expect, it } from 'vitest';
import { createLayoutCanonicalizer } from '../../../src/audit/canonical-layout.js';
import { canonicalRecord } from '../../../src/audit/canonical-record.js';
import type { AuditRecord } from '../../../src/audit/decision-record.js';
import { canonicalJson } from '../../../src/policy/policy-hash.js';

const reference = (record: Readonly<Record<string, unknown>>): string => {
  const { audit: _stamp, ...content } = record;
  return canonicalJson(content);
};

const decision = (i: number): Record<string, unknown> => ({
  v: 1,
  type: 'decision',
  decision_id: `d-${i}`,
  time: '2026-12-06T23:10:26.123Z',
  agent_id: i % 2 === 0 ? 'finance-1' : null,
  chain: ['root', `mid-${i}`],
  params: Object.assign(Object.create(null) as Record<string, unknown>, { b: i, a: { z: 1, y: [2, { d: null, c: 'é' }] } }),
  params_hashed: Object.assign(Object.create(null) as Record<string, unknown>, { __proto__: 'x', memo: 'h' }),
  reason: i % 3 === 0 ? undefined : 'quoted "reason"',
  shadow: false,
  ...(i % 4 === 0 ? { audit: { seq: i, hash: 'h', prev_hash: 'p' } } : {}),
});

describe('createLayoutCanonicalizer', () => {
  const canonical = createLayoutCanonicalizer('audit');

  it('writes canonicalJson of the record without its stamp, layout after layout', () => {
    for (let i = 0; i < 40; i++) expect(canonical(decision(i))).toBe(reference(decision(i)));
  });

  it('tells layouts apart by their full key list: another order, a key more or less', () => {
    const a = { b: 1, a: 2, c: 3 };
    const reordered = { a: 2, b: 1, c: 3 };
    const fewer = { b: 1, a: 2 };
    const more = { b: 1, a: 2, c: 3, aa: 4 };
    const renamed = { b: 1, a: 2, d: 3 };
    for (const record of [a, reordered, fewer, more, renamed, a, renamed, fewer]) expect(canonical(record)).toBe(reference(record));
  });

  it('stays exact once more layouts came by than it keeps', () => {
    const records = Array.from({ length: 30 }, (_, i) => Object.fromEntries(Array.from({ length: (i % 12) + 1 }, (_, k) => [`k${(k * 7 + i) % 13}`, k])));
    for (let round = 0; round < 3; round++) for (const record of records) expect(canonical(record)).toBe(reference(record));
  });

  it('an empty record, and one holding only its stamp', () => {
    expect(canonical({})).toBe('{}');
    expect(canonical({ audit: { seq: 1 } })).toBe('{}');
  });

  it('canonicalRecord is this, over audit records', () => {
    for (let i = 0; i < 10; i++) {
      const record = decision(i) as unknown as AuditRecord;
      expect(canonicalRecord(record)).toBe(reference(record as unknown as Record<string, unknown>));
    }
  });
});
