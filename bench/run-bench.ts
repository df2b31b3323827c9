/**
 * One benchmark run, start to end: servers up (pinned), verification, warm-up, closed-loop
 * repetitions, closed-loop repetitions of the memory gate and the floor on the fresh-ancestors
 * workload, open-loop repetitions at fractions of the floor's throughput, then (full mode) a
 * CPU profile and the RSS soak of the memory gate. Repetitions are interleaved across servers,
 * in rotating order, so that a noisy neighbour on the machine hits every server alike instead of
 * whichever happened to run during it.
 */
import { readFileSync } from 'node:fs';
import type { BenchOptions } from './bench-options.js';
import { connectCheckClient } from './load/check-client.js';
import type { CheckClient } from './load/check-client.js';
import { runClosedLoop } from './load/closed-loop.js';
import type { LoadRun } from './load/load-run.js';
import { runOpenLoop } from './load/open-loop.js';
import { createDecisionLineCounter } from './measure/decision-lines.js';
import { readSpanTally, settledSpanTally } from './measure/span-tally.js';
import { runRssSoak } from './load/rss-soak.js';
import type { SoakResult } from './load/rss-soak.js';
import { verifyServer } from './load/verify-pass.js';
import type { VerifyResult } from './load/verify-pass.js';
import { profileServer } from './measure/profile-server.js';
import type { ServerProfile } from './measure/profile-server.js';
import { waitForQuiet } from './measure/core-usage.js';
import { measurePhase } from './measure/phase-sample.js';
import type { PhaseCpus, PhaseSample } from './measure/phase-sample.js';
import { pinLoadGenerator } from './measure/pinning.js';
import type { Pinning } from './measure/pinning.js';
import { spread } from './measure/stats.js';
import { createBenchSetup, removeBenchSetup } from './servers/bench-setup.js';
import type { BenchSetup } from './servers/bench-setup.js';
import { CONTENDERS, startContender, startOtlpSink } from './servers/contenders.js';
import type { ContenderKey } from './servers/contenders.js';
import type { RedisProbe } from './servers/redis-probe.js';
import { killAllServerProcesses } from './servers/server-process.js';
import type { ServerProcess } from './servers/server-process.js';
import { createWorkload, expectingAllAllowed } from './workload/workload.js';
import type { RequestSlice, Workload, WorkloadStats } from './workload/workload.js';

/** One server's measurements (or why there are none). */
export interface ContenderRun {
  readonly key: ContenderKey;
  /** Why the server could not be measured (did not start, or died). */
  failure?: string;
  verify?: VerifyResult;
  readonly closed: PhaseSample[];
  /** Closed-loop samples on the fresh-ancestors workload (the memory gate and the floor only). */
  readonly fresh: PhaseSample[];
  /** Open-loop samples per fraction of the floor's throughput. */
  readonly open: Map<number, PhaseSample[]>;
  /**
   * Traced gates, per open-loop phase: `dutygate.check` spans the sink received, decision records
   * the gate wrote (the record of truth; coverage is spans over records), and Checks sent.
   */
  readonly spans: Map<number, { readonly spans: number; readonly records: number; readonly sent: number }[]>;
  logBytesPerCheck?: number;
  /** Traced gates: audit spans the gate itself reported lost (its `audit spans lost` log lines), by reason. */
  spansLost?: Record<string, number>;
}

/** Everything a run measured, before formatting. */
export interface BenchRun {
  readonly options: BenchOptions;
  readonly pinning: Pinning;
  readonly contenders: readonly ContenderRun[];
  /** Open-loop rates used, per fraction. */
  readonly rates: ReadonlyMap<number, number>;
  /** The steady-agents workload (chain links reused): every phase but the fresh-ancestors ones. */
  readonly workload: WorkloadStats;
  /** The fresh-ancestors workload (new chain links per delegated request), when it ran. */
  readonly freshWorkload?: WorkloadStats;
  readonly profile?: ServerProfile;
  readonly soak?: SoakResult;
  readonly elapsedMs: number;
  /** Time spent waiting for other processes to leave the bench's CPUs alone. */
  readonly quietWaitedMs: number;
  /** Spans the OTLP sink received, against the checks the traced gates answered. */
  readonly otlp?: OtlpTally;
}

/** What the OTLP sink saw. */
export interface OtlpTally {
  readonly requests: number;
  readonly bytes: number;
  readonly checkSpans: number;
  /** Checks sent to gates that export spans (every phase, verification, warm-up, profile, soak). */
  readonly tracedChecks: number;
}

interface Live {
  readonly run: ContenderRun;
  readonly process: ServerProcess;
  readonly client: CheckClient;
  readonly redis?: RedisProbe;
  /** Decision records the server has written so far (its log). */
  readonly records: () => number;
}

// The run in progress, for abortRun().
let current: BenchSetup | undefined;

