import { describe, expect, it } from 'vitest';
import { percentile, round, spread, summarizeLatencies } from '../../bench/measure/stats.js';
import { soakSummary } from '../../bench/report/soak-summary.js';
import { rotate } from '../../bench/run-bench.js';

describe('percentile (nearest rank)', () => {
  const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  it.each([
    [0.5, 500],
    [0.99, 990],
    [0.999, 999],
    [1, 1000],
    [0, 1],
  ])('q=%s → %s', (q, expected) => {
    expect(percentile(sorted, q)).toBe(expected);
  });
  it('is NaN for no samples', () => {
    expect(percentile(new Float64Array(0), 0.5)).toBeNaN();
  });
});

describe('summarizeLatencies', () => {
  it('sorts a copy and reports p50/p99/p99.9/max', () => {
    const latencies = Float64Array.from([5, 1, 4, 2, 3]);
    expect(summarizeLatencies(latencies)).toEqual({ count: 5, p50: 3, p99: 5, p999: 5, max: 5 });
    expect([...latencies]).toEqual([5, 1, 4, 2, 3]);
  });
});

describe('spread', () => {
  it.each([
    [[3, 1, 2], { median: 2, min: 1, max: 3 }],
    [[4, 1, 2, 3], { median: 2.5, min: 1, max: 4 }],
    [[7, Number.NaN], { median: 7, min: 7, max: 7 }],
  ])('%j', (runs, expected) => {
    expect(spread(runs)).toMatchObject(expected);
  });
  it('is NaN without finite runs', () => {
    expect(spread([]).median).toBeNaN();
  });
  it('round() drops NaN to null', () => {
    expect(round(Number.NaN)).toBeNull();
    expect(round(1.23456, 2)).toBe(1.23);
  });
});

describe('rotate (interleaving order of servers per repetition)', () => {
  it.each([
    [0, ['a', 'b', 'c']],
    [1, ['b', 'c', 'a']],
    [5, ['c', 'a', 'b']],
  ])('by %s', (by, expected) => {
    expect(rotate(['a', 'b', 'c'], by)).toEqual(expected);
  });
});

describe('soakSummary', () => {
  const MIB = 1048576;
  const rss: [number, number][] = [0, 50_000, 250_000, 500_000, 750_000, 1_000_000].map((n, i) => [n, (100 + i) * MIB]);
  it('reports RSS at the checkpoints and their spread', () => {
    const summary = soakSummary({ checks: 1_000_000, elapsedMs: 200_000, throughput: 5000, rpcErrors: 0, unexpected: 0, rss, timedOut: false });
    expect(summary.rss_mib).toEqual({ '250k': 102, '500k': 103, '750k': 104, '1000k': 105 });
    expect(summary.spread).toBe(round((105 - 102) / 102));
  });
  it('judges a soak cut short by time on the quarters of what it reached', () => {
    const summary = soakSummary({ checks: 500_000, elapsedMs: 60_000, throughput: 5000, rpcErrors: 0, unexpected: 0, rss: rss.slice(0, 4), timedOut: true });
    expect(summary.rss_mib).toEqual({ '250k': 102, '500k': 103 });
    expect(summary.timed_out).toBe(true);
    expect(summary.spread).toBe(round((103 - 102) / 102));
  });
  it('leaves the verdict out with fewer than two checkpoints', () => {
    const summary = soakSummary({ checks: 40_000, elapsedMs: 10_000, throughput: 4000, rpcErrors: 0, unexpected: 0, rss: [[0, MIB], [40_000, 2 * MIB]], timedOut: true });
    expect(summary.rss_mib).toEqual({ '40k': 2 });
    expect(summary.spread).toBeNull();
  });
});
