/**
 * bench/results.json: a run's measurements as medians with their spread, the ratios the issue
 * asks for (`ratios`), and each target marked met or not — computed, never edited by hand.
 */
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { PhaseSample } from '../measure/phase-sample.js';
import { round, spread } from '../measure/stats.js';
import type { Spread } from '../measure/stats.js';
import type { BenchRun, ContenderRun } from '../run-bench.js';
import { CONTENDERS } from '../servers/contenders.js';
import type { ContenderKey } from '../servers/contenders.js';
import { SCENARIOS } from '../workload/scenarios.js';
import type { WorkloadStats } from '../workload/workload.js';
import { soakSummary } from './soak-summary.js';

/** A spread with rounded numbers, as stored. */
export type StoredSpread = { median: number | null; min: number | null; max: number | null; runs: (number | null)[] };

/** The targets of issue #8. */
export const TARGETS = {
  memory_vs_floor: { min: 0.6, text: 'memory max throughput ≥ 0.6 × floor' },
  p99_at_50_vs_floor: { max: 1.5, text: 'memory p99 at 50 % of the floor’s max ≤ 1.5 × floor p99' },
  p99_at_quarter_vs_floor: { max: 2.0, text: 'memory p99 at 25 % of the floor’s max ≤ 2 × floor p99 (open loop)' },
  span_coverage: { min: 0.995, text: 'memory-gate span coverage 1.00 at every open-loop rate up to 80 % of its own max' },
  redis_vs_memory: { min: 0.8, text: 'Redis max throughput ≥ 0.8 × memory' },
  rss_flat: { max: 0.1, text: 'memory-gate RSS flat (±10 %) from 250k to 1M checks' },
  rss_flat_partial: { max: 0.1, text: 'memory-gate RSS flat (±10 %) from ¼ to all of the checks the time-bounded soak reached' },
} as const;

/** Machine facts captured at the start of a run. */
export interface MachineFacts {
  readonly loadavgStart: readonly number[];
  readonly commit: string;
  readonly dirty: boolean;
}

function stored(value: Spread, digits = 3): StoredSpread {
  return { median: round(value.median, digits), min: round(value.min, digits), max: round(value.max, digits), runs: value.runs.map((run) => round(run, digits)) };
}

const of = (samples: readonly PhaseSample[], pick: (sample: PhaseSample) => number | undefined, digits = 3): StoredSpread =>
  stored(spread(samples.map((sample) => pick(sample) ?? Number.NaN)), digits);

const MIB = 1024 * 1024;
const sum = (samples: readonly PhaseSample[], pick: (sample: PhaseSample) => number): number => samples.reduce((total, sample) => total + pick(sample), 0);

function serverResult(run: ContenderRun, rates: ReadonlyMap<number, number>): Record<string, unknown> {
  const closed = run.closed;
  const open: Record<string, unknown> = {};
  for (const [fraction, samples] of run.open) {
    open[String(Math.round(fraction * 100))] = {
      rate: rates.get(fraction),
      achieved: of(samples, (s) => s.throughput, 0),
      p50_ms: of(samples, (s) => s.latency.p50),
      p99_ms: of(samples, (s) => s.latency.p99),
      p999_ms: of(samples, (s) => s.latency.p999),
      max_ms: of(samples, (s) => s.latency.max),
      server_cpu: of(samples, (s) => s.serverCpu, 2),
      ...(samples.some((s) => s.redisCpu !== undefined) ? { redis_cpu: of(samples, (s) => s.redisCpu, 2) } : {}),
      send_lag_p99_ms: of(samples, (s) => s.sendLag?.p99),
      foreign_server_cpu: of(samples, (s) => s.foreignServerCpu, 2),
      steal_server_cpu: of(samples, (s) => s.stealServerCpu, 2),
      steal_client_cpu: of(samples, (s) => s.stealClientCpu, 2),
      run_queue_wait_ms_per_s: of(samples, (s) => s.runQueueWaitMsPerSecond, 1),
      rpc_errors: sum(samples, (s) => s.rpcErrors),
      failed_closed: sum(samples, (s) => s.unavailable),
      unexpected: sum(samples, (s) => s.mismatches),
      ...(run.spans.has(fraction) ? { span_coverage: coverageOf(run.spans.get(fraction) ?? []) } : {}),
    };
  }
  return {
    label: CONTENDERS[run.key].label,
    available: run.failure === undefined || closed.length > 0,
    ...(run.failure === undefined ? {} : { failure: run.failure }),
    ...(run.verify ? { verify: { ...run.verify, mix: roundAll(run.verify.mix) } } : {}),
    ...(closed.length === 0
      ? {}
      : {
          closed: {
            throughput: of(closed, (s) => s.throughput, 0),
            per_cpu_second: of(closed, (s) => s.perCpuSecond, 0),
            server_cpu: of(closed, (s) => s.serverCpu, 2),
            client_cpu: of(closed, (s) => s.clientCpu, 2),
            foreign_server_cpu: of(closed, (s) => s.foreignServerCpu, 2),
            foreign_client_cpu: of(closed, (s) => s.foreignClientCpu, 2),
            steal_server_cpu: of(closed, (s) => s.stealServerCpu, 2),
            steal_client_cpu: of(closed, (s) => s.stealClientCpu, 2),
            ...(closed.some((s) => s.redisCpu !== undefined) ? { redis_cpu: of(closed, (s) => s.redisCpu, 2) } : {}),
            rss_mib: of(closed, (s) => s.rssBytes / MIB, 1),
            p50_ms: of(closed, (s) => s.latency.p50),
            p99_ms: of(closed, (s) => s.latency.p99),
            rpc_errors: sum(closed, (s) => s.rpcErrors),
            failed_closed: sum(closed, (s) => s.unavailable),
            unexpected: sum(closed, (s) => s.mismatches),
            exhausted_runs: closed.filter((s) => s.exhausted).length,
          },
        }),
    ...(Object.keys(open).length === 0 ? {} : { open }),
    ...(run.logBytesPerCheck === undefined ? {} : { log_bytes_per_check: Math.round(run.logBytesPerCheck) }),
    ...(run.spansLost === undefined ? {} : { spans_lost: run.spansLost }),
  };
}