/** Takes an interrupted run down: its server children, its Redis keys, its scratch folder. */
export async function abortRun(): Promise<void> {
  killAllServerProcesses();
  if (current) await removeBenchSetup(current);
}

/** Runs the benchmark; `progress` gets one line per step. */
export async function runBench(options: BenchOptions, progress: (line: string) => void): Promise<BenchRun> {
  const startedAt = performance.now();
  const pinning = pinLoadGenerator();
  progress(`pinning: ${pinning.note}`);
  const setup = await createBenchSetup();
  current = setup;
  const workload = createWorkload({ minter: setup.minter, seed: 20_261_122, tokenTtlSeconds: 120 });
  const keys: ContenderKey[] = options.informative ? ['floor', 'floor_raw', 'memory', 'memory_untraced', 'redis'] : ['floor', 'memory', 'redis'];
  const runs: ContenderRun[] = [];
  const live: Live[] = [];
  let sink: ServerProcess | undefined;
  try {
    sink = await startOtlpSink(setup, pinning);
    const otlpEndpoint = `http://127.0.0.1:${sink.port}`;
    for (const key of keys) {
      const run: ContenderRun = { key, closed: [], fresh: [], open: new Map(), spans: new Map() };
      runs.push(run);
      const started = await startContender(key, { setup, pinning, otlpEndpoint });
      if (!started.ok) {
        run.failure = started.reason;
        progress(`${key}: unavailable — ${started.reason}`);
        continue;
      }
      const client = await connectCheckClient(started.process.port, options.deadlineMs, options.connections);
      live.push({ run, process: started.process, client, records: createDecisionLineCounter(started.process.logFile), ...(started.redis ? { redis: started.redis } : {}) });
      progress(`${key}: listening on ${started.process.port} (pid ${started.process.pid})`);
    }
    if (live[0]?.run.key !== 'floor') throw new Error(`the floor server did not start: ${runs[0]?.failure ?? 'unknown'}`);

    const ctx: PhaseContext = { options, progress, quietWaitedMs: 0, cpus: pinning.pinned ? { server: Number(pinning.serverCpus), client: Number(pinning.clientCpus) } : {} };
    const verifySlice = workload.build(options.verifyRequests);
    for (const server of live) {
      server.run.verify = await verifyServer(server.client, verifySlice, { expectAllAllowed: !CONTENDERS[server.run.key].decides, concurrency: 4 });
      const { requests, mismatches, failedClosed } = server.run.verify;
      progress(`${server.run.key}: verified ${requests} answers, ${mismatches} unexpected${failedClosed > 0 ? `, ${failedClosed} failed closed (503)` : ''}`);
    }

    const warm = workload.build(options.warmupRequests);
    let fastest = 0;
    for (const server of live) {
      const result = await runClosedLoop(server.client, warm, { concurrency: options.concurrency, durationMs: options.warmupMaxMs });
      fastest = Math.max(fastest, result.throughput);
    }
    progress(`warm-up done (fastest ${Math.round(fastest)} req/s)`);

    // Room for the fastest warm-up rate two and a half times over (warm-up includes the cold
    // start), so no repetition runs out of requests; one that does is flagged `exhausted`.
    const closedCap = Math.ceil((Math.max(2000, fastest * 2.5) * options.closedMs) / 1000);
    for (let rep = 0; rep < options.closedRuns; rep++) {
      const slice = workload.build(closedCap);
      for (const server of rotate(active(live), rep)) {
        await phase(ctx, server, `closed #${rep + 1}`, server.run.closed, () => runClosedLoop(server.client, as(server, slice), { concurrency: options.concurrency, durationMs: options.closedMs }));
      }
    }
    const freshWorkload = options.freshRuns > 0 ? createWorkload({ minter: setup.minter, seed: 20_261_123, tokenTtlSeconds: 120, ancestors: 'fresh' }) : undefined;
    if (freshWorkload) await runFresh(ctx, live, freshWorkload, closedCap);

    const floorMax = spread(runs[0]?.closed.map((sample) => sample.throughput) ?? []).median;
    const rates = new Map(options.openFractions.map((fraction) => [fraction, Math.max(50, Math.round(fraction * floorMax))]));
    for (const [fraction, rate] of rates) {
      for (let rep = 0; rep < options.openRuns; rep++) {
        const slice = workload.build(Math.ceil((rate * options.openMs) / 1000));
        const runsAt = (key: ContenderKey): boolean => CONTENDERS[key].open === 'all' || (CONTENDERS[key].open === 'half' && fraction === 0.5);
        for (const server of rotate(active(live).filter((s) => runsAt(s.run.key)), rep)) {
          const list = server.run.open.get(fraction) ?? [];
          server.run.open.set(fraction, list);
          const traced = TRACED.has(server.run.key);
          // The previous traced phase waited for its spans (and the closed loops ended seconds
          // ago), so the counts now are this phase's starting point.
          const before = traced ? await readSpanTally(sink.port) : 0;
          const recordsBefore = traced ? server.records() : 0;
          await phase(ctx, server, `open ${Math.round(fraction * 100)}% (${rate}/s) #${rep + 1}`, list, () => runOpenLoop(server.client, as(server, slice), { ratePerSecond: rate, durationMs: options.openMs, drainMs: 2000 }));
          const sample = list[list.length - 1];
          if (traced && sample) {
            // A record is written just before its span ends: once the spans settled, so have the records.
            const spans = (await settledSpanTally(sink.port, { target: before + sample.sent })) - before;
            const records = server.records() - recordsBefore;
            const tallies = server.run.spans.get(fraction) ?? [];
            server.run.spans.set(fraction, tallies);
            tallies.push({ spans, records, sent: sample.sent });
            progress(`${server.run.key}: span coverage ${(spans / Math.max(1, records)).toFixed(3)} (${spans} spans for ${records} decision records, ${sample.sent} Checks sent)`);
          }
        }
      }
    }
    for (const server of live) {
      const answered = [...server.run.closed, ...server.run.fresh, ...[...server.run.open.values()].flat()].reduce((n, s) => n + s.sent, 0);
      if (CONTENDERS[server.run.key].decides && answered > 0) server.run.logBytesPerCheck = server.process.logBytes() / (answered + options.verifyRequests + warm.bytes.length);
    }
    const stopped = live.splice(0);
    await stopAll(stopped);
    // After the stop: spans a shutdown could not flush are reported then.
    for (const server of stopped) if (TRACED.has(server.run.key)) server.run.spansLost = spansLostIn(server.process.logFile);

    const profile = options.profileMs > 0 ? await profileServer('memory', { ...options, setup, pinning, otlpEndpoint, workload }) : undefined;
    if (profile) progress(`profile: memory gate at ${profile.throughput} req/s, ${profile.cpuUsPerCheck} µs CPU per check`);
    const soak = options.soakChecks > 0 ? await soakGate(setup, pinning, otlpEndpoint, options, progress) : undefined;
    const stats = workload.stats();
    const tracedChecks =
      runs.filter((run) => TRACED.has(run.key)).reduce((total, run) => total + (run.verify?.requests ?? 0) + warm.bytes.length + [...run.closed, ...run.fresh, ...[...run.open.values()].flat()].reduce((n, sample) => n + sample.sent, 0), 0) +
      (profile?.checks ?? 0) + options.warmupRequests * (profile ? 1 : 0) + (soak?.checks ?? 0);
    const otlp = await stopSink(sink, tracedChecks);
    return { options, pinning, contenders: runs, rates, workload: stats, ...(freshWorkload ? { freshWorkload: freshWorkload.stats() } : {}), ...(profile ? { profile } : {}), ...(soak ? { soak } : {}), ...(otlp ? { otlp } : {}), elapsedMs: performance.now() - startedAt, quietWaitedMs: ctx.quietWaitedMs };
  } finally {
    await stopAll(live);
    await sink?.stop();
    await removeBenchSetup(setup);
    current = undefined;
  }
}

