/**
 * `node dist-bench/bench/paired-main.js [rounds]` (after `npm run bench` built dist-bench/): a
 * paired A/B of two traced memory gates. Both run *at the same time*, pinned to the server CPU,
 * each under its own closed loop from the load generator's CPU; each round reads each gate's CPU
 * per answered Check from /proc. A slow spell of a shared machine (steal, a neighbour) then hits
 * both gates alike, so the ratio B/A per round is far steadier than two runs one after the other
 * (single closed-loop runs here swing by ±30 %). The first two rounds are warm-up and left out of
 * the median. Informative only: prints, never fails on numbers.
 *
 * The variants are `PAIRED_A` / `PAIRED_B` (servers/gate-variant.ts): extra environment as JSON,
 * `dist:DIR` or `flags:…`.
 */
import { runClosedLoop } from './load/closed-loop.js';
import { spread } from './measure/stats.js';
import { withGatePair } from './servers/gate-variant.js';
import { ensureLoadGeneratorFlags } from './load/load-generator-flags.js';

await ensureLoadGeneratorFlags();

const WARM_UP_ROUNDS = 2;
const rounds = Math.max(WARM_UP_ROUNDS + 1, Number(process.argv[2] ?? 8));

await withGatePair(21, async ({ servers, clients, slice }) => {
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const slices = clients.map((_, i) => slice(i, 9000));
    const before = servers.map((server) => server.cpuSeconds() ?? Number.NaN);
    const runs = await Promise.all(clients.map((client, i) => runClosedLoop(client, slices[i]!, { concurrency: 32, durationMs: 5000 })));
    const perCheck = servers.map((server, i) => (((server.cpuSeconds() ?? Number.NaN) - before[i]!) * 1e6) / Math.max(1, runs[i]!.completed));
    const mismatches = runs.map((run) => run.mismatches).reduce((a, b) => a + b, 0);
    if (mismatches > 0) throw new Error(`round ${round}: ${mismatches} answers are not what the workload expects`);
    const ratio = perCheck[1]! / perCheck[0]!;
    if (round >= WARM_UP_ROUNDS) ratios.push(ratio);
    process.stdout.write(`round ${round}${round < WARM_UP_ROUNDS ? ' (warm-up)' : ''}: A ${Math.round(perCheck[0]!)} µs, B ${Math.round(perCheck[1]!)} µs CPU per Check; B/A ${ratio.toFixed(3)}\n`);
  }
  const summary = spread(ratios);
  process.stdout.write(`B/A CPU per Check: median ${summary.median.toFixed(3)} (${summary.min.toFixed(3)}–${summary.max.toFixed(3)}) over ${ratios.length} rounds\n`);
});
