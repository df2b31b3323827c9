/**
 * `node dist-bench/bench/latency-main.js [rate] [rounds]` (after `npm run bench` built
 * dist-bench/): tail latency of two traced memory gates under the same open-loop rate (default
 * 565/s, about 25 % of the floor's max here). The gates run one at a time — two at once would
 * double the load on the server CPU — alternating A, B, A, B… in 4 s rounds, so a slow spell of
 * a shared machine lands on both sides over the rounds; the first round of each is warm-up. Each
 * gate first gets a closed-loop warm-up so both start with optimised code and a grown heap.
 * Prints p50/p99/p99.9 per round and the median p99 of each side. Informative only.
 *
 * The variants are `PAIRED_A` / `PAIRED_B` (servers/gate-variant.ts): extra environment as JSON,
 * `dist:DIR`, `flags:…`, or `floor` — `PAIRED_A=floor` puts the gate's p99 beside the floor's,
 * the full bench's `p99_at_quarter_vs_floor` with alternating rounds instead of one run a side.
 */
import { runClosedLoop } from './load/closed-loop.js';
import { runOpenLoop } from './load/open-loop.js';
import { spread, summarizeLatencies } from './measure/stats.js';
import { withGatePair } from './servers/gate-variant.js';
import { ensureLoadGeneratorFlags } from './load/load-generator-flags.js';

await ensureLoadGeneratorFlags();

const rate = Number(process.argv[2] ?? 565);
const rounds = Math.max(2, Number(process.argv[3] ?? 8));
const ROUND_MS = 4000;

await withGatePair(31, async ({ variants, clients, slice }) => {
  for (const [i, client] of clients.entries()) await runClosedLoop(client, slice(i, 9000), { concurrency: 32, durationMs: 5000 });
  const p99s: number[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const [i, client] of clients.entries()) {
      const run = await runOpenLoop(client, slice(i, Math.ceil((rate * ROUND_MS) / 1000)), { ratePerSecond: rate, durationMs: ROUND_MS, drainMs: 1000 });
      if (run.mismatches > 0) throw new Error(`round ${round}: ${run.mismatches} answers are not what the workload expects`);
      const latency = summarizeLatencies(run.latenciesMs);
      if (round > 0) p99s[i]!.push(latency.p99);
      process.stdout.write(`round ${round}${round === 0 ? ' (warm-up)' : ''} ${variants[i]!.name}: p50 ${latency.p50.toFixed(2)} / p99 ${latency.p99.toFixed(2)} / p99.9 ${latency.p999.toFixed(2)} ms, ${run.rpcErrors} RPC errors\n`);
    }
  }
  const [a, b] = p99s.map((runs) => spread(runs));
  process.stdout.write(`p99 at ${rate}/s: A median ${a!.median.toFixed(2)} ms (${a!.min.toFixed(2)}–${a!.max.toFixed(2)}), B median ${b!.median.toFixed(2)} ms (${b!.min.toFixed(2)}–${b!.max.toFixed(2)})\n`);
});