/** The servers measured on both workloads: the gate, and the floor its ratio is taken against. */
const FRESH_SERVERS: ReadonlySet<ContenderKey> = new Set(['floor', 'memory']);

/**
 * Closed-loop repetitions on the fresh-ancestors workload, against the servers already running:
 * nothing is restarted, the gate's link cache simply never hits. Same concurrency, length and
 * request budget as the steady repetitions, interleaved in rotating order like them.
 */
async function runFresh(ctx: PhaseContext, live: readonly Live[], workload: Workload, cap: number): Promise<void> {
  const { options } = ctx;
  for (let rep = 0; rep < options.freshRuns; rep++) {
    const slice = workload.build(cap);
    for (const server of rotate(active(live).filter((s) => FRESH_SERVERS.has(s.run.key)), rep)) {
      await phase(ctx, server, `closed fresh ancestors #${rep + 1}`, server.run.fresh, () => runClosedLoop(server.client, as(server, slice), { concurrency: options.concurrency, durationMs: options.closedMs }));
    }
  }
}

/** The slice with the expectations of `server` (the floor allows every valid token). */
function as(server: Live, slice: RequestSlice): RequestSlice {
  return CONTENDERS[server.run.key].decides ? slice : expectingAllAllowed(slice);
}

/** Sums the gate's `audit spans lost` lines (one per episode) by reason. */
function spansLostIn(logFile: string): Record<string, number> {
  const lost: Record<string, number> = {};
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('audit spans lost')) continue;
    const entry = JSON.parse(line) as { reason?: string; dropped?: number };
    if (entry.reason && typeof entry.dropped === 'number') lost[entry.reason] = (lost[entry.reason] ?? 0) + entry.dropped;
  }
  return lost;
}

