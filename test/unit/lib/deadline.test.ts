/**
 * The Check's Deadline: its AbortSignal is created only when asked for (the approval gate asks
 * after the answer), so it must report exactly what the race decided — aborted when the Check
 * lost, not aborted when it answered in time — whenever it is first asked.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DutygateError } from '../../../src/errors.js';
import { DEADLINE_REASON, Deadline } from '../../../src/lib/deadline.js';

const never = (): Promise<never> => new Promise<never>(() => undefined);

describe('Deadline', () => {
  it('a race won in time: the signal, asked afterwards, never fires', async () => {
    const deadline = Deadline.after(20);
    await expect(deadline.race(Promise.resolve(7))).resolves.toBe(7);
    await sleep(40);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.passed()).toBe(true); // the clock passed; the Check did not lose
  });

  it('a race lost: INTERNAL, and a signal asked for only afterwards is already aborted with that reason', async () => {
    const deadline = Deadline.after(10);
    const error = await deadline.race(never()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DutygateError);
    expect((error as DutygateError).code).toBe('INTERNAL');
    expect((error as DutygateError).reason).toBe(DEADLINE_REASON);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as DutygateError).reason).toBe(DEADLINE_REASON);
  });

  it('a signal asked for before the race is lost fires then, once', async () => {
    const deadline = Deadline.after(10);
    const signal = deadline.signal;
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    await deadline.race(never()).catch(() => undefined);
    expect(signal.aborted).toBe(true);
    expect(fired).toBe(1);
  });

  it('lost while a state call is pending: the store is blamed (STATE_UNAVAILABLE)', async () => {
    const deadline = Deadline.after(10);
    const error = await deadline.race(deadline.call(never, undefined)).catch((e: unknown) => e);
    expect((error as DutygateError).code).toBe('STATE_UNAVAILABLE');
  });

  it('a state call that answered does not count as pending', async () => {
    const deadline = Deadline.after(10);
    const work = (async () => {
      await deadline.call(() => Promise.resolve(1), undefined);
      await deadline.call(() => Promise.reject(new Error('x')), undefined).catch(() => undefined);
      return never();
    })();
    const error = await deadline.race(work).catch((e: unknown) => e);
    expect((error as DutygateError).code).toBe('INTERNAL');
  });

  it('a deadline already due: the race is lost at once, and no state call starts', async () => {
    const deadline = new Deadline(Date.now() - 1);
    expect(deadline.passed()).toBe(true);
    await expect(deadline.call(() => Promise.resolve(1), undefined)).rejects.toMatchObject({ code: 'INTERNAL' });
    await sleep(5); // the verdict waits one I/O poll
    await expect(deadline.race(never())).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(deadline.race(Promise.resolve(1))).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('finish() disarms it: a later race loss never happens', async () => {
    const deadline = Deadline.after(10);
    deadline.finish();
    await sleep(30);
    expect(deadline.signal.aborted).toBe(false);
  });
});
