import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/lib/token-bucket.js';

const T0 = 1_800_000_000_000;

describe('token bucket', () => {
  it('starts full: a burst goes at once, then one token per 1/rate', () => {
    const bucket = new TokenBucket(1, 5, T0);
    expect(Array.from({ length: 5 }, () => bucket.take(T0))).toEqual([0, 0, 0, 0, 0]);
    expect(bucket.take(T0)).toBe(1_000);
    expect(bucket.take(T0 + 400)).toBe(600);
    expect(bucket.take(T0 + 1_000)).toBe(0);
    expect(bucket.take(T0 + 1_000)).toBe(1_000);
  });

  it('never holds more than its burst, however long it was idle', () => {
    const bucket = new TokenBucket(2, 3, T0);
    for (let i = 0; i < 3; i++) bucket.take(T0);
    const later = T0 + 3_600_000;
    expect(Array.from({ length: 4 }, () => bucket.take(later))).toEqual([0, 0, 0, 500]);
  });

  it('refills at fractional rates and counts partial tokens', () => {
    const bucket = new TokenBucket(0.5, 1, T0);
    expect(bucket.take(T0)).toBe(0);
    expect(bucket.take(T0 + 500)).toBe(1_500);
    expect(bucket.take(T0 + 2_000)).toBe(0);
  });

  it('a failed take costs nothing, and a clock stepping back adds nothing', () => {
    const bucket = new TokenBucket(10, 1, T0);
    expect(bucket.take(T0)).toBe(0);
    for (let i = 0; i < 10; i++) expect(bucket.take(T0 + 50)).toBe(50);
    expect(bucket.take(T0 + 100)).toBe(0);
    expect(bucket.take(T0 - 10_000)).toBe(100);
    expect(bucket.take(T0 + 200)).toBe(0);
  });

  it.each([
    ['a zero rate', 0, 1],
    ['a negative rate', -1, 1],
    ['an infinite rate', Infinity, 1],
    ['a NaN rate', Number.NaN, 1],
    ['a zero burst', 1, 0],
    ['a fractional burst', 1, 1.5],
  ])('refuses %s', (_name, rate, burst) => {
    expect(() => new TokenBucket(rate, burst, T0)).toThrow(RangeError);
  });
});
