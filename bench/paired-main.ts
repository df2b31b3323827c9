/**
 * `node dist-bench/bench/paired-main.js [rounds]` (after `npm run bench` built dist-bench/): a
 * paired A/B of two traced memory gates. Both run *at the same time*, pinned to the server CPU,
 * each under its own closed loop from the load generator's CPU; each round reads each gate's CPU
 * per answered Check from /proc. A slow spell of a shared machine (steal, a neighbour) then hits
 * both gates alike, so the ratio B/A per round is far steadier than two runs one after the other
 * (single closed-loop runs here swing by ±30 %). The first two rounds are warm-up and left out of
 * the median. Informative only: prints, never fails on numbers.
 *
 * A variant is `PAIRED_A` / `PAIRED_B`:
 * - a JSON object of extra environment, e.g. `{"OTEL_TRACES_EXPORTER":"none"}` (default `{}`);
 * - `dist:DIR`: the gate of another build (a copy of dist/ made before a change);
 * - `flags:--a --b`: node flags before the gate's script.
 */
import { join } from 'node:path';
import { connectCheckClient } from './load/check-client.js';
import { runClosedLoop } from './load/closed-loop.js';
import { pinLoadGenerator } from './measure/pinning.js';
import { spread } from './measure/stats.js';
import { DIST_CLI } from './repo-paths.js';
import { createBenchSetup, removeBenchSetup } from './servers/bench-setup.js';
import type { BenchSetup } from './servers/bench-setup.js';
import { startOtlpSink, tracedGateEnv } from './servers/contenders.js';
import { startServerProcess } from './servers/server-process.js';
import type { ServerProcess } from './servers/server-process.js';
import type { Pinning } from './measure/pinning.js';
import { createWorkload } from './workload/workload.js';

interface Variant {
  readonly name: 'A' | 'B';
  readonly env: Record<string, string>;
  readonly script: string;
  readonly flags: readonly string[];
}

const WARM_UP_ROUNDS = 2;
const rounds = Math.max(WARM_UP_ROUNDS + 1, Number(process.argv[2] ?? 8));

function variantOf(name: 'A' | 'B', spec: string | undefined): Variant {
  if (spec === undefined || spec === '') return { name, env: {}, script: DIST_CLI, flags: [] };
  if (spec.startsWith('dist:')) return { name, env: {}, script: join(spec.slice(5), 'cli', 'main.js'), flags: [] };
  if (spec.startsWith('flags:')) return { name, env: {}, script: DIST_CLI, flags: spec.slice(6).split(' ').filter((flag) => flag !== '') };
  return { name, env: JSON.parse(spec) as Record<string, string>, script: DIST_CLI, flags: [] };
}

function startVariant(variant: Variant, setup: BenchSetup, pinning: Pinning, otlpEndpoint: string): Promise<ServerProcess> {
  return startServerProcess({
    name: `paired-${variant.name}`,
    pinning,
    logFile: join(setup.outDir, `paired-${variant.name}.log`),
    env: { ...tracedGateEnv(otlpEndpoint), ...variant.env },
    nodeArgs: [...variant.flags, variant.script, 'serve', '--config', setup.memoryConfig],
  });
}

const variants = [variantOf('A', process.env['PAIRED_A']), variantOf('B', process.env['PAIRED_B'])] as const;
const pinning = pinLoadGenerator();
const setup = await createBenchSetup();
const sink = await startOtlpSink(setup, pinning);
const servers: ServerProcess[] = [];
try {
  const otlpEndpoint = `http://127.0.0.1:${sink.port}`;
  for (const variant of variants) servers.push(await startVariant(variant, setup, pinning, otlpEndpoint));
  const clients = await Promise.all(servers.map((server) => connectCheckClient(server.port, 500, 4)));
  const workloads = variants.map((_, i) => createWorkload({ minter: setup.minter, seed: 21 + i, tokenTtlSeconds: 120 }));
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const slices = workloads.map((workload) => workload.build(9000));
    const before = servers.map((server) => server.cpuSeconds() ?? Number.NaN);
    const runs = await Promise.all(clients.map((client, i) => runClosedLoop(client, slices[i]!, { concurrency: 32, durationMs: 5000 })));
    const perCheck = servers.map((server, i) => (((server.cpuSeconds() ?? Number.NaN) - before[i]!) * 1e6) / Math.max(1, runs[i]!.completed));
    const mismatches = runs.map((run) => run.mismatches).reduce((a, b) => a + b, 0);
    if (mismatches > 0) throw new Error(`round ${round}: ${mismatches} answers are not what the workload expects`);
    const ratio = perCheck[1]! / perCheck[0]!;
    if (round >= WARM_UP_ROUNDS) ratios.push(ratio);
    process.stdout.write(`round ${round}${round < WARM_UP_ROUNDS ? ' (warm-up)' : ''}: A ${Math.round(perCheck[0]!)} µs, B ${Math.round(perCheck[1]!)} µs CPU per Check; B/A ${ratio.toFixed(3)}\n`);
  }
  for (const client of clients) client.close();
  const summary = spread(ratios);
  process.stdout.write(`B/A CPU per Check: median ${summary.median.toFixed(3)} (${summary.min.toFixed(3)}–${summary.max.toFixed(3)}) over ${ratios.length} rounds\n`);
} finally {
  for (const server of servers) await server.stop();
  await sink.stop();
  await removeBenchSetup(setup);
}
