/**
 * How busy each CPU is, from /proc/stat. The bench shares its machine with whatever else runs
 * there; what other processes take from the server's and the load generator's CPUs during a
 * phase is measured (and reported), and before each repetition the bench waits — bounded — for
 * those CPUs to be quiet.
 */
import { readFileSync } from 'node:fs';

/**
 * Busy, stolen and total ticks per CPU, indexed by CPU number. `steal` is time the hypervisor ran
 * something else while this VM wanted the CPU (on the Firecracker VMs here it is reported, and
 * it is part of `busy`).
 */
export type CoreTimes = readonly { readonly busy: number; readonly steal: number; readonly total: number }[];

/** Reads /proc/stat; empty when unavailable (not Linux). */
export function readCoreTimes(): CoreTimes {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return [];
  }
  const cores: { busy: number; steal: number; total: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    const fields = (match[2] as string).trim().split(/\s+/).map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    cores[Number(match[1])] = { busy: total - idle, steal: fields[7] ?? 0, total };
  }
  return cores;
}

/** Fraction of `cpu` busy between two readings (NaN when unknown). */
export function busyFraction(before: CoreTimes, after: CoreTimes, cpu: number): number {
  return shareOf(before, after, cpu, 'busy');
}

/** Fraction of `cpu` stolen by the hypervisor between two readings (NaN when unknown). */
export function stealFraction(before: CoreTimes, after: CoreTimes, cpu: number): number {
  return shareOf(before, after, cpu, 'steal');
}

function shareOf(before: CoreTimes, after: CoreTimes, cpu: number, field: 'busy' | 'steal'): number {
  const a = before[cpu];
  const b = after[cpu];
  if (a === undefined || b === undefined || b.total <= a.total) return Number.NaN;
  return (b[field] - a[field]) / (b.total - a.total);
}

/** Options of {@link waitForQuiet}. */
export interface QuietOptions {
  readonly cpus: readonly number[];
  /** Quiet means every CPU in `cpus` is busier than this for less than this share. */
  readonly threshold: number;
  readonly maxWaitMs: number;
  /** Sampling window. */
  readonly windowMs?: number;
}

/**
 * Waits until the given CPUs were quiet for one window (nothing of ours runs meanwhile), or
 * `maxWaitMs` passed. Resolves the time waited and the busiest share seen in the last window.
 */
export async function waitForQuiet(options: QuietOptions): Promise<{ waitedMs: number; lastBusy: number }> {
  const startedAt = performance.now();
  const windowMs = options.windowMs ?? 300;
  let lastBusy = Number.NaN;
  // Bounded by maxWaitMs (at least one window).
  for (;;) {
    const before = readCoreTimes();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const after = readCoreTimes();
    lastBusy = Math.max(...options.cpus.map((cpu) => busyFraction(before, after, cpu)));
    const waitedMs = performance.now() - startedAt;
    if (!(lastBusy > options.threshold) || waitedMs >= options.maxWaitMs) return { waitedMs, lastBusy };
  }
}
