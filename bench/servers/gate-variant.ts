/**
 * The gate variants the paired tools compare (`PAIRED_A` / `PAIRED_B`):
 * - a JSON object of extra environment, e.g. `{"OTEL_TRACES_EXPORTER":"none"}` (default `{}`);
 * - `dist:DIR`: the gate of another build (a copy of dist/ made before a change);
 * - `flags:--a --b`: node flags before the gate's script.
 */
import { join } from 'node:path';
import { DIST_CLI } from '../repo-paths.js';
import type { Pinning } from '../measure/pinning.js';
import type { BenchSetup } from './bench-setup.js';
import { tracedGateEnv } from './contenders.js';
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
export function gateVariantOf(name: 'A' | 'B', spec: string | undefined): GateVariant {
  if (spec === undefined || spec === '') return { name, env: {}, script: DIST_CLI, flags: [] };
  if (spec.startsWith('dist:')) return { name, env: {}, script: join(spec.slice(5), 'cli', 'main.js'), flags: [] };
  if (spec.startsWith('flags:')) return { name, env: {}, script: DIST_CLI, flags: spec.slice(6).split(' ').filter((flag) => flag !== '') };
  return { name, env: JSON.parse(spec) as Record<string, string>, script: DIST_CLI, flags: [] };
}

/** Starts the traced memory gate of `variant` on the server's CPU. */
export function startGateVariant(variant: GateVariant, setup: BenchSetup, pinning: Pinning, otlpEndpoint: string): Promise<ServerProcess> {
  return startServerProcess({
    name: `paired-${variant.name}`,
    pinning,
    logFile: join(setup.outDir, `paired-${variant.name}.log`),
    env: { ...tracedGateEnv(otlpEndpoint), ...variant.env },
    nodeArgs: [...variant.flags, variant.script, 'serve', '--config', setup.memoryConfig],
  });
}
