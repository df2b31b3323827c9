/**
 * The span's wait for its chain link: the link when it comes, nothing once the wait is over, and
 * one shared timer per slice that a finished wait never takes away from the others.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedAudit } from '../../../src/audit/audit-recorder.js';
import { recordedWithin } from '../../../src/telemetry/stamp-wait.js';

const recorded: RecordedAudit = { canonical: '{"v":1}', stamp: { seq: 7, hash: 'h7', prev_hash: 'h6' } };
const never = new Promise<RecordedAudit>(() => undefined);

describe('recordedWithin', () => {
  it('answers with the record when the append lands first', async () => {
    await expect(recordedWithin(Promise.resolve(recorded), 50)).resolves.toBe(recorded);
  });

  it('gives up with undefined after the wait (plus at most one 100 ms slice) when the append does not land', async () => {
    const started = performance.now();
    await expect(recordedWithin(never, 40)).resolves.toBeUndefined();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(39);
    expect(waited).toBeLessThan(40 + 100 + 250);
  });

  it('passes a failed append on as it came', async () => {
    const failure = new Error('store closed');
    await expect(recordedWithin(Promise.reject(failure), 50)).rejects.toBe(failure);
  });

  it('a wait that ends early leaves the shared timer running for the waits of its slice that still hang', async () => {
    let land!: (value: RecordedAudit) => void;
    const landing = new Promise<RecordedAudit>((resolve) => (land = resolve));
    const early = recordedWithin(landing, 30);
    const hanging = [recordedWithin(never, 30), recordedWithin(never, 30)];
    land(recorded);
    await expect(early).resolves.toBe(recorded);
    await expect(Promise.all(hanging)).resolves.toEqual([undefined, undefined]);
  });

  it('waits that start after a give-up get a timer of their own', async () => {
    await expect(recordedWithin(never, 20)).resolves.toBeUndefined();
    await expect(recordedWithin(never, 20)).resolves.toBeUndefined();
    await expect(recordedWithin(Promise.resolve(recorded), 20)).resolves.toBe(recorded);
  });
});
