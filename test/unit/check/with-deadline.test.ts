import { describe, expect, it } from 'vitest';
import { settleWithin, withDeadline } from '../../../src/check/with-deadline.js';
import { DutygateError } from '../../../src/errors.js';

describe('withDeadline', () => {
  it('passes the result through when the work settles in time', async () => {
    await expect(withDeadline(Promise.resolve(42), 1_000, 'STATE_UNAVAILABLE', 'slow')).resolves.toBe(42);
  });

  it('passes a rejection through unchanged', async () => {
    const failure = new Error('boom');
    await expect(withDeadline(Promise.reject(failure), 1_000, 'STATE_UNAVAILABLE', 'slow')).rejects.toBe(failure);
  });

  it('rejects with the given code and reason once the deadline passes', async () => {
    const never = new Promise<never>(() => undefined);
    const started = performance.now();
    const error = await withDeadline(never, 20, 'STATE_UNAVAILABLE', 'the state store did not answer in time').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DutygateError);
    expect((error as DutygateError).code).toBe('STATE_UNAVAILABLE');
    expect((error as DutygateError).reason).toBe('the state store did not answer in time');
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('returns the very same promise when no deadline is asked for (in-process state)', () => {
    const work = Promise.resolve('memory');
    expect(withDeadline(work, undefined, 'STATE_UNAVAILABLE', 'unused')).toBe(work);
  });
});

describe('settleWithin', () => {
  it('is true when the work settles in time', async () => {
    await expect(settleWithin(Promise.resolve('done'), 1_000)).resolves.toBe(true);
  });

  it('gives up after the time and says so, without waiting for the work', async () => {
    const started = performance.now();
    await expect(settleWithin(new Promise(() => undefined), 20)).resolves.toBe(false);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(15);
    expect(waited).toBeLessThan(1_000);
  });

  it('passes on a rejection that comes in time', async () => {
    await expect(settleWithin(Promise.reject(new Error('flush failed')), 1_000)).rejects.toThrow('flush failed');
  });
});
