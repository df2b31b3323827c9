/**
 * The RSS soak in the results: resident memory at 250k, 500k, 750k and 1M checks, and how far
 * apart those are ((max − min) / min; the target is ≤ 0.10). Checkpoints the soak did not reach
 * are absent, and so is the verdict when fewer than two were reached.
 */
import type { SoakResult } from '../load/rss-soak.js';
import { round } from '../measure/stats.js';

export const SOAK_CHECKPOINTS: readonly number[] = [250_000, 500_000, 750_000, 1_000_000];

/** The stored form of a soak. */
export interface SoakSummary {
  readonly checks: number;
  readonly throughput: number;
  readonly elapsed_s: number;
  readonly timed_out: boolean;
  readonly rpc_errors: number;
  readonly unexpected: number;
  /** Checkpoint → RSS in MiB. */
  readonly rss_mib: Readonly<Record<string, number | null>>;
  /** (max − min) / min over the checkpoints; null with fewer than two. */
  readonly spread: number | null;
  /** Every sample: [checks, RSS MiB]. */
  readonly series: readonly (readonly [number, number | null])[];
}

/** Summarizes `soak`. */
export function soakSummary(soak: SoakResult): SoakSummary {
  const rssMib: Record<string, number | null> = {};
  const values: number[] = [];
  for (const checkpoint of SOAK_CHECKPOINTS) {
    const sample = soak.rss.find(([checks]) => checks >= checkpoint);
    if (sample === undefined) continue;
    const mib = sample[1] / 1048576;
    rssMib[`${checkpoint / 1000}k`] = round(mib, 1);
    if (Number.isFinite(mib)) values.push(mib);
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  return {
    checks: soak.checks,
    throughput: Math.round(soak.throughput),
    elapsed_s: Math.round(soak.elapsedMs / 1000),
    timed_out: soak.timedOut,
    rpc_errors: soak.rpcErrors,
    unexpected: soak.unexpected,
    rss_mib: rssMib,
    spread: values.length >= 2 ? round((max - min) / min) : null,
    series: soak.rss.map(([checks, rss]) => [checks, round(rss / 1048576, 1)] as const),
  };
}
