/**
 * Summaries the results report: nearest-rank percentiles of latencies, and medians with their
 * spread (min–max over repetitions).
 */

/** A repeated measurement: the median and the range it came from. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every repetition, in run order. */
  readonly runs: readonly number[];
}

/** Latency percentiles of one run, milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Nearest-rank percentile (`q` in [0, 1]) of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** p50/p99/p99.9/max of `latencies` (not modified). */
export function summarizeLatencies(latencies: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}

/** Median (mean of the middle two for an even count) and range; NaN fields when empty. */
export function spread(runs: readonly number[]): Spread {
  const values = runs.filter((value) => Number.isFinite(value));
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, runs };
}

/** Rounds for the report (keeps JSON readable); NaN becomes null. */
export function round(value: number, digits = 3): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
