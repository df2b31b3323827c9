/**
 * The servers a run compares: the floor (jose), optionally the raw node:crypto floor, dutygate
 * with the memory driver and dutygate with the Redis driver — each the real thing started as a
 * pinned child process. A server that cannot start is reported unavailable, with the reason,
 * instead of failing the run (the Redis driver may not be built yet, Redis may be down).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pinning } from '../measure/pinning.js';
import { GATE_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { BENCH_DIST_DIR, DIST_CLI, DIST_REDIS_DRIVER } from '../repo-paths.js';
import type { BenchSetup } from './bench-setup.js';
import { BENCH_AUDIENCE, BENCH_ISSUER, REDIS_URL } from './bench-setup.js';
import { probeRedis } from './redis-probe.js';
import type { RedisProbe } from './redis-probe.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

/** Keys of the compared servers, in results order. */
export type ContenderKey = 'floor' | 'floor_raw' | 'memory' | 'memory_untraced' | 'redis';

/** How to start one kind of server. */
export interface ContenderSpec {
  readonly key: ContenderKey;
  readonly label: string;
  /** The floor allows every valid token; the gates decide. */
  readonly decides: boolean;
  /**
   * Which open-loop rates it runs: all, only 50 % (the OpenTelemetry-off gate, to show what
   * tracing does to p99), or none (the raw floor is informative, not a target reference).
   */
  readonly open: 'all' | 'half' | 'none';
}

export const CONTENDERS: Readonly<Record<ContenderKey, ContenderSpec>> = {
  floor: { key: 'floor', label: 'floor (grpc-js + jose EdDSA verify + Map insert)', decides: false, open: 'all' },
  floor_raw: { key: 'floor_raw', label: 'raw floor (grpc-js + node:crypto Ed25519 verify + Map insert)', decides: false, open: 'none' },
  memory: { key: 'memory', label: 'dutygate, memory state', decides: true, open: 'all' },
  memory_untraced: { key: 'memory_untraced', label: 'dutygate, memory state, OpenTelemetry off (OTEL_SDK_DISABLED)', decides: true, open: 'half' },
  redis: { key: 'redis', label: 'dutygate, Redis state', decides: true, open: 'all' },
};

/** Options of {@link startContender}. */
export interface StartOptions {
  readonly setup: BenchSetup;
  readonly pinning: Pinning;
  /** Suffix of the log file name (several gates of one kind run in a full run). */
  readonly tag?: string;
  /** `--cpu-prof` into this folder. */
  readonly profileDir?: string;
  /** Where gates export their spans (the bench's OTLP sink). */
  readonly otlpEndpoint: string;
}

/** A started server, or why it is not available; Redis-backed ones carry a probe of Redis. */
export type Started =
  | { readonly ok: true; readonly process: ServerProcess; readonly redis?: RedisProbe }
  | { readonly ok: false; readonly reason: string };

/** Starts the OTLP sink on the load generator's CPU. */
export function startOtlpSink(setup: BenchSetup, pinning: Pinning): Promise<ServerProcess> {
  return startServerProcess({ name: 'otlp-sink', pinning, side: 'client', logFile: join(setup.outDir, 'otlp-sink.log'), nodeArgs: [join(BENCH_DIST_DIR, 'servers', 'otlp-sink.js')] });
}

/**
 * The environment every benchmarked gate runs with, whatever the caller's environment says:
 * spans on, exported over OTLP/HTTP protobuf to the bench's sink (as in production). The one
 * change from the defaults: a 1 s schedule delay instead of 5 s, so that the spans of an
 * open-loop phase reach the sink soon after it and its span coverage can be read (under load
 * 512-span batches fill sooner anyway; the delay only matters when the gate is nearly idle).
 */
export function tracedGateEnv(otlpEndpoint: string): Record<string, string> {
  return { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_SERVICE_NAME: 'dutygate-bench', OTEL_BSP_SCHEDULE_DELAY: '1000' };
}

/**
 * Starts `dutygate serve --config <config>` from dist/ with the Node flags it ships with
 * (`GATE_NODE_FLAGS`, as the Dockerfile does), pinned to the server's CPU, its log in the run's folder.
 */
export function startGateProcess(options: { readonly name: string; readonly setup: BenchSetup; readonly pinning: Pinning; readonly config: string; readonly env: Record<string, string>; readonly logTag?: string; readonly profileDir?: string }): Promise<ServerProcess> {
  const { name, setup, pinning, config, env } = options;
  const logFile = join(setup.outDir, `${name}${options.logTag ?? ''}.log`);
  return startServerProcess({ name, pinning, logFile, env, ...(options.profileDir ? { profileDir: options.profileDir } : {}), nodeArgs: [...GATE_NODE_FLAGS, DIST_CLI, 'serve', '--config', config] });
}

/** The floor server's script. */
export const FLOOR_SCRIPT = join(BENCH_DIST_DIR, 'servers', 'floor-server.js');

/** The floor server's arguments after its script: verifying the bench's tokens with jose or node:crypto. */
export function floorServerArgs(setup: BenchSetup, verify: 'jose' | 'raw'): string[] {
  return ['--jwks', setup.jwksFile, '--issuer', BENCH_ISSUER, '--audience', BENCH_AUDIENCE, '--verify', verify];
}

/** Starts `key` under `options`. */
export async function startContender(key: ContenderKey, options: StartOptions): Promise<Started> {
  const { setup, pinning } = options;
  const logFile = join(setup.outDir, `${key}${options.tag ?? ''}.log`);
  const common = { name: key, pinning, logFile, ...(options.profileDir ? { profileDir: options.profileDir } : {}) };
  const traced = tracedGateEnv(options.otlpEndpoint);
  const gate = (config: string, env: Record<string, string>) =>
    startGateProcess({ name: key, setup, pinning, config, env, ...(options.tag ? { logTag: options.tag } : {}), ...(options.profileDir ? { profileDir: options.profileDir } : {}) });
  const floorArgs = (verify: 'jose' | 'raw'): string[] => [FLOOR_SCRIPT, ...floorServerArgs(setup, verify)];
  try {
    switch (key) {
      case 'floor':
        return { ok: true, process: await startServerProcess({ ...common, nodeArgs: floorArgs('jose') }) };
      case 'floor_raw':
        return { ok: true, process: await startServerProcess({ ...common, nodeArgs: floorArgs('raw') }) };
      case 'memory':
        return { ok: true, process: await gate(setup.memoryConfig, traced) };
      case 'memory_untraced':
        return { ok: true, process: await gate(setup.memoryConfig, { ...traced, OTEL_SDK_DISABLED: 'true' }) };
      case 'redis': {
        if (!existsSync(DIST_REDIS_DRIVER)) return { ok: false, reason: 'the Redis state driver (src/state/redis/) is not in this build' };
        const redis = await probeRedis(REDIS_URL);
        if (typeof redis === 'string') return { ok: false, reason: redis };
        try {
          return { ok: true, process: await gate(setup.redisConfig, traced), redis };
        } catch (error) {
          redis.close();
          throw error;
        }
      }
    }
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