/** Spans received over decision records written (the record of truth), over the repetitions at one rate. */
function coverageOf(tallies: readonly { spans: number; records: number; sent: number }[]): number | null {
  return round(tallies.reduce((n, t) => n + t.spans, 0) / Math.max(1, tallies.reduce((n, t) => n + t.records, 0)));
}

function roundAll(record: Readonly<Record<string, number>>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, round(value)]));
}

/** Ratio of medians, and its spread over repetitions paired by index (they ran back to back). */
function ratio(top: readonly number[], bottom: readonly number[]): { value: number; pairs: number[] } {
  const value = spread(top).median / spread(bottom).median;
  const pairs = top.slice(0, bottom.length).map((x, i) => x / (bottom[i] as number));
  return { value, pairs };
}

/** What each workload is, in results.json and results.md. */
const WORKLOAD_TEXT = {
  steady: 'steady agents: each orchestrator reuses its chain links (delegation attestations) for their lifetime; the gate verifies a link once, then hits its link cache',
  fresh: 'fresh ancestors: every delegated request carries a newly minted root link and middle link, so the link cache never hits',
} as const;

/**
 * One workload's closed-loop numbers: the memory gate's and the floor's max throughput, their
 * ratio (with its spread over paired runs), and the gate's CPU per check (steadier than
 * throughput on a shared machine).
 */
function workloadSide(kind: keyof typeof WORKLOAD_TEXT, stats: WorkloadStats, memory: readonly PhaseSample[], floor: readonly PhaseSample[]): Record<string, unknown> {
  const pair = ratio(memory.map((s) => s.throughput), floor.map((s) => s.throughput));
  return {
    ancestors: stats.ancestors,
    description: WORKLOAD_TEXT[kind],
    runs: Math.min(memory.length, floor.length),
    chained_fraction: round(stats.chainedFraction),
    signatures_per_request: round(stats.signaturesPerRequest, 2),
    memory_max_rps: of(memory, (s) => s.throughput, 0),
    floor_max_rps: of(floor, (s) => s.throughput, 0),
    memory_vs_floor: round(pair.value),
    memory_vs_floor_spread: stored(spread(pair.pairs)),
    memory_cpu_us_per_check: of(memory, (s) => 1e6 / s.perCpuSecond, 0),
    memory_failed_closed: sum(memory, (s) => s.unavailable),
    unexpected: sum([...memory, ...floor], (s) => s.mismatches),
  };
}