/** The gates that export spans to the sink. */
const TRACED: ReadonlySet<ContenderKey> = new Set(['memory', 'redis']);

/** Stops the sink and reads the tally it prints on the way out. */
async function stopSink(sink: ServerProcess, tracedChecks: number): Promise<OtlpTally | undefined> {
  await sink.stop();
  const lines = readFileSync(sink.logFile, 'utf8').trim().split('\n');
  const tally = JSON.parse(lines[lines.length - 1] ?? '{}') as Partial<OtlpTally>;
  if (typeof tally.checkSpans !== 'number') return undefined;
  return { requests: tally.requests ?? 0, bytes: tally.bytes ?? 0, checkSpans: tally.checkSpans, tracedChecks };
}

function active(live: readonly Live[]): Live[] {
  return live.filter((server) => server.run.failure === undefined);
}

/** `list` starting at `by` (mod length): each repetition gives another server the first slot. */
export function rotate<T>(list: readonly T[], by: number): T[] {
  if (list.length === 0) return [];
  const start = by % list.length;
  return [...list.slice(start), ...list.slice(0, start)];
}

/** What every phase of a run shares. */
interface PhaseContext {
  readonly options: BenchOptions;
  readonly cpus: PhaseCpus;
  readonly progress: (line: string) => void;
  /** Milliseconds spent waiting for quiet CPUs so far (bounded by options.quietBudgetMs). */
  quietWaitedMs: number;
}

async function phase(ctx: PhaseContext, server: Live, name: string, into: PhaseSample[], run: () => Promise<LoadRun>): Promise<void> {
  const { options, cpus, progress } = ctx;
  const watched = [cpus.server, cpus.client].filter((cpu): cpu is number => cpu !== undefined);
  const budget = options.quietBudgetMs - ctx.quietWaitedMs;
  if (watched.length > 0 && budget > 0) {
    // Nothing of ours runs now: whatever keeps these CPUs busy is another process's.
    const quiet = await waitForQuiet({ cpus: watched, threshold: QUIET_THRESHOLD, maxWaitMs: Math.min(budget, options.quietMaxWaitMs) });
    ctx.quietWaitedMs += quiet.waitedMs;
  }
  try {
    const sample = await measurePhase(server.process, server.redis, cpus, run);
    into.push(sample);
    progress(`${server.run.key}: ${name}: ${Math.round(sample.throughput)} req/s, p99 ${sample.latency.p99.toFixed(2)} ms, server CPU ${sample.serverCpu.toFixed(2)}, others on its CPU ${sample.foreignServerCpu.toFixed(2)}, steal ${sample.stealServerCpu.toFixed(2)}, waited for its CPU ${sample.runQueueWaitMsPerSecond.toFixed(0)} ms/s${problems(sample)}`);
  } catch (error) {
    server.run.failure = (error as Error).message;
    progress(`${server.run.key}: FAILED in ${name}: ${server.run.failure}`);
  }
}

/** A CPU busier than this (by other processes) is not quiet. */
const QUIET_THRESHOLD = 0.15;

function problems(sample: PhaseSample): string {
  const parts = [
    sample.mismatches > 0 ? `${sample.mismatches} unexpected` : '',
    sample.unavailable > 0 ? `${sample.unavailable} failed closed (503)` : '',
    sample.rpcErrors > 0 ? `${sample.rpcErrors} RPC errors` : '',
  ].filter((part) => part !== '');
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}

async function soakGate(setup: BenchSetup, pinning: Pinning, otlpEndpoint: string, options: BenchOptions, progress: (line: string) => void): Promise<SoakResult | undefined> {
  const started = await startContender('memory', { setup, pinning, otlpEndpoint, tag: '-soak' });
  if (!started.ok) return undefined;
  const client = await connectCheckClient(started.process.port, options.deadlineMs, options.connections);
  const workload = createWorkload({ minter: setup.minter, seed: 7, tokenTtlSeconds: options.soakTokenTtlSeconds });
  progress(`soak: ${options.soakChecks} checks, tokens live ${options.soakTokenTtlSeconds}s`);
  const soak = await runRssSoak(started.process, client, workload, { checks: options.soakChecks, maxMs: options.soakMaxMs, concurrency: options.concurrency, sampleEvery: 50_000 });
  client.close();
  await started.process.stop();
  progress(`soak: ${soak.checks} checks at ${Math.round(soak.throughput)} req/s, RSS ${soak.rss.map(([, rss]) => Math.round(rss / 1048576)).join(' → ')} MiB`);
  return soak;
}

async function stopAll(live: readonly Live[]): Promise<void> {
  for (const server of live) {
    server.client.close();
    server.redis?.close();
    await server.process.stop();
  }
}
