import { webApi } from '@slack/bolt';

/** Bounds of the retries around one Slack Web API call. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 5). */
  readonly maxAttempts: number;
  /** First backoff; doubled each retry, with jitter (default 500ms). */
  readonly baseDelayMs: number;
  /** Largest backoff between attempts (default 8s). */
  readonly maxDelayMs: number;
  /** Largest `Retry-After` honoured; a longer one gives up (default 60s). */
  readonly maxRetryAfterMs: number;
}

/** The default retry policy: at most ~75 s of waiting in all, never unbounded. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 });

/** How to wait (injected by tests). */
export type Sleep = (ms: number) => Promise<void>;

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Runs `call`, retrying what Slack says is worth retrying: a 429 after its `Retry-After`
 * (rate limits are per method and workspace), HTTP 5xx and network errors with exponential
 * backoff. A platform error (`channel_not_found`, `invalid_auth`, …) is final. The approval
 * itself stays valid whatever happens here; only its message is late.
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, sleep: Sleep = realSleep): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = retryDelay(error, attempt, policy);
      if (delay === undefined || attempt >= policy.maxAttempts) throw error;
      await sleep(delay);
    }
  }
}

/** The wait before the next attempt, or undefined when `error` is final. */
export function retryDelay(error: unknown, attempt: number, policy: RetryPolicy): number | undefined {
  const coded = error as { code?: string; retryAfter?: number; statusCode?: number };
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = backoff / 2 + Math.random() * (backoff / 2);
  switch (coded.code) {
    case webApi.ErrorCode.RateLimitedError: {
      const ms = (coded.retryAfter ?? 1) * 1000;
      return ms > policy.maxRetryAfterMs ? undefined : Math.max(ms, 1);
    }
    case webApi.ErrorCode.HTTPError:
      return (coded.statusCode ?? 0) >= 500 ? jittered : undefined;
    case webApi.ErrorCode.RequestError:
      return jittered;
    default:
      return undefined;
  }
}
