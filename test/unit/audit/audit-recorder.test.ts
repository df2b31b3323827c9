import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalRecord } from '../../../src/audit/canonical-record.js';
import { createAuditRecorder } from '../../../src/audit/audit-recorder.js';
import { openDecisionLog } from '../../../src/audit/decision-log.js';
import { verifyAuditLog } from '../../../src/audit/verify-log.js';
import { DutygateError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log/logger.js';
import type { AuditLink } from '../../../src/state/approval-record.js';
import { decisionRecord, memoryStore } from './chained-log.js';

describe('audit recorder', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-recorder-'));
    file = join(dir, 'decisions.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const lines = async () => (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const logger = createLogger('silent');

  it('writes one stamped line per record, in chain order, and the log verifies', async () => {
    const recorder = createAuditRecorder({ store: memoryStore(), log: openDecisionLog({ sink: 'file', file }, () => undefined), logger });
    const results = await Promise.all([1, 2, 3].map((n) => recorder.record(decisionRecord(n))));
    await recorder.close();
    expect(results.map((r) => r.stamp?.seq)).toEqual([1, 2, 3]);
    expect((await lines()).map((l) => (l.audit as { seq: number }).seq)).toEqual([1, 2, 3]);
    expect(verifyAuditLog([{ file, text: await readFile(file, 'utf8') }])).toMatchObject({ ok: true, records: 3 });
  });

  it('writes each chained line as the canonical record the chain hashed, with the stamp after it', async () => {
    const recorder = createAuditRecorder({ store: memoryStore(), log: openDecisionLog({ sink: 'file', file }, () => undefined), logger });
    const records = [1, 2].map((n) => decisionRecord(n));
    const results = await Promise.all(records.map((record) => recorder.record(record)));
    await recorder.close();
    const text = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    for (const [i, record] of records.entries()) {
      // An auditor can hash the bytes before `,"audit":` as they are, without re-serialising.
      expect(text[i]).toBe(`${canonicalRecord(record).slice(0, -1)},"audit":${JSON.stringify(results[i]?.stamp)}}`);
    }
    expect(verifyAuditLog([{ file, text: text.join('\n') + '\n' }])).toMatchObject({ ok: true, records: 2 });
  });

  it('writes lines audit verify accepts whatever keys an agent put in its params (integer-like keys sort differently in JSON.parse)', async () => {
    // An agent controls its body's keys. JSON.parse puts integer-like keys first in numeric order,
    // the canonical form sorts by code unit ("10" before "9"), so a canonical line does not
    // survive a parse-and-serialize round trip; verify must still accept the gate's own lines,
    // or any agent could make the log look tampered.
    const recorder = createAuditRecorder({ store: memoryStore(), log: openDecisionLog({ sink: 'file', file }, () => undefined), logger });
    const hostile = decisionRecord(1, { params: { '10': 'a', '9': 'b', z: { '2': 1, '11': 2 } }, params_hashed: { '100': 'ab'.repeat(32), '7': 'cd'.repeat(32) } });
    await recorder.record(hostile);
    await recorder.record(decisionRecord(2));
    await recorder.close();
    expect(verifyAuditLog([{ file, text: await readFile(file, 'utf8') }])).toMatchObject({ ok: true, records: 2 });
  });

  it('still writes the line when the append fails, unchained, and says why', async () => {
    const reasons: string[] = [];
    const failing = { appendAudit: (): Promise<AuditLink> => Promise.reject(new DutygateError('STATE_UNAVAILABLE', 'down')) };
    const recorder = createAuditRecorder({ store: failing, log: openDecisionLog({ sink: 'file', file }, () => undefined), logger, onUnchained: (r) => reasons.push(r) });
    const result = await recorder.record(decisionRecord(1));
    await recorder.close();
    expect(result.stamp).toBeUndefined();
    expect(reasons).toEqual(['store_error']);
    const [line] = await lines();
    expect(line).toMatchObject({ decision_id: decisionRecord(1).decision_id });
    expect(line).not.toHaveProperty('audit');
    expect(verifyAuditLog([{ file, text: await readFile(file, 'utf8') }])).toMatchObject({ ok: false, finding: { kind: 'inserted', line: 1 } });
  });

  it('does not pile up appends when the store stops answering (backlog)', async () => {
    const reasons: string[] = [];
    const stuck = { appendAudit: () => new Promise<AuditLink>(() => undefined) };
    const recorder = createAuditRecorder({ store: stuck, log: openDecisionLog({ sink: 'file', file }, () => undefined), logger, maxPending: 2, onUnchained: (r) => reasons.push(r) });
    void recorder.record(decisionRecord(1));
    void recorder.record(decisionRecord(2));
    expect(await recorder.record(decisionRecord(3))).toEqual({ canonical: expect.any(String) });
    await recorder.close(10);
    // 3 found the buffer full; 1 and 2 were still waiting when the recorder closed.
    expect(reasons).toEqual(['backlog', 'store_error', 'store_error']);
    expect((await lines()).map((l) => l.decision_id)).toEqual([3, 1, 2].map((n) => decisionRecord(n).decision_id));
    // Every unchained line, the ones close() gave up on included, is the canonical record as built.
    const text = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(text).toEqual([3, 1, 2].map((n) => canonicalRecord(decisionRecord(n))));
  });

  it('raises one alarm line per episode of unchained records, naming the first and last decision id', async () => {
    const logged: Record<string, unknown>[] = [];
    const alarmLogger = createLogger('error', { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) });
    let release: (link: AuditLink) => void = () => undefined;
    const stuck = { appendAudit: () => new Promise<AuditLink>((resolve) => (release = resolve)) };
    const recorder = createAuditRecorder({ store: stuck, log: openDecisionLog({ sink: 'file', file }, () => undefined), logger: alarmLogger, maxPending: 1 });
    const waiting = recorder.record(decisionRecord(1));
    for (const n of [2, 3, 4]) await recorder.record(decisionRecord(n));
    // The buffered record lands: the episode is over, and said once.
    release({ seq: 1, hash: 'a'.repeat(64), prevHash: '0'.repeat(64) });
    expect((await waiting).stamp?.seq).toBe(1);
    await recorder.close();
    const alarms = logged.filter((line) => String(line.msg).startsWith('audit records not chained'));
    expect(alarms.map((line) => [line.first_decision_id, line.last_decision_id, line.count])).toEqual([
      [decisionRecord(2).decision_id, undefined, undefined],
      [decisionRecord(2).decision_id, decisionRecord(4).decision_id, 3],
    ]);
  });

  it('writes the lines of records still waiting for the store when it closes, unchained and in order', async () => {
    const reasons: string[] = [];
    const stuck = { appendAudit: () => new Promise<AuditLink>(() => undefined) };
    const recorder = createAuditRecorder({ store: stuck, log: openDecisionLog({ sink: 'file', file }, () => undefined), logger, onUnchained: (r) => reasons.push(r) });
    const waiting = [1, 2].map((n) => recorder.record(decisionRecord(n)));
    await recorder.close(20);
    expect(await Promise.race([Promise.all(waiting).then(() => 'settled'), new Promise((resolve) => setTimeout(resolve, 50, 'waiting'))])).toBe('waiting');
    expect(reasons).toEqual(['store_error', 'store_error']);
    expect((await lines()).map((l) => [l.decision_id, 'audit' in l])).toEqual([
      [decisionRecord(1).decision_id, false],
      [decisionRecord(2).decision_id, false],
    ]);
  });

  it('writes plain lines when the chain is off', async () => {
    const recorder = createAuditRecorder({ log: openDecisionLog({ sink: 'file', file }, () => undefined), logger });
    const recorded = await recorder.record(decisionRecord(1));
    expect(recorded.stamp).toBeUndefined();
    // Computed only when read (a span with audit.span_record), and the same text as with the chain on.
    expect(recorded.canonical).toBe(canonicalRecord(decisionRecord(1)));
    await recorder.close();
    expect(await lines()).toEqual([JSON.parse(JSON.stringify(decisionRecord(1)))]);
  });

  it('refuses a decision log file it cannot open, at once', () => {
    expect(() => openDecisionLog({ sink: 'file', file: join(dir, 'missing-folder', 'd.jsonl') }, () => undefined)).toThrow(/ENOENT/);
  });

  it('appends to an existing log', async () => {
    for (const n of [1, 2]) {
      const recorder = createAuditRecorder({ log: openDecisionLog({ sink: 'file', file }, () => undefined), logger });
      await recorder.record(decisionRecord(n));
      await recorder.close();
    }
    expect((await lines()).map((l) => l.agent_id)).toEqual(['agent-1', 'agent-2']);
  });
});
