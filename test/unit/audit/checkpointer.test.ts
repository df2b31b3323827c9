import { describe, expect, it } from 'vitest';
import { createCheckpointSigner, type CheckpointRecord } from '../../../src/audit/checkpoint.js';
import { createCheckpointer } from '../../../src/audit/checkpointer.js';
import type { DecisionLog } from '../../../src/audit/decision-log.js';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import { createLogger } from '../../../src/log/logger.js';
import type { AuditHead } from '../../../src/state/approval-record.js';
import { eventually } from '../../helpers/eventually.js';

const SIGNER = await createCheckpointSigner((await generateSigningKey()).privateJwk);

function setup(intervalMs: number, head: () => Promise<AuditHead | undefined>) {
  const written: unknown[] = [];
  const spans: CheckpointRecord[] = [];
  const log: DecisionLog = { sink: 'file', write: (record) => written.push(record), flush: () => Promise.resolve(), close: () => Promise.resolve() };
  const checkpointer = createCheckpointer({ head, signer: SIGNER, log, logger: createLogger('silent'), policyVersion: () => '1+abc', intervalMs, now: () => Date.UTC(2026, 0, 1), onCheckpoint: (c) => spans.push(c) });
  return { written, spans, checkpointer };
}

describe('createCheckpointer', () => {
  it('checkpoints on its interval only when the head moved, and always on shutdown', async () => {
    let head: AuditHead | undefined;
    const { written, spans, checkpointer } = setup(20, () => Promise.resolve(head));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(written).toEqual([]); // empty chain: nothing to attest
    head = { seq: 3, hash: 'aa'.repeat(32) };
    expect(await eventually(() => written.length, (n) => n >= 1)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(written).toHaveLength(1); // unchanged head: no repeat
    head = { seq: 5, hash: 'bb'.repeat(32) };
    expect(await eventually(() => written.length, (n) => n >= 2)).toBe(2);
    await checkpointer.close();
    expect(written).toHaveLength(3);
    expect(written.map((c) => (c as CheckpointRecord).reason)).toEqual(['interval', 'interval', 'shutdown']);
    expect(written[2]).toMatchObject({ seq: 5, hash: 'bb'.repeat(32), policy_version: '1+abc', time: '2026-01-01T00:00:00.000Z' });
    expect(spans).toEqual(written);
  });

  it('signs on request without writing', async () => {
    const { written, checkpointer } = setup(0, () => Promise.resolve({ seq: 1, hash: 'cc'.repeat(32) }));
    expect(await checkpointer.take('request', { write: false })).toMatchObject({ seq: 1, reason: 'request' });
    expect(written).toEqual([]);
  });

  it('resolves undefined (and writes nothing) when the store fails', async () => {
    const { written, checkpointer } = setup(0, () => Promise.reject(new Error('down')));
    expect(await checkpointer.take('interval')).toBeUndefined();
    await checkpointer.close();
    expect(written).toEqual([]);
  });
});
