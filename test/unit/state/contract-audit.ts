import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditLink } from '../../../src/state/approval-record.js';
import type { StoreRef } from './state-contract.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Checks a run of links: gap-free from `firstSeq`, each sealing the previous one. */
export function expectChain(links: readonly AuditLink[], records: ReadonlyMap<number, string>, firstSeq = 1): void {
  const sorted = [...links].sort((a, b) => a.seq - b.seq);
  sorted.forEach((link, i) => {
    expect(link.seq).toBe(firstSeq + i);
    if (i === 0 && firstSeq === 1) expect(link.prevHash).toBe('0'.repeat(64));
    if (i > 0) expect(link.prevHash).toBe(sorted[i - 1]?.hash);
    expect(link.hash).toBe(sha256(`${link.prevHash}\n${records.get(link.seq) ?? ''}`));
  });
}

/** The tamper-evident audit chain: gap-free seq, sha256 links, one chain under concurrency. */
export function auditContract(store: StoreRef): void {
  describe('audit chain', () => {
    it('links records with sha256(prev + "\\n" + record), starting from 64 zeros', async () => {
      const first = await store().appendAudit('{"a":1}');
      const second = await store().appendAudit('{"b":2}');
      expect(first).toEqual({ seq: 1, prevHash: '0'.repeat(64), hash: sha256(`${'0'.repeat(64)}\n{"a":1}`) });
      expect(second).toEqual({ seq: 2, prevHash: first.hash, hash: sha256(`${first.hash}\n{"b":2}`) });
    });

    it('reads the head: undefined while empty, then the newest link', async () => {
      expect(await store().auditHead()).toBeUndefined();
      await store().appendAudit('{"a":1}');
      const second = await store().appendAudit('{"b":2}');
      expect(await store().auditHead()).toEqual({ seq: 2, hash: second.hash });
    });

    it('stays one gap-free chain under 60 concurrent appends', async () => {
      const texts = Array.from({ length: 60 }, (_, i) => `{"n":${i}}`);
      const links = await Promise.all(texts.map((text) => store().appendAudit(text)));
      const bySeq = new Map(links.map((link, i) => [link.seq, texts[i] ?? '']));
      expect(bySeq.size).toBe(60);
      expectChain(links, bySeq);
    });
  });
}
