/**
 * A chained record's line is written without copying the record: it must be byte for byte the
 * JSON of `{ ...record, audit: stamp }` — also for a record whose last keys are undefined, an
 * empty record, and one that already carries an `audit` key (which the spread overwrites in place).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDecisionLog } from '../../../src/audit/decision-log.js';
import type { AuditRecord, AuditStamp } from '../../../src/audit/decision-record.js';

const stamp: AuditStamp = { seq: 7, hash: 'a'.repeat(64), prev_hash: 'b'.repeat(64) };

const records: Record<string, unknown>[] = [
  { v: 1, type: 'decision', decision_id: 'd-1', params: { b: 1, a: '"quoted"\n' }, reason: null },
  { v: 1, type: 'decision', decision_id: 'd-2', tail: undefined },
  {},
  { only: undefined },
  { audit: { seq: 1, hash: 'x', prev_hash: 'y' }, type: 'decision', decision_id: 'd-3' },
  { type: 'decision', audit: undefined, decision_id: 'd-4' },
];

describe('openDecisionLog', () => {
  it('writes a stamped record as the JSON of { ...record, audit: stamp }, and a plain one as its JSON', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'dutygate-log-')), 'decisions.log');
    const log = openDecisionLog({ sink: 'file', file }, (error) => {
      throw error;
    });
    for (const record of records) {
      log.write(record as unknown as AuditRecord, stamp);
      log.write(record as unknown as AuditRecord);
    }
    await log.close();
    const expected = records.flatMap((record) => [JSON.stringify({ ...record, audit: stamp }), JSON.stringify(record)]);
    expect((await readFile(file, 'utf8')).split('\n').slice(0, -1)).toEqual(expected);
  });
});
