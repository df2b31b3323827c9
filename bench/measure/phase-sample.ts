/**
 * One measured phase against one server: the load run plus what the server (and Redis, for the
 * Redis-backed gate) spent meanwhile, read from outside the server.
 */
import type { LoadRun } from '../load/load-run.js';
import type { RedisProbe } from '../servers/redis-probe.js';
import type { ServerProcess } from '../servers/server-process.js';
import { busyFraction, readCoreTimes, stealFraction } from './core-usage.js';
import { ownCpuSeconds, readMainThreadRunDelaySeconds } from './proc-stats.js';
import { summarizeLatencies } from './stats.js';
import type { LatencySummary } from './stats.js';

/** A phase's numbers. CPU in cores (1.0 = one CPU busy for the whole phase). */
export interface PhaseSample {
  readonly throughput: number;
  readonly serverCpu: number;
  /** Answers per second of server CPU: the throughput one whole core would give. */
  readonly perCpuSecond: number;
  readonly clientCpu: number;
  readonly redisCpu?: number;
  readonly rssBytes: number;
  readonly latency: LatencySummary;
  readonly sendLag?: LatencySummary;
  readonly sent: number;
  readonly completed: number;
  readonly rpcErrors: number;
  readonly mismatches: number;
  readonly unavailable: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly exhausted: boolean;
  /**
   * CPU other processes took, during the phase, on the server's CPU and on the load generator's
   * (busy share of the CPU minus our own process's and the hypervisor's steal): the machine's
   * noise, reported with each phase.
   */
  readonly foreignServerCpu: number;
  readonly foreignClientCpu: number;
  /**
   * Share of the server's and the load generator's CPU the hypervisor gave to another VM while
   * this one wanted it (/proc/stat steal). Nothing in the VM runs meanwhile, so a phase with much
   * steal measures the host; a slow round of both floor and gate often has it.
   */
  readonly stealServerCpu: number;
  readonly stealClientCpu: number;
  /**
   * Milliseconds per second the server's main thread was runnable but not running: another task
   * had its CPU — one of the server's own threads (GC helpers, the threadpool, a worker) or another
   * process. NaN when unknown. Its latency shows such waits whoever caused them.
   */
  readonly runQueueWaitMsPerSecond: number;
}

/** Which CPUs the server and the load generator run on (undefined when unpinned). */
export interface PhaseCpus {
  readonly server?: number;
  readonly client?: number;
}

/** Runs `run` and measures around it; rejects when the server died during the phase. */
export async function measurePhase(server: ServerProcess, redis: RedisProbe | undefined, cpus: PhaseCpus, run: () => Promise<LoadRun>): Promise<PhaseSample> {
  const serverBefore = server.cpuSeconds() ?? Number.NaN;
  const clientBefore = ownCpuSeconds();
  const coresBefore = readCoreTimes();
  const redisBefore = redis ? await redis.cpuSeconds() : undefined;
  const waitedBefore = readMainThreadRunDelaySeconds(server.pid) ?? Number.NaN;
  const startedAt = performance.now();
  const result = await run();
  const seconds = (performance.now() - startedAt) / 1000;
  const serverAfter = server.cpuSeconds();
  if (!server.alive() || serverAfter === undefined) throw new Error(`${server.name} exited during the phase`);
  const waitedAfter = readMainThreadRunDelaySeconds(server.pid) ?? Number.NaN;
  const coresAfter = readCoreTimes();
  const redisAfter = redis ? await redis.cpuSeconds() : undefined;
  const serverCpu = (serverAfter - serverBefore) / seconds;
  const clientCpu = (ownCpuSeconds() - clientBefore) / seconds;
  const steal = (cpu: number | undefined): number => (cpu === undefined ? Number.NaN : stealFraction(coresBefore, coresAfter, cpu));
  const stealServerCpu = steal(cpus.server);
  const stealClientCpu = steal(cpus.client);
  const foreign = (cpu: number | undefined, ours: number, stolen: number): number => (cpu === undefined ? Number.NaN : Math.max(0, busyFraction(coresBefore, coresAfter, cpu) - ours - stolen));
  return {
    throughput: result.throughput,
    serverCpu,
    perCpuSecond: result.completed / Math.max(1e-9, serverAfter - serverBefore),
    clientCpu,
    ...(redisBefore !== undefined && redisAfter !== undefined ? { redisCpu: (redisAfter - redisBefore) / seconds } : {}),
    rssBytes: server.rssBytes() ?? Number.NaN,
    latency: summarizeLatencies(result.latenciesMs),
    ...(result.sendLagMs ? { sendLag: summarizeLatencies(result.sendLagMs) } : {}),
    sent: result.sent,
    completed: result.completed,
    rpcErrors: result.rpcErrors,
    mismatches: result.mismatches,
    unavailable: result.unavailable,
    statusCounts: result.statusCounts,
    exhausted: result.exhausted,
    // Redis runs unpinned; its CPU is not ours to subtract, so it counts as foreign here.
    foreignServerCpu: foreign(cpus.server, serverCpu, stealServerCpu),
    foreignClientCpu: foreign(cpus.client, clientCpu, stealClientCpu),
    stealServerCpu,
    stealClientCpu,
    runQueueWaitMsPerSecond: ((waitedAfter - waitedBefore) * 1000) / seconds,
  };
}
