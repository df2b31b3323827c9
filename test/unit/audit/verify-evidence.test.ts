import { describe, expect, it } from 'vitest';
import { canonicalRecord } from '../../../src/audit/canonical-record.js';
import { createCheckpointSigner, createCheckpointVerifier, type CheckpointRecord } from '../../../src/audit/checkpoint.js';
import type { AuditRecord } from '../../../src/audit/decision-record.js';
import { verifyAuditEvidence, type ExpectedHead } from '../../../src/audit/verify-evidence.js';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import { auditLinkHash } from '../../../src/state/audit-hash.js';
import { checkpointedLog } from './chained-log.js';

const KEY = await generateSigningKey({ kid: 'audit-1' });
const OTHER = await generateSigningKey({ kid: 'audit-1' });
const verifier = createCheckpointVerifier(KEY.publicJwks);
/**
 * 10 records, a checkpoint after every 4th and one at shutdown:
 * lines 1-4 seq 1-4, 5 checkpoint(4), 6-9 seq 5-8, 10 checkpoint(8), 11-12 seq 9-10, 13 checkpoint(10).
 */
const LINES = await checkpointedLog(10, 4, await createCheckpointSigner(KEY.privateJwk));

/** Either kind of line, loosely: a record (with `audit`) or a checkpoint (with `seq`, `hash`). */
interface Line {
  readonly [key: string]: unknown;
  readonly type: string;
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
  readonly audit: { seq: number; hash: string; prev_hash: string };
}
const parse = (line: string) => JSON.parse(line) as Line;
const text = (lines: readonly string[]) => `${lines.join('\n')}\n`;
const verify = (lines: readonly string[], options: { head?: ExpectedHead; noKey?: boolean } = {}) =>
  verifyAuditEvidence([{ file: 'd.jsonl', text: text(lines) }], { ...(options.noKey ? {} : { verifier }), ...(options.head ? { head: options.head } : {}) });
const recordLines = (lines: readonly string[]) => lines.filter((line) => parse(line).type !== 'checkpoint');

/** Edits every record from `fromSeq` on and re-hashes the chain from there, as a careful forger would. */
function rechain(lines: readonly string[], fromSeq: number): string[] {
  let prev = '';
  return lines.map((line) => {
    const record = parse(line);
    if (record.type === 'checkpoint') return line;
    if (record.audit.seq < fromSeq) {
      prev = record.audit.hash;
      return line;
    }
    const edited = { ...record, agent_id: 'mallory' };
    const hash = auditLinkHash(prev, canonicalRecord(edited as unknown as AuditRecord));
    const out = { ...edited, audit: { seq: record.audit.seq, prev_hash: prev, hash } };
    prev = hash;
    return JSON.stringify(out);
  });
}

