/**
 * The two workloads side by side in results.json and results.md: each workload's numbers come
 * from its own phases (steady from the closed loops, fresh from the fresh-ancestors loops), the
 * fresh ratio is its own key, and the steady ratios and targets do not move.
 */
import { describe, expect, it } from 'vitest';
import { SHORT } from '../../bench/bench-options.js';
import type { PhaseSample } from '../../bench/measure/phase-sample.js';
import { buildResults } from '../../bench/report/build-results.js';
import { renderMarkdown } from '../../bench/report/markdown.js';
import type { ResultsView } from '../../bench/report/markdown.js';
import type { BenchRun, ContenderRun } from '../../bench/run-bench.js';
import type { ContenderKey } from '../../bench/servers/contenders.js';
import type { WorkloadStats } from '../../bench/workload/workload.js';

const LATENCY = { count: 1, p50: 1, p99: 2, p999: 3, max: 4 };

/** A closed-loop sample with `throughput` answers per second at `cpuUs` server CPU per answer. */
function sample(throughput: number, cpuUs: number): PhaseSample {
  return {
    throughput,
    serverCpu: (throughput * cpuUs) / 1e6,
    perCpuSecond: 1e6 / cpuUs,
    clientCpu: 0.5,
    rssBytes: 100 * 1024 * 1024,
    latency: LATENCY,
    sent: throughput * 2,
    completed: throughput * 2,
    rpcErrors: 0,
    mismatches: 0,
    unavailable: 0,
    statusCounts: {},
    exhausted: false,
    foreignServerCpu: 0,
    foreignClientCpu: 0,
    stealServerCpu: 0,
    stealClientCpu: 0,
    runQueueWaitMsPerSecond: Number.NaN,
  };
}

function contender(key: ContenderKey, closed: PhaseSample[], fresh: PhaseSample[]): ContenderRun {
  return { key, closed, fresh, open: new Map(), spans: new Map() };
}

const stats = (ancestors: 'steady' | 'fresh', signaturesPerRequest: number): WorkloadStats => ({
  ancestors,
  requests: 1000,
  chainedFraction: 0.5,
  signaturesPerRequest,
  meanHeaders: 16,
  meanBodyBytes: 270,
  bodyFraction: 0.8,
  meanRequestBytes: 1900,
});

function benchRun(fresh: boolean): BenchRun {
  return {
    options: SHORT,
    pinning: { pinned: false, note: 'not pinned' },
    contenders: [
      contender('floor', [sample(3000, 300), sample(2800, 310)], fresh ? [sample(2900, 305), sample(3100, 300)] : []),
      contender('memory', [sample(1500, 650), sample(1200, 700)], fresh ? [sample(1000, 900), sample(930, 950)] : []),
    ],
    rates: new Map(),
    workload: stats('steady', 1.01),
    ...(fresh ? { freshWorkload: stats('fresh', 2) } : {}),
    elapsedMs: 50_000,
    quietWaitedMs: 0,
  };
}

const MACHINE = { loadavgStart: [1, 1, 1], commit: 'abcdef0123456789', dirty: false };

describe('workloads side by side', () => {
  it('results.json: each workload from its own phases, the fresh ratio under its own key', () => {
    const results = buildResults(benchRun(true), MACHINE) as {
      workloads: Record<string, Record<string, unknown>>;
      ratios: Record<string, unknown>;
      targets: Record<string, { value: number | null }>;
    };
    expect(results.workloads['steady']).toMatchObject({
      ancestors: 'steady',
      runs: 2,
      signatures_per_request: 1.01,
      memory_max_rps: { median: 1350, min: 1200, max: 1500 },
      floor_max_rps: { median: 2900 },
      memory_vs_floor: 0.466,
      memory_cpu_us_per_check: { median: 675 },
    });
    expect(results.workloads['fresh']).toMatchObject({
      ancestors: 'fresh',
      signatures_per_request: 2,
      memory_max_rps: { median: 965 },
      floor_max_rps: { median: 3000 },
      memory_vs_floor: 0.322,
      memory_cpu_us_per_check: { median: 925, min: 900, max: 950 },
    });
    expect(results.ratios['memory_vs_floor']).toBe(0.466);
    expect(results.ratios['memory_vs_floor_fresh_ancestors']).toBe(0.322);
    expect(results.targets['memory_vs_floor']?.value).toBe(0.466);
  });

  it('results.md: a row per workload, and none for a run without fresh phases', () => {
    const both = renderMarkdown(buildResults(benchRun(true), MACHINE) as unknown as ResultsView);
    expect(both).toContain('Workloads side by side');
    expect(both).toMatch(/\| steady agents \(chain links reused\) \| 2 \| 50 % \| 1\.01 \| 1350 \(1200–1500\) \| 2900 \(2800–3000\) \| 0\.47 /);
    expect(both).toMatch(/\| fresh ancestors \(new chain links per request\) \| 2 \| 50 % \| 2\.00 \| 965 \(930–1000\) \| 3000 \(2900–3100\) \| 0\.32 .*\| 925 \(900–950\) \|/);

    const steadyOnly = renderMarkdown(buildResults(benchRun(false), MACHINE) as unknown as ResultsView);
    expect(steadyOnly).toContain('steady agents');
    expect(steadyOnly).not.toContain('fresh ancestors');
  });
});
