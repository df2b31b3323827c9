import { afterEach, describe, expect, it } from 'vitest';
import { createPostLimiter, type PostLimiter, type PostVerdict } from '../../../src/approvals/slack/post-limiter.js';

/** Real timers and the real clock: the limiter's own setTimeout paces the queue. */
describe('slack post limiter', () => {
  let limiter: PostLimiter | undefined;
  afterEach(() => limiter?.close());

  const recorder = () => {
    const started: { name: string; at: number }[] = [];
    return { started, job: (name: string) => () => Promise.resolve(void started.push({ name, at: performance.now() })) };
  };
  const until = async (condition: () => boolean, timeoutMs = 2_000) => {
    const end = Date.now() + timeoutMs;
    while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('sends the burst at once, queues the next up to max_queued in order, and drops the rest', async () => {
    limiter = createPostLimiter({ perSecond: 50, burst: 2, maxQueued: 3 }, Date.now);
    const { started, job } = recorder();
    const verdicts: PostVerdict[] = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => limiter!.submit('C1', job(name)));
    expect(verdicts).toEqual(['sent', 'sent', 'queued', 'queued', 'queued', 'dropped', 'dropped']);
    expect(started.map((each) => each.name)).toEqual(['a', 'b']);
    expect(limiter.waiting()).toBe(3);
    await until(() => started.length === 5);
    expect(started.map((each) => each.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    // One token per 20 ms after the burst (Date.now() counts whole ms: allow a few ms of rounding).
    for (let i = 3; i < 5; i++) expect(started[i]!.at - started[i - 1]!.at).toBeGreaterThanOrEqual(15);
    expect(limiter.waiting()).toBe(0);
  });

  it('keeps one bucket per channel: a flood in one channel does not hold up another', () => {
    limiter = createPostLimiter({ perSecond: 1, burst: 1, maxQueued: 0 }, Date.now);
    const { started, job } = recorder();
    expect(limiter.submit('C1', job('1a'))).toBe('sent');
    expect(limiter.submit('C1', job('1b'))).toBe('dropped');
    expect(limiter.submit('C2', job('2a'))).toBe('sent');
    expect(started.map((each) => each.name)).toEqual(['1a', '2a']);
  });

  it('keeps FIFO order: a post submitted while others wait queues behind them', async () => {
    // The real clock plus a jump we control: a token can be due before the limiter's timer fires.
    let jumpMs = 0;
    limiter = createPostLimiter({ perSecond: 20, burst: 1, maxQueued: 10 }, () => Date.now() + jumpMs);
    const { started, job } = recorder();
    expect(limiter.submit('C1', job('a'))).toBe('sent');
    expect(limiter.submit('C1', job('b'))).toBe('queued');
    jumpMs = 60;
    // A token is due by the clock, but 'b' waits first: 'c' must not overtake it.
    expect(limiter.submit('C1', job('c'))).toBe('queued');
    await until(() => started.length === 3);
    expect(started.map((each) => each.name)).toEqual(['a', 'b', 'c']);
  });

  it('drops waiting posts on close and refuses new ones', async () => {
    limiter = createPostLimiter({ perSecond: 100, burst: 1, maxQueued: 10 }, Date.now);
    const { started, job } = recorder();
    limiter.submit('C1', job('a'));
    limiter.submit('C1', job('b'));
    limiter.close();
    expect(limiter.waiting()).toBe(0);
    expect(limiter.submit('C1', job('c'))).toBe('dropped');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started.map((each) => each.name)).toEqual(['a']);
  });
});