describe('verifyAuditEvidence: chain plus signed checkpoints', () => {
  it('lays the log out as a gate writes it', () => {
    expect(LINES.map((line) => (parse(line).type === 'checkpoint' ? `cp${parse(line).seq}` : parse(line).audit.seq))).toEqual([1, 2, 3, 4, 'cp4', 5, 6, 7, 8, 'cp8', 9, 10, 'cp10']);
    expect(parse(LINES[12]!)).toMatchObject({ type: 'checkpoint', reason: 'shutdown', seq: 10, hash: parse(LINES[11]!).audit.hash, policy_version: '1+abcdef012345', kid: 'audit-1' });
  });

  it('accepts the untouched log, every checkpoint checked', async () => {
    expect(await verify(LINES)).toEqual({ ok: true, records: 10, firstSeq: 1, lastSeq: 10, head: parse(LINES[11]!).audit.hash, checkpoints: 3, lastCheckpoint: { seq: 10, time: parse(LINES[12]!).time, file: 'd.jsonl', line: 13 }, unattested: 0 });
  });

  it('says how many records no checkpoint covers yet', async () => {
    expect(await verify(LINES.slice(0, 12))).toMatchObject({ ok: true, checkpoints: 2, unattested: 2 });
  });

  it.each([
    ['records cut from the tail, checkpoints kept', () => LINES.filter((_, i) => i !== 10 && i !== 11), { kind: 'truncated', line: 9, seq: 9, message: 'the log ends at seq 8; the signed checkpoint at d.jsonl:11 attests seq 10: seq 9..10 missing' }],
    ['a checkpoint edited to hide the cut', () => [...LINES.slice(0, 10), JSON.stringify({ ...parse(LINES[12]!), seq: 8, hash: parse(LINES[8]!).audit.hash })], { kind: 'forged', line: 11, seq: 8 }],
    ['a checkpoint signed with another key', async () => [...LINES.slice(0, 12), JSON.stringify(await (await createCheckpointSigner(OTHER.privateJwk)).sign({ seq: 12, hash: 'ab'.repeat(32) }, { time: '2026-11-21T10:00:00.000Z', policyVersion: null, reason: 'shutdown' }))], { kind: 'forged', line: 13, message: 'the checkpoint signature does not verify with the given key (edited, or signed by another key)' }],
    ['the tail rewritten and re-hashed', () => rechain(LINES, 7), { kind: 'spliced', line: 6, seq: 5, message: 'seq 8 (d.jsonl:9) is not the record the signed checkpoint at d.jsonl:10 attests: the chain was rewritten from seq 5 to 8' }],
    ['a record edited in place', () => LINES.map((line, i) => (i === 6 ? line.replace('"agent-6"', '"mallory"') : line)), { kind: 'edited', line: 7, seq: 6 }],
    ['a line that is a malformed checkpoint', () => [...LINES.slice(0, 5), '{"v":1,"type":"checkpoint","seq":"4"}', ...LINES.slice(5)], { kind: 'malformed', line: 6, message: 'not a well-formed checkpoint' }],
  ])('fails on %s, naming the first bad line', async (_name, tamper, finding) => {
    const result = await verify(await tamper());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.finding).toMatchObject({ file: 'd.jsonl', ...finding });
  });

  it('refuses to pass checkpoints it cannot check (no key)', async () => {
    const result = await verify(LINES, { noKey: true });
    expect(result).toMatchObject({ ok: false, finding: { kind: 'unverified', line: 5, seq: 4 } });
  });

  it('accepts a log without checkpoints and without a key', async () => {
    expect(await verify(recordLines(LINES), { noKey: true })).toMatchObject({ ok: true, records: 10, checkpoints: 0, unattested: 10 });
  });

  describe('against an expected head', () => {
    const shutdown = () => parse(LINES[12]!) as unknown as CheckpointRecord;
    const signedHead = (): ExpectedHead => ({ seq: 10, hash: shutdown().hash, source: 'head.json', checkpoint: shutdown() });

    it('detects a tail cut together with its checkpoints', async () => {
      const cut = LINES.slice(0, 10);
      expect(await verify(cut)).toMatchObject({ ok: true, unattested: 0 });
      expect(await verify(cut, { head: signedHead() })).toMatchObject({ ok: false, finding: { kind: 'truncated', line: 9, seq: 9, message: 'the log ends at seq 8; the head from head.json attests seq 10: seq 9..10 missing' } });
    });

    it('accepts a log that reaches the head and goes on past it', async () => {
      const head = parse(LINES[8]!);
      expect(await verify(LINES, { head: { seq: 8, hash: head.audit.hash, source: '--head' } })).toMatchObject({ ok: true, records: 10 });
    });

    it('refuses a forged head file', async () => {
      const forged = { ...shutdown(), seq: 8, hash: parse(LINES[8]!).audit.hash };
      expect(await verify(LINES.slice(0, 10), { head: { seq: 8, hash: forged.hash, source: 'head.json', checkpoint: forged } })).toMatchObject({ ok: false, finding: { kind: 'forged', file: 'head.json' } });
    });

    it('names a rewritten chain that a head contradicts', async () => {
      const rewritten = rechain(recordLines(LINES), 3);
      const result = await verify(rewritten, { head: signedHead() });
      expect(result).toMatchObject({ ok: false, finding: { kind: 'spliced', line: 1, seq: 1 } });
    });
  });
});
