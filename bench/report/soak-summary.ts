/**
 * The RSS soak in the results: resident memory at a quarter, half, three quarters and all of the
 * checks (250k, 500k, 750k, 1M when the soak completes), and how far apart those are
 * ((max − min) / min; the target is ≤ 0.10). A soak stopped by its time bound is judged on the
 * quarters of what it reached, and says so (`reached`, `timed_out`).
 */
import type { SoakResult } from '../load/rss-soak.js';
import { round } from '../measure/stats.js';

const QUARTERS: readonly number[] = [0.25, 0.5, 0.75, 1];

/** The stored form of a soak. */
export interface SoakSummary {
  readonly checks: number;
  readonly throughput: number;
  readonly elapsed_s: number;
  readonly timed_out: boolean;
  readonly rpc_errors: number;
  readonly unexpected: number;
  /** Checkpoint (checks answered, e.g. `250k`) → RSS in MiB. */
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
  const used = new Set<number>();
  for (const quarter of QUARTERS) {
    const index = soak.rss.findIndex(([checks]) => checks >= quarter * soak.checks);
    const sample = soak.rss[index];
    // A sample stands for one checkpoint only (a short soak has fewer samples than quarters).
    if (sample === undefined || sample[0] === 0 || used.has(index)) continue;
    used.add(index);
    const mib = sample[1] / 1048576;
    rssMib[`${Math.round(sample[0] / 1000)}k`] = round(mib, 1);
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
