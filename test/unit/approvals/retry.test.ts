import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelay, withRetry } from '../../../src/approvals/slack/retry.js';

const coded = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(code), { code, ...extra });
const { ErrorCode } = webApi;

describe('Slack retries', () => {
  it.each([
    ['429 with Retry-After 3', coded(ErrorCode.RateLimitedError, { retryAfter: 3 }), 3_000],
    ['429 with Retry-After above the bound', coded(ErrorCode.RateLimitedError, { retryAfter: 120 }), undefined],
    ['HTTP 500', coded(ErrorCode.HTTPError, { statusCode: 500 }), 'backoff'],
    ['HTTP 503', coded(ErrorCode.HTTPError, { statusCode: 503 }), 'backoff'],
    ['HTTP 404', coded(ErrorCode.HTTPError, { statusCode: 404 }), undefined],
    ['a network error', coded(ErrorCode.RequestError), 'backoff'],
    ['a platform error (channel_not_found)', coded(ErrorCode.PlatformError), undefined],
    ['anything else', new Error('boom'), undefined],
  ])('%s', (_name, error, want) => {
    const delay = retryDelay(error, 2, DEFAULT_RETRY);
    if (want === 'backoff') {
      // attempt 2: 1000 ms backoff, jittered into [500, 1000]
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1_000);
    } else {
      expect(delay).toBe(want);
    }
  });

  it('caps the backoff', () => {
    expect(retryDelay(coded(ErrorCode.RequestError), 30, DEFAULT_RETRY)).toBeLessThanOrEqual(DEFAULT_RETRY.maxDelayMs);
  });

  it('retries until success, waiting as told, within maxAttempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      () => {
        calls++;
        if (calls === 1) return Promise.reject(coded(ErrorCode.HTTPError, { statusCode: 500 }));
        if (calls === 2) return Promise.reject(coded(ErrorCode.RateLimitedError, { retryAfter: 2 }));
        return Promise.resolve('ok');
      },
      DEFAULT_RETRY,
      (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(waits[1]).toBe(2_000);
  });

  it('gives up after maxAttempts, and at once on a final error', async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(coded(ErrorCode.HTTPError, { statusCode: 502 }));
    };
    await expect(withRetry(failing, { ...DEFAULT_RETRY, maxAttempts: 3 }, () => Promise.resolve())).rejects.toMatchObject({ statusCode: 502 });
    expect(calls).toBe(3);
    calls = 0;
    const final = () => {
      calls++;
      return Promise.reject(coded(ErrorCode.PlatformError));
    };
    await expect(withRetry(final, DEFAULT_RETRY, () => Promise.resolve())).rejects.toThrow();
    expect(calls).toBe(1);
  });
});
