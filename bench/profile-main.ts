/**
 * `node dist-bench/bench/profile-main.js [server] [seconds]`: where one server's CPU goes under
 * the bench workload — areas, top self-time functions, dutygate functions by inclusive time, and
 * the per-thread split. `server` is one of floor, floor_raw, memory (default), memory_untraced,
 * redis. The raw profile is copied to dist-bench/<server>.cpuprofile (open it in Chrome DevTools).
 */
import { profileServer } from './measure/profile-server.js';
import { pinLoadGenerator } from './measure/pinning.js';
import { createBenchSetup, removeBenchSetup } from './servers/bench-setup.js';
import { CONTENDERS, startOtlpSink } from './servers/contenders.js';
import type { ContenderKey } from './servers/contenders.js';
import { createWorkload } from './workload/workload.js';
import { ensureLoadGeneratorFlags } from './load/load-generator-flags.js';

await ensureLoadGeneratorFlags();

const key = (process.argv[2] ?? 'memory') as ContenderKey;
if (!(key in CONTENDERS)) throw new Error(`unknown server ${key}; one of ${Object.keys(CONTENDERS).join(', ')}`);
const seconds = Number(process.argv[3] ?? 10);
const pinning = pinLoadGenerator();
const setup = await createBenchSetup();
const sink = await startOtlpSink(setup, pinning);
try {
  const workload = createWorkload({ minter: setup.minter, seed: 5, tokenTtlSeconds: 120 });
  const profile = await profileServer(key, { setup, pinning, otlpEndpoint: `http://127.0.0.1:${sink.port}`, workload, warmupRequests: 8000, warmupMaxMs: 15_000, profileMs: seconds * 1000, concurrency: 64, connections: 4, deadlineMs: 200, top: 40 });
  if (profile === undefined) throw new Error(`${key}: no profile (did it start?)`);
  const out: string[] = [`${key}: ${profile.throughput} req/s, ${profile.cpuUsPerCheck} µs CPU per check; threads: ${profile.threads.map((t) => `${t.name} ${t.pct} %`).join(', ')}; main thread idle ${profile.idlePct} %`];
  out.push('', '% busy  area', ...profile.areas.slice(0, 25).map((a) => `${a.pct.toFixed(1).padStart(6)}  ${a.area}`));
  out.push('', '% busy  self time', ...profile.selfTop.map((r) => `${r.pct.toFixed(1).padStart(6)}  ${r.name}  ${r.where}`));
  out.push('', '% busy  dutygate, inclusive', ...profile.dutygateInclusive.map((r) => `${r.pct.toFixed(1).padStart(6)}  ${r.name}  ${r.where}`));
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await sink.stop();
  await removeBenchSetup(setup);
}