/** Builds the results object of `run`. */
export function buildResults(run: BenchRun, machine: MachineFacts): Record<string, unknown> {
  const byKey = new Map<ContenderKey, ContenderRun>(run.contenders.map((c) => [c.key, c]));
  const closed = (key: ContenderKey, pick: (s: PhaseSample) => number): number[] => (byKey.get(key)?.closed ?? []).map(pick);
  const half = run.options.openFractions.find((fraction) => fraction === 0.5);
  const p99At50 = (key: ContenderKey): number[] => (half === undefined ? [] : (byKey.get(key)?.open.get(half) ?? []).map((s) => s.latency.p99));
  const quarter = run.options.openFractions.find((fraction) => fraction === 0.25);
  const p99At25 = (key: ContenderKey): number[] => (quarter === undefined ? [] : (byKey.get(key)?.open.get(quarter) ?? []).map((s) => s.latency.p99));
  const coverage = (key: ContenderKey): Record<string, number | null> =>
    Object.fromEntries([...(byKey.get(key)?.spans ?? new Map<number, { spans: number; records: number; sent: number }[]>())].map(([fraction, tallies]) => [String(Math.round(fraction * 100)), coverageOf(tallies)]));
  const memoryMax = spread(closed('memory', (s) => s.throughput)).median;
  // Judged only where the gate is not overloaded: rates up to 80 % of its own closed-loop max.
  const judged = [...(byKey.get('memory')?.spans ?? new Map<number, { spans: number; records: number; sent: number }[]>())].filter(([fraction]) => (run.rates.get(fraction) ?? Infinity) <= 0.8 * memoryMax);
  const worstCoverage = judged.length === 0 ? Number.NaN : Math.min(...judged.map(([, tallies]) => coverageOf(tallies) ?? Number.NaN));

  const pairs = {
    memory_vs_floor: ratio(closed('memory', (s) => s.throughput), closed('floor', (s) => s.throughput)),
    redis_vs_memory: ratio(closed('redis', (s) => s.throughput), closed('memory', (s) => s.throughput)),
    p99_at_50_vs_floor: ratio(p99At50('memory'), p99At50('floor')),
    p99_at_quarter_vs_floor: ratio(p99At25('memory'), p99At25('floor')),
  };
  const extra = {
    memory_vs_floor_per_cpu_second: ratio(closed('memory', (s) => s.perCpuSecond), closed('floor', (s) => s.perCpuSecond)),
    memory_vs_raw_floor: ratio(closed('memory', (s) => s.throughput), closed('floor_raw', (s) => s.throughput)),
    floor_vs_raw_floor: ratio(closed('floor', (s) => s.throughput), closed('floor_raw', (s) => s.throughput)),
    memory_traced_vs_untraced: ratio(closed('memory', (s) => s.throughput), closed('memory_untraced', (s) => s.throughput)),
    redis_p99_at_50_vs_floor: ratio(p99At50('redis'), p99At50('floor')),
    untraced_p99_at_50_vs_floor: ratio(p99At50('memory_untraced'), p99At50('floor')),
  };
  const fresh = (key: ContenderKey): PhaseSample[] => byKey.get(key)?.fresh ?? [];
  // Not a target: reported beside memory_vs_floor, which stays on the steady workload.
  const freshPair = ratio(fresh('memory').map((s) => s.throughput), fresh('floor').map((s) => s.throughput));
  const soak = run.soak ? soakSummary(run.soak) : undefined;
  const met = (value: number, bound: { min?: number; max?: number }): boolean | null =>
    !Number.isFinite(value) ? null : bound.min !== undefined ? value >= bound.min : value <= (bound.max ?? Infinity);

  const cpu = cpus();
  return {
    schema: 1,
    mode: run.options.mode,
    generated_at: new Date().toISOString(),
    elapsed_s: Math.round(run.elapsedMs / 1000),
    machine: {
      description: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 1024 ** 3)} GiB RAM, Linux ${release()}, Node ${process.version}`,
      pinning: run.pinning.note,
      // This process is the load generator (bench/load/load-generator-flags.ts).
      load_generator_node_flags: [...process.execArgv],
      loadavg_start: machine.loadavgStart.map((value) => round(value, 2)),
      loadavg_end: loadavg().map((value) => round(value, 2)),
    },
    git: { commit: machine.commit, dirty: machine.dirty },
    workload: {
      scenarios: SCENARIOS.length,
      requests_built: run.workload.requests,
      chained_fraction: round(run.workload.chainedFraction),
      mean_headers: round(run.workload.meanHeaders, 1),
      body_fraction: round(run.workload.bodyFraction),
      mean_body_bytes: Math.round(run.workload.meanBodyBytes),
      mean_request_bytes: Math.round(run.workload.meanRequestBytes),
      tokens: 'EdDSA (Ed25519) compact JWS, a unique jti per request, minted before each phase',
      decision_mix: byKey.get('memory')?.verify ? roundAll(byKey.get('memory')?.verify?.mix ?? {}) : null,
    },
    // Closed loop, memory gate and floor: the workload every other number uses, and the same mix
    // with new chain links on every delegated request.
    workloads: {
      steady: workloadSide('steady', run.workload, byKey.get('memory')?.closed ?? [], byKey.get('floor')?.closed ?? []),
      ...(run.freshWorkload ? { fresh: workloadSide('fresh', run.freshWorkload, fresh('memory'), fresh('floor')) } : {}),
    },
    settings: {
      concurrency: run.options.concurrency,
      connections: run.options.connections,
      closed_runs: run.options.closedRuns,
      closed_s: run.options.closedMs / 1000,
      fresh_runs: run.options.freshRuns,
      open_runs: run.options.openRuns,
      open_s: run.options.openMs / 1000,
      open_rates: Object.fromEntries([...run.rates].map(([fraction, rate]) => [String(Math.round(fraction * 100)), rate])),
      deadline_ms: run.options.deadlineMs,
      soak_max_s: run.options.soakMaxMs / 1000,
      quiet_wait_s: Math.round(run.quietWaitedMs / 1000),
      floor_verify: 'jose jwtVerify, key imported once (jose 6 verifies through WebCrypto); floor_raw: node:crypto verify',
    },
    servers: Object.fromEntries(run.contenders.map((c) => [c.key, c.failure !== undefined && c.closed.length === 0 ? { label: CONTENDERS[c.key].label, available: false, reason: c.failure } : serverResult(c, run.rates)])),
    // span_coverage: exported `dutygate.check` spans / decision records written, per open-loop rate (% of the floor's max).
    ratios: {
      ...Object.fromEntries(Object.entries(pairs).map(([key, value]) => [key, round(value.value)])),
      span_coverage: coverage('memory'),
      memory_vs_floor_fresh_ancestors: round(freshPair.value),
    },
    ratio_spread: { ...Object.fromEntries(Object.entries(pairs).map(([key, value]) => [key, stored(spread(value.pairs))])), memory_vs_floor_fresh_ancestors: stored(spread(freshPair.pairs)) },
    other_ratios: Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, round(value.value)])),
    targets: {
      memory_vs_floor: { target: TARGETS.memory_vs_floor.text, value: round(pairs.memory_vs_floor.value), met: met(pairs.memory_vs_floor.value, TARGETS.memory_vs_floor) },
      p99_at_50_vs_floor: { target: TARGETS.p99_at_50_vs_floor.text, value: round(pairs.p99_at_50_vs_floor.value), met: met(pairs.p99_at_50_vs_floor.value, TARGETS.p99_at_50_vs_floor) },
      p99_at_quarter_vs_floor: { target: TARGETS.p99_at_quarter_vs_floor.text, value: round(pairs.p99_at_quarter_vs_floor.value), met: met(pairs.p99_at_quarter_vs_floor.value, TARGETS.p99_at_quarter_vs_floor) },
      span_coverage: { target: TARGETS.span_coverage.text, value: round(worstCoverage), met: met(worstCoverage, TARGETS.span_coverage) },
      redis_vs_memory: { target: TARGETS.redis_vs_memory.text, value: round(pairs.redis_vs_memory.value), met: met(pairs.redis_vs_memory.value, TARGETS.redis_vs_memory) },
      rss_flat: {
        target: soak?.timed_out ? `${TARGETS.rss_flat_partial.text} (${soak.checks})` : TARGETS.rss_flat.text,
        value: soak ? soak.spread : null,
        // A soak that did not reach 1M checks cannot meet the 1M target, whatever its spread.
        met: soak && !soak.timed_out ? met(soak.spread ?? Number.NaN, TARGETS.rss_flat) : null,
      },
    },
    ...(soak ? { soak } : {}),
    ...(run.otlp
      ? {
          otlp: {
            export_requests: run.otlp.requests,
            bytes: run.otlp.bytes,
            bytes_per_span: run.otlp.checkSpans > 0 ? Math.round(run.otlp.bytes / run.otlp.checkSpans) : null,
            check_spans: run.otlp.checkSpans,
            traced_checks: run.otlp.tracedChecks,
            // Below 1: the SDK's batch queue dropped spans (each an audit record) under load.
            span_coverage: round(run.otlp.checkSpans / Math.max(1, run.otlp.tracedChecks)),
          },
        }
      : {}),
    ...(run.profile ? { profile: run.profile } : {}),
  };
}
