/**
 * Paces approval posts per Slack channel (issue 12 item 5; docs/design.md §6). Slack allows
 * `chat.postMessage` about one message per second per channel, with short bursts; a flood of
 * approval_needed outcomes (many agents, each under its pending cap) would otherwise exhaust
 * the workspace's budget and turn every post — and the updates behind them — into 429s.
 *
 * A token bucket per channel (`slack.post_rate.per_second`, `burst`). A post over the rate waits
 * in a bounded FIFO queue (`max_queued`): a burst of real approvals reaches approvers a little
 * later rather than never. Beyond the queue a post is dropped (the caller counts and logs it): a
 * flood must cost bounded memory and bounded delay, and the approval itself is recorded either
 * way and listed by the HTTP API.
 */
import { TokenBucket } from '../../lib/token-bucket.js';

/** The pace of posts per channel. */
export interface PostRate {
  /** Posts per second once the burst is spent (fractions allowed). */
  readonly perSecond: number;
  /** Posts that may go at once after a quiet spell. */
  readonly burst: number;
  /** Posts that may wait per channel; beyond it a post is dropped. */
  readonly maxQueued: number;
}

/** What became of a submitted post. */
export type PostVerdict = 'sent' | 'queued' | 'dropped';

/** One post to make; it handles (and logs) its own errors. */
export type PostJob = () => Promise<void>;

/** The per-channel limiter. */
export interface PostLimiter {
  /** Starts `job` now if the channel has a token and nobody waits, else queues it, else drops it. */
  submit(channel: string, job: PostJob): PostVerdict;
  /** Posts waiting, over all channels. */
  waiting(): number;
  /** Stops the timers; waiting posts are dropped (the approvals stay listed by the API). */
  close(): void;
}

interface Channel {
  readonly bucket: TokenBucket;
  readonly queue: PostJob[];
  timer?: NodeJS.Timeout;
}

/** Builds a limiter; `now` is the clock the buckets refill by. */
export function createPostLimiter(rate: PostRate, now: () => number): PostLimiter {
  const channels = new Map<string, Channel>();
  let closed = false;

  const channelOf = (name: string): Channel => {
    let channel = channels.get(name);
    if (!channel) channels.set(name, (channel = { bucket: new TokenBucket(rate.perSecond, rate.burst, now()), queue: [] }));
    return channel;
  };

  /** Starts waiting posts while tokens last, then sleeps until the next token is due. */
  const drain = (channel: Channel): void => {
    channel.timer = undefined;
    while (!closed && channel.queue.length > 0) {
      const wait = channel.bucket.take(now());
      if (wait > 0) {
        channel.timer = setTimeout(() => drain(channel), wait);
        // A waiting post must not keep a stopping process alive.
        channel.timer.unref();
        return;
      }
      void (channel.queue.shift() as PostJob)();
    }
  };

  return {
    submit(name, job) {
      if (closed) return 'dropped';
      const channel = channelOf(name);
      // FIFO: while others wait, a new post queues behind them even if a token came free.
      if (channel.queue.length === 0 && channel.bucket.take(now()) === 0) {
        void job();
        return 'sent';
      }
      if (channel.queue.length >= rate.maxQueued) return 'dropped';
      channel.queue.push(job);
      if (channel.timer === undefined) drain(channel);
      return 'queued';
    },
    waiting: () => [...channels.values()].reduce((sum, channel) => sum + channel.queue.length, 0),
    close() {
      closed = true;
      for (const channel of channels.values()) {
        if (channel.timer) clearTimeout(channel.timer);
        channel.queue.length = 0;
      }
    },
  };
}
