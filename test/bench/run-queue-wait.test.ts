/**
 * The server's wait for its CPU (main thread runnable, another task on the CPU) is read from
 * /proc schedstat and reported beside the open-loop latencies, so a p99 set by the machine can be
 * told from one set by the server.
 */
import { describe, expect, it } from 'vitest';
import { SHORT } from '../../bench/bench-options.js';
import { busyFraction, readCoreTimes, stealFraction } from '../../bench/measure/core-usage.js';
import { readMainThreadRunDelaySeconds } from '../../bench/measure/proc-stats.js';
import type { PhaseSample } from '../../bench/measure/phase-sample.js';
import { buildResults } from '../../bench/report/build-results.js';
import { renderMarkdown } from '../../bench/report/markdown.js';
import type { ResultsView } from '../../bench/report/markdown.js';
import type { BenchRun } from '../../bench/run-bench.js';

function openSample(p99: number, waitMs: number, steal = 0): PhaseSample {
  return {
    throughput: 565,
    serverCpu: 0.3,
    perCpuSecond: 1900,
    clientCpu: 0.2,
    rssBytes: 100 * 1024 * 1024,
    latency: { count: 2260, p50: 1, p99, p999: p99 * 1.5, max: p99 * 2 },
    sent: 2260,
    completed: 2260,
    rpcErrors: 0,
    mismatches: 0,
    unavailable: 0,
    statusCounts: {},
    exhausted: false,
    foreignServerCpu: 0.05,
    foreignClientCpu: 0,
    stealServerCpu: steal,
    stealClientCpu: 0,
    runQueueWaitMsPerSecond: waitMs,
  };
}

const run = (floorWaits: number[], memoryWaits: number[], steals: number[] = []): BenchRun => ({
  options: SHORT,
  pinning: { pinned: true, note: 'pinned' },
  contenders: [
    { key: 'floor', closed: [], fresh: [], open: new Map([[0.25, floorWaits.map((wait, i) => openSample(10, wait, steals[i]))]]), spans: new Map() },
    { key: 'memory', closed: [], fresh: [], open: new Map([[0.25, memoryWaits.map((wait, i) => openSample(20, wait, steals[i]))]]), spans: new Map() },
  ],
  rates: new Map([[0.25, 565]]),
  workload: { ancestors: 'steady', requests: 1000, chainedFraction: 0.5, signaturesPerRequest: 1, meanHeaders: 16, meanBodyBytes: 270, bodyFraction: 0.8, meanRequestBytes: 1900 },
  elapsedMs: 10_000,
  quietWaitedMs: 0,
});

const MACHINE = { loadavgStart: [0, 0, 0], commit: 'abcdef0123456789', dirty: false };

describe('run-queue wait', () => {
  it("reads a live thread's wait as a finite number of seconds, and nothing for a process that is gone", () => {
    const waited = readMainThreadRunDelaySeconds(process.pid);
    expect(waited).toBeTypeOf('number');
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(readMainThreadRunDelaySeconds(2 ** 22 + 12345)).toBeUndefined();
  });

  it('results.json holds its median per rate, and results.md a line per server under the latencies', () => {
    const results = buildResults(run([3, 5, 40], [60, 120, 90]), MACHINE) as { servers: Record<string, { open: Record<string, { run_queue_wait_ms_per_s: { median: number } }> }> };
    expect(results.servers['floor']?.open['25']?.run_queue_wait_ms_per_s.median).toBe(5);
    expect(results.servers['memory']?.open['25']?.run_queue_wait_ms_per_s.median).toBe(90);
    const markdown = renderMarkdown(results as unknown as ResultsView);
    expect(markdown).toContain('Main thread runnable but waiting for its CPU');
    expect(markdown).toContain('floor 5; memory 90.');
  });

  it('leaves the line out when no phase could read it', () => {
    const markdown = renderMarkdown(buildResults(run([Number.NaN], [Number.NaN]), MACHINE) as unknown as ResultsView);
    expect(markdown).not.toContain('waiting for its CPU');
  });
});

describe('hypervisor steal', () => {
  it('reads each CPU\'s stolen ticks from /proc/stat, never more than its total', () => {
    const cores = readCoreTimes();
    expect(cores.length).toBeGreaterThan(0);
    for (const core of cores) {
      expect(Number.isFinite(core.steal)).toBe(true);
      expect(core.steal).toBeGreaterThanOrEqual(0);
      expect(core.steal).toBeLessThanOrEqual(core.busy);
    }
  });

  it('is a share of the phase, apart from the busy share of other processes', () => {
    const before = [{ busy: 100, steal: 10, total: 1000 }];
    const after = [{ busy: 700, steal: 210, total: 2000 }];
    expect(stealFraction(before, after, 0)).toBeCloseTo(0.2);
    expect(busyFraction(before, after, 0)).toBeCloseTo(0.6);
    expect(stealFraction(before, after, 1)).toBeNaN();
  });

  it('results.json holds it per rate, and results.md a line with its median and range', () => {
    const results = buildResults(run([3, 5, 40], [60, 120, 90], [0.02, 0.3, 0.05]), MACHINE) as { servers: Record<string, { open: Record<string, { steal_server_cpu: { median: number; min: number; max: number } }> }> };
    expect(results.servers['memory']?.open['25']?.steal_server_cpu).toMatchObject({ median: 0.05, min: 0.02, max: 0.3 });
    const markdown = renderMarkdown(results as unknown as ResultsView);
    expect(markdown).toContain("Hypervisor steal on the server's CPU");
    expect(markdown).toContain('memory 0.05 (0.02–0.30)');
  });
});
