import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { settleWithin, withDeadline } from '../../../src/lib/with-deadline.js';
import { DutygateError } from '../../../src/errors.js';
import { REDIS_URL } from '../../helpers/redis-test.js';

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

  it('does not time out a reply that arrived while the event loop was busy past the deadline', async () => {
    // The test Redis (another process) answers PING at once, as it answers the gate's commands.
    const { hostname, port } = new URL(REDIS_URL);
    const socket = new Socket();
    try {
      await new Promise<void>((resolve, reject) => socket.once('error', reject).connect(Number(port || 6379), hostname, resolve));
      for (let round = 0; round < 5; round++) {
        const reply = new Promise<string>((resolve) => socket.once('data', (data) => resolve(data.toString())));
        socket.write('PING\r\n');
        const answered = withDeadline(reply, 20, 'STATE_UNAVAILABLE', 'slow');
        // The loop is busy (the other Checks of a burst) well past the deadline; the reply
        // meanwhile waits in the socket, unread.
        const busyUntil = performance.now() + 80;
        while (performance.now() < busyUntil) {
          // spin
        }
        await expect(answered).resolves.toBe('+PONG\r\n');
      }
    } finally {
      socket.destroy();
    }
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
