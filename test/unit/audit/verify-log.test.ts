import { describe, expect, it } from 'vitest';
import { canonicalRecord } from '../../../src/audit/canonical-record.js';
import type { AuditRecord } from '../../../src/audit/decision-record.js';
import { verifyAuditLog } from '../../../src/audit/verify-log.js';
import { auditLinkHash } from '../../../src/state/audit-hash.js';
import { chainedLog, decisionRecord } from './chained-log.js';

const LINES = await chainedLog(6);
const parse = (line: string) => JSON.parse(line) as AuditRecord & { audit: { seq: number; hash: string; prev_hash: string } };
const text = (lines: readonly string[]) => `${lines.join('\n')}\n`;
const verify = (lines: readonly string[]) => verifyAuditLog([{ file: 'd.jsonl', text: text(lines) }]);

/** Replaces line `index` (0-based) with `record`. */
const replace = (index: number, record: unknown) => LINES.map((line, i) => (i === index ? JSON.stringify(record) : line));
const without = (index: number) => LINES.filter((_, i) => i !== index);
const swap = (a: number, b: number) => LINES.map((line, i) => (i === a ? LINES[b]! : i === b ? LINES[a]! : line));

describe('verifyAuditLog', () => {
  it('accepts the untouched log and reports its head', () => {
    const last = parse(LINES[5]!);
    expect(verify(LINES)).toMatchObject({ ok: true, records: 6, firstSeq: 1, lastSeq: 6, head: last.audit.hash, checkpoints: [], end: { file: 'd.jsonl', line: 6 } });
  });

  it('accepts a log that starts after rotation (the first record is the anchor)', () => {
    expect(verify(LINES.slice(2))).toMatchObject({ ok: true, records: 4, firstSeq: 3, lastSeq: 6 });
  });

  it('re-hashes each line after a JSON round-trip (key order does not matter)', () => {
    const record = parse(LINES[2]!);
    const reordered = Object.fromEntries(Object.entries(record).reverse());
    expect(verify(replace(2, reordered)).ok).toBe(true);
  });

  const edited = (record: ReturnType<typeof parse>) => ({ ...record, decision: 'deny', code: 'POLICY_DENY' }) as ReturnType<typeof parse>;
  const rehashed = (record: ReturnType<typeof parse>) => {
    const changed = edited(record);
    return { ...changed, audit: { ...record.audit, hash: auditLinkHash(record.audit.prev_hash, canonicalRecord(changed)) } };
  };
  const forged = (after: ReturnType<typeof parse>, n: number) => {
    const record = decisionRecord(n, { agent_id: 'mallory' });
    return { ...record, audit: { seq: after.audit.seq + 1, prev_hash: after.audit.hash, hash: auditLinkHash(after.audit.hash, canonicalRecord(record)) } };
  };

  it.each([
    ['an edited field', () => replace(3, edited(parse(LINES[3]!))), { kind: 'edited', line: 4, seq: 4, message: 'its content does not match its hash' }],
    ['an edited field with its hash recomputed', () => replace(3, rehashed(parse(LINES[3]!))), { kind: 'edited', line: 4, seq: 4, message: 'its hash was recomputed: seq 5 (line 5) links to a different record' }],
    ['an edited seq', () => replace(3, { ...parse(LINES[3]!), audit: { ...parse(LINES[3]!).audit, seq: 40 } }), { kind: 'edited', line: 4, seq: 40, message: 'its seq was changed: it links directly to seq 3' }],
    ['the first record edited', () => replace(0, edited(parse(LINES[0]!))), { kind: 'edited', line: 1, seq: 1, message: 'its content does not match its hash' }],
    ['the last record edited', () => replace(5, edited(parse(LINES[5]!))), { kind: 'edited', line: 6, seq: 6 }],
    ['a dropped record', () => without(2), { kind: 'dropped', line: 3, seq: 3, message: 'seq 3 missing before this line (seq 4)' }],
    ['two dropped records', () => LINES.filter((_, i) => i !== 1 && i !== 2), { kind: 'dropped', line: 2, seq: 2, message: 'seq 2..3 missing before this line (seq 4)' }],
    ['the first record dropped', () => without(0), { ok: true }],
    ['a line without a chain stamp', () => [...LINES.slice(0, 3), JSON.stringify(decisionRecord(99)), ...LINES.slice(3)], { kind: 'inserted', line: 4, message: 'carries no chain stamp: inserted, or its chain append failed when it was written' }],
    ['a forged, correctly hashed record', () => [...LINES.slice(0, 3), JSON.stringify(forged(parse(LINES[2]!), 99)), ...LINES.slice(3)], { kind: 'inserted', line: 4, seq: 4, message: 'not part of the chain: seq 4 (line 5) links to seq 3, and the chain continues from it' }],
    ['a forged record at the end', () => [...LINES, JSON.stringify(forged(parse(LINES[4]!), 99))], { kind: 'inserted', line: 7, seq: 6, message: 'not part of the chain: a second seq 6 after line 6' }],
    ['a duplicated line', () => [...LINES.slice(0, 3), LINES[2]!, ...LINES.slice(3)], { kind: 'inserted', line: 4, seq: 3 }],
    ['two records swapped', () => swap(2, 3), { kind: 'reordered', line: 3, seq: 4, message: 'seq 4 comes before seq 3 (line 4)' }],
    ['a record moved to the end', () => [...without(1), LINES[1]!], { kind: 'reordered', line: 2, seq: 3, message: 'seq 3 comes before seq 2 (line 6)' }],
    // issue 19 item 6: JSON.parse keeps the last of two equal keys, other readers the first.
    ['a prepended duplicate key', () => LINES.map((line, i) => (i === 2 ? line.replace('{', '{"decision":"deny",') : line)), { kind: 'edited', line: 3, message: expect.stringMatching(/^repeats an object key/) as unknown as string }],
    ['a duplicate key nested in params', () => LINES.map((line, i) => (i === 1 ? line.replace('"params":{', '"params":{"amount":1,') : line)), { kind: 'edited', line: 2 }],
    ['a line re-spaced', () => LINES.map((line, i) => (i === 4 ? line.replace(/,"/gu, ', "') : line)), { kind: 'malformed', line: 5 }],
    ['a string re-escaped', () => LINES.map((line, i) => (i === 3 ? line.replace('"allow"', '"\\u0061llow"') : line)), { kind: 'malformed', line: 4 }],
    ['a line that is not JSON', () => [...LINES.slice(0, 2), '{"v":1,', ...LINES.slice(2)], { kind: 'malformed', line: 3, message: 'not a JSON line' }],
    ['an unknown record version', () => replace(1, { ...parse(LINES[1]!), v: 2 }), { kind: 'malformed', line: 2, message: 'not a version 1 audit record' }],
  ])('names %s', (_name, tamper, expected) => {
    const result = verify(tamper());
    if ('ok' in expected) expect(result.ok).toBe(true);
    else expect(result).toMatchObject({ ok: false, finding: { file: 'd.jsonl', ...expected } });
  });

  it('names the decision id of the record it blames', () => {
    const result = verify(replace(3, edited(parse(LINES[3]!))));
    expect(result).toMatchObject({ ok: false, finding: { decisionId: parse(LINES[3]!).decision_id } });
  });

  it('refuses a chain whose seq 1 does not start from the genesis hash', () => {
    const first = parse(LINES[0]!);
    const moved = { ...first, audit: { seq: 1, prev_hash: 'f'.repeat(64), hash: auditLinkHash('f'.repeat(64), canonicalRecord(first)) } };
    expect(verify([JSON.stringify(moved)])).toMatchObject({ ok: false, finding: { kind: 'edited', line: 1, message: 'seq 1 does not start from the genesis hash' } });
  });

  describe('several files (one per replica, interleaved by seq)', () => {
    const odd = LINES.filter((_, i) => i % 2 === 0);
    const even = LINES.filter((_, i) => i % 2 === 1);

    it('merges them by seq', () => {
      expect(verifyAuditLog([{ file: 'a', text: text(odd) }, { file: 'b', text: text(even) }])).toMatchObject({ ok: true, records: 6, lastSeq: 6 });
    });

    it('names a record dropped from one of them', () => {
      const result = verifyAuditLog([{ file: 'a', text: text(odd) }, { file: 'b', text: text(even.slice(1)) }]);
      expect(result).toMatchObject({ ok: false, finding: { kind: 'dropped', file: 'a', seq: 2 } });
    });

    it('names a file that is out of seq order', () => {
      const result = verifyAuditLog([{ file: 'a', text: text([odd[1]!, odd[0]!, odd[2]!]) }, { file: 'b', text: text(even) }]);
      expect(result).toMatchObject({ ok: false, finding: { kind: 'reordered', file: 'a', line: 2, seq: 1 } });
    });
  });
});
