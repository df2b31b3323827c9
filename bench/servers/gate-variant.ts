/**
 * The gate variants the paired tools compare (`PAIRED_A` / `PAIRED_B`):
 * - a JSON object of extra environment, e.g. `{"OTEL_TRACES_EXPORTER":"none"}` (default `{}`);
 * - `dist:DIR`: the gate of another build (a copy of dist/ made before a change);
 * - `flags:--a --b`: node flags before the gate's script, instead of the shipped ones
 *   (`GATE_NODE_FLAGS`, which every other variant starts with; `flags:` alone means none);
 * - `floor`: not a gate but the bench's floor server, which allows every valid token, so that
 *   `latency-main` can put the gate's tail beside the floor's in alternating rounds (the ratio
 *   the full bench reports as `p99_at_quarter_vs_floor`).
 */
import { join } from 'node:path';
import { connectCheckClient } from '../load/check-client.js';
import type { CheckClient } from '../load/check-client.js';
import { pinLoadGenerator } from '../measure/pinning.js';
import type { Pinning } from '../measure/pinning.js';
import { GATE_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { DIST_CLI } from '../repo-paths.js';
import { createWorkload, expectingAllAllowed } from '../workload/workload.js';
import type { RequestSlice } from '../workload/workload.js';
import { createBenchSetup, removeBenchSetup } from './bench-setup.js';
import type { BenchSetup } from './bench-setup.js';
import { FLOOR_SCRIPT, floorServerArgs, startOtlpSink, tracedGateEnv } from './contenders.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

/** One side of a paired comparison. */
export interface GateVariant {
  readonly name: 'A' | 'B';
  readonly env: Record<string, string>;
  readonly script: string;
  readonly flags: readonly string[];
  /** False for the floor: it allows every valid token, so its answers are not the workload's. */
  readonly decides: boolean;
}

/** The variant `spec` describes (see the module comment). */
function gateVariantOf(name: 'A' | 'B', spec: string | undefined): GateVariant {
  const gate = { name, env: {}, script: DIST_CLI, flags: GATE_NODE_FLAGS, decides: true };
  if (spec === undefined || spec === '') return gate;
  if (spec === 'floor') return { ...gate, script: FLOOR_SCRIPT, flags: [], decides: false };
  if (spec.startsWith('dist:')) return { ...gate, script: join(spec.slice(5), 'cli', 'main.js') };
  if (spec.startsWith('flags:')) return { ...gate, flags: spec.slice(6).split(' ').filter((flag) => flag !== '') };
  return { ...gate, env: JSON.parse(spec) as Record<string, string> };
}

/** Starts the traced memory gate of `variant` (or the floor) on the server's CPU. */
function startGateVariant(variant: GateVariant, setup: BenchSetup, pinning: Pinning, otlpEndpoint: string): Promise<ServerProcess> {
  const args = variant.decides ? ['serve', '--config', setup.memoryConfig] : floorServerArgs(setup, 'jose');
  return startServerProcess({
    name: `paired-${variant.name}`,
    pinning,
    logFile: join(setup.outDir, `paired-${variant.name}.log`),
    env: { ...tracedGateEnv(otlpEndpoint), ...variant.env },
    nodeArgs: [...variant.flags, variant.script, ...args],
  });
}

/** Two running servers, A and B, each with its own client and workload (index 0 is A). */
export interface GatePair {
  readonly variants: readonly [GateVariant, GateVariant];
  readonly servers: readonly ServerProcess[];
  readonly clients: readonly CheckClient[];
  /** The next `count` requests for side `i`, with the answers that side gives (the floor allows all). */
  readonly slice: (i: number, count: number) => RequestSlice;
}

/**
 * Starts the gates `PAIRED_A` and `PAIRED_B` name (with the OTLP sink they export to), runs
 * `measure` on them, and takes everything down again, whatever `measure` did. `seed` seeds A's
 * workload (B's is the next one), so the two never send the same tokens.
 */
export async function withGatePair(seed: number, measure: (pair: GatePair) => Promise<void>): Promise<void> {
  const variants = [gateVariantOf('A', process.env['PAIRED_A']), gateVariantOf('B', process.env['PAIRED_B'])] as const;
  const pinning = pinLoadGenerator();
  const setup = await createBenchSetup();
  const sink = await startOtlpSink(setup, pinning);
  const servers: ServerProcess[] = [];
  const clients: CheckClient[] = [];
  try {
    const otlpEndpoint = `http://127.0.0.1:${sink.port}`;
    for (const variant of variants) servers.push(await startGateVariant(variant, setup, pinning, otlpEndpoint));
    for (const server of servers) clients.push(await connectCheckClient(server.port, 500, 4));
    const workloads = variants.map((_, i) => createWorkload({ minter: setup.minter, seed: seed + i, tokenTtlSeconds: 120 }));
    const slice = (i: number, count: number): RequestSlice => {
      const built = workloads[i]!.build(count);
      return variants[i]!.decides ? built : expectingAllAllowed(built);
    };
    await measure({ variants, servers, clients, slice });
  } finally {
    for (const client of clients) client.close();
    for (const server of servers) await server.stop();
    await sink.stop();
    await removeBenchSetup(setup);
  }
}
