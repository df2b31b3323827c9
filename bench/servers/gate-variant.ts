/**
 * The gate variants the paired tools compare (`PAIRED_A` / `PAIRED_B`):
 * - a JSON object of extra environment, e.g. `{"OTEL_TRACES_EXPORTER":"none"}` (default `{}`);
 * - `dist:DIR`: the gate of another build (a copy of dist/ made before a change);
 * - `flags:--a --b`: node flags before the gate's script, instead of the shipped ones
 *   (`GATE_NODE_FLAGS`, which every other variant starts with; `flags:` alone means none).
 */
import { join } from 'node:path';
import { connectCheckClient } from '../load/check-client.js';
import type { CheckClient } from '../load/check-client.js';
import { pinLoadGenerator } from '../measure/pinning.js';
import type { Pinning } from '../measure/pinning.js';
import { GATE_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { DIST_CLI } from '../repo-paths.js';
import { createWorkload } from '../workload/workload.js';
import type { Workload } from '../workload/workload.js';
import { createBenchSetup, removeBenchSetup } from './bench-setup.js';
import type { BenchSetup } from './bench-setup.js';
import { startOtlpSink, tracedGateEnv } from './contenders.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

/** One side of a paired comparison. */
export interface GateVariant {
  readonly name: 'A' | 'B';
  readonly env: Record<string, string>;
  readonly script: string;
  readonly flags: readonly string[];
}

/** The variant `spec` describes (see the module comment). */
function gateVariantOf(name: 'A' | 'B', spec: string | undefined): GateVariant {
  if (spec === undefined || spec === '') return { name, env: {}, script: DIST_CLI, flags: GATE_NODE_FLAGS };
  if (spec.startsWith('dist:')) return { name, env: {}, script: join(spec.slice(5), 'cli', 'main.js'), flags: GATE_NODE_FLAGS };
  if (spec.startsWith('flags:')) return { name, env: {}, script: DIST_CLI, flags: spec.slice(6).split(' ').filter((flag) => flag !== '') };
  return { name, env: JSON.parse(spec) as Record<string, string>, script: DIST_CLI, flags: GATE_NODE_FLAGS };
}

/** Starts the traced memory gate of `variant` on the server's CPU. */
function startGateVariant(variant: GateVariant, setup: BenchSetup, pinning: Pinning, otlpEndpoint: string): Promise<ServerProcess> {
  return startServerProcess({
    name: `paired-${variant.name}`,
    pinning,
    logFile: join(setup.outDir, `paired-${variant.name}.log`),
    env: { ...tracedGateEnv(otlpEndpoint), ...variant.env },
    nodeArgs: [...variant.flags, variant.script, 'serve', '--config', setup.memoryConfig],
  });
}

/** Two running gates, A and B, each with its own client and workload (index 0 is A). */
export interface GatePair {
  readonly variants: readonly [GateVariant, GateVariant];
  readonly servers: readonly ServerProcess[];
  readonly clients: readonly CheckClient[];
  readonly workloads: readonly Workload[];
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
    await measure({ variants, servers, clients, workloads });
  } finally {
    for (const client of clients) client.close();
    for (const server of servers) await server.stop();
    await sink.stop();
    await removeBenchSetup(setup);
  }
}
