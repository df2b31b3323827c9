/**
 * `npm run bench` (full: about ten minutes, writes bench/results.json and bench/results.md) and
 * `npm run bench -- --short` (CI: under a minute, writes dist-bench/results-short.*); `--soak-checks
 * N` sets the RSS soak's length (0 skips it), `--soak-max-s S` its time bound (default 330).
 * Prints the Markdown report. Exit 1 when a server crashed, answered something its scenario does not allow,
 * or (short mode) fell below the regression floor; unmet targets are reported, not failed.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, SHORT } from './bench-options.js';
import { buildResults } from './report/build-results.js';
import { renderMarkdown } from './report/markdown.js';
import type { ResultsView } from './report/markdown.js';
import { BENCH_DIR, BENCH_DIST_DIR, REPO_ROOT } from './repo-paths.js';
import { runBench } from './run-bench.js';

const { values } = parseArgs({ options: { short: { type: 'boolean', default: false }, 'soak-checks': { type: 'string' }, 'soak-max-s': { type: 'string' } } });
const mode = values.short ? SHORT : FULL;
// `--soak-checks N` shortens (or, with 0, skips) the RSS soak, e.g. to try a change quickly.
const soakChecks = values['soak-checks'] === undefined ? mode.soakChecks : Number.parseInt(values['soak-checks'], 10);
if (!Number.isInteger(soakChecks) || soakChecks < 0) throw new Error('--soak-checks takes a whole number');
// `--soak-max-s S` lets the soak run longer than the default bound (a million checks at ~1.4k/s
// take about twelve minutes; the default keeps the whole run near ten).
const soakMaxMs = values['soak-max-s'] === undefined ? mode.soakMaxMs : Number.parseInt(values['soak-max-s'], 10) * 1000;
if (!Number.isInteger(soakMaxMs) || soakMaxMs < 0) throw new Error('--soak-max-s takes a whole number of seconds');
const options = { ...mode, soakChecks, soakMaxMs };
const loadavgStart = loadavg();
const git = (...args: string[]): string => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
const progress = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

const run = await runBench(options, progress);
const results = buildResults(run, { loadavgStart, commit: git('rev-parse', 'HEAD') || 'unknown', dirty: git('status', '--porcelain', '--untracked-files=no') !== '' });
const markdown = renderMarkdown(results as unknown as ResultsView);
const outDir = options.mode === 'full' ? BENCH_DIR : join(BENCH_DIST_DIR, '..');
const base = options.mode === 'full' ? 'results' : 'results-short';
writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, `${base}.md`), markdown);
process.stdout.write(markdown);

const problems: string[] = [];
for (const contender of run.contenders) {
  if (contender.failure !== undefined && contender.closed.length > 0) problems.push(`${contender.key} failed: ${contender.failure}`);
  const verify = contender.verify;
  if (verify && verify.mismatches > 0) problems.push(`${contender.key}: ${verify.mismatches} answers not allowed by their scenario (${verify.examples.join('; ')})`);
  if (verify && verify.failedClosed > 0.05 * verify.requests) problems.push(`${contender.key}: ${verify.failedClosed} of ${verify.requests} verification answers failed closed (503)`);
  const samples = [...contender.closed, ...[...contender.open.values()].flat()];
  const unexpected = samples.reduce((total, sample) => total + sample.mismatches, 0);
  if (unexpected > 0) problems.push(`${contender.key}: ${unexpected} timed answers with an unexpected status`);
  // 503s under load are the gate failing closed on its deadlines, as designed (and reported);
  // the verification pass, at low concurrency, is where many of them mean a broken gate.
}
if (run.contenders.find((c) => c.key === 'memory')?.closed.length === 0) problems.push('the memory gate was not measured');
const ratios = (results as { ratios: Record<string, number | null> }).ratios;
if (options.minMemoryVsFloor > 0 && (ratios['memory_vs_floor'] ?? 0) < options.minMemoryVsFloor) {
  problems.push(`memory_vs_floor ${ratios['memory_vs_floor']} is below the regression floor ${options.minMemoryVsFloor}`);
}
const redisRatio = ratios['redis_vs_memory'];
if (options.minRedisVsMemory > 0 && redisRatio !== null && redisRatio !== undefined && redisRatio < options.minRedisVsMemory) {
  problems.push(`redis_vs_memory ${redisRatio} is below the regression floor ${options.minRedisVsMemory}`);
}
for (const problem of problems) progress(`PROBLEM: ${problem}`);
progress(`done in ${Math.round(run.elapsedMs / 1000)} s; results in ${join(outDir, `${base}.json`)}`);
process.exitCode = problems.length > 0 ? 1 : 0;
