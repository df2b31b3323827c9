/**
 * Profiles one server under closed-loop load: started with `--cpu-prof`, warmed up, loaded for
 * `profileMs`, stopped (the profile is written at exit), summarized without the start-up and
 * warm-up samples. The per-thread CPU split is read from /proc alongside, because the V8
 * profile samples only the main thread.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectCheckClient } from '../load/check-client.js';
import { runClosedLoop } from '../load/closed-loop.js';
import { BENCH_DIST_DIR, REPO_ROOT } from '../repo-paths.js';
import type { BenchSetup } from '../servers/bench-setup.js';
import { startContender } from '../servers/contenders.js';
import type { ContenderKey } from '../servers/contenders.js';
import type { Workload } from '../workload/workload.js';
import { summarizeProfile } from './cpu-profile.js';
import type { CpuProfile, ProfileSummary } from './cpu-profile.js';
import type { Pinning } from './pinning.js';
import { readThreadCpu } from './proc-stats.js';

/** A server's CPU profile under load, with the per-thread CPU split. */
export interface ServerProfile extends ProfileSummary {
  readonly server: ContenderKey;
  readonly throughput: number;
  /** Checks answered in the profiled loop. */
  readonly checks: number;
  /** Process CPU (all threads) per answered check, in microseconds. */
  readonly cpuUsPerCheck: number;
  /** Share of the process's CPU per thread group. */
  readonly threads: readonly { readonly name: string; readonly pct: number }[];
}

/** Options of {@link profileServer}. */
export interface ProfileOptions {
  readonly setup: BenchSetup;
  readonly pinning: Pinning;
  readonly otlpEndpoint: string;
  readonly workload: Workload;
  readonly warmupRequests: number;
  readonly warmupMaxMs: number;
  readonly profileMs: number;
  readonly concurrency: number;
  readonly connections: number;
  readonly deadlineMs: number;
  /** Rows per ranking. */
  readonly top?: number;
}

/** Profiles `key`; undefined when it did not start or wrote no profile. */
export async function profileServer(key: ContenderKey, options: ProfileOptions): Promise<ServerProfile | undefined> {
  const { setup, pinning, workload } = options;
  const profileDir = join(setup.outDir, `profile-${key}`);
  const spawnedAt = performance.now();
  const started = await startContender(key, { setup, pinning, otlpEndpoint: options.otlpEndpoint, tag: '-profile', profileDir });
  if (!started.ok) return undefined;
  const client = await connectCheckClient(started.process.port, options.deadlineMs, options.connections);
  await runClosedLoop(client, workload.build(options.warmupRequests), { concurrency: options.concurrency, durationMs: options.warmupMaxMs });
  const slice = workload.build(Math.ceil((12_000 * options.profileMs) / 1000));
  // The profile starts with the process; everything before the measured loop is start-up and warm-up.
  const skipMs = performance.now() - spawnedAt;
  const threadsBefore = readThreadCpu(started.process.pid);
  const result = await runClosedLoop(client, slice, { concurrency: options.concurrency, durationMs: options.profileMs });
  const threads = threadShares(threadsBefore, readThreadCpu(started.process.pid));
  client.close();
  started.redis?.close();
  const { profileFile } = await started.process.stop();
  if (profileFile === undefined) return undefined;
  copyFileSync(profileFile, join(BENCH_DIST_DIR, '..', `${key}.cpuprofile`));
  const summary = summarizeProfile(JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile, { repoRoot: REPO_ROOT, skipMs, ...(options.top ? { top: options.top } : {}) });
  return {
    ...summary,
    server: key,
    throughput: Math.round(result.throughput),
    checks: result.completed,
    cpuUsPerCheck: Math.round((threads.total * 1e6) / Math.max(1, result.completed)),
    threads: threads.shares,
  };
}

/** CPU used per thread group between two readings, as shares of the process total. */
function threadShares(before: Map<string, number>, after: Map<string, number>): { total: number; shares: { name: string; pct: number }[] } {
  const groups = new Map<string, number>();
  for (const [name, seconds] of after) {
    const group = name === 'node' ? 'main thread' : name.startsWith('libuv-worker') ? 'libuv threadpool' : name.startsWith('V8 ') ? 'V8 helper threads (GC, compiler)' : name;
    groups.set(group, (groups.get(group) ?? 0) + seconds - (before.get(name) ?? 0));
  }
  const total = [...groups.values()].reduce((sum, seconds) => sum + seconds, 0);
  const shares = [...groups.entries()]
    .filter(([, seconds]) => seconds > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => ({ name, pct: Math.round((1000 * seconds) / Math.max(1e-9, total)) / 10 }));
  return { total, shares };
}
