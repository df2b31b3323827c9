/**
 * `npm run bench` (full: about ten minutes, writes bench/results.json and bench/results.md) and
 * `npm run bench -- --short` (CI: under a minute, writes dist-bench/results-short.*); `--soak-checks
 * N` sets the RSS soak's length (0 skips it), `--soak-max-s S` its time bound (default 300).
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
import { abortRun, runBench } from './run-bench.js';
import { spread } from './measure/stats.js';
import { ensureLoadGeneratorFlags } from './load/load-generator-flags.js';

await ensureLoadGeneratorFlags();

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

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the servers and removing this run's scratch data`);
    void abortRun().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

const run = await runBench(options, progress);
const results = buildResults(run, { loadavgStart, commit: git('rev-parse', 'HEAD') || 'unknown', dirty: git('status', '--porcelain', '--untracked-files=no') !== '' });
const markdown = renderMarkdown(results as unknown as ResultsView);
const outDir = options.mode === 'full' ? BENCH_DIR : join(BENCH_DIST_DIR, '..');
const base = options.mode === 'full' ? 'results' : 'results-short';
writeFileSync(join(outDir, `${base}.json`), `${formatJson(results)}\n`);
writeFileSync(join(outDir, `${base}.md`), markdown);
process.stdout.write(markdown);

/** Indented JSON with arrays of numbers (runs, series points) kept on one line, so diffs stay readable. */
function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\s*((?:-?[\d.e+-]+|null)(?:,\s*(?:-?[\d.e+-]+|null))*)\s*\]/g, (_match, items: string) => `[${items.split(/,\s*/).join(', ')}]`);
}

const problems: string[] = [];
for (const contender of run.contenders) {
  if (contender.failure !== undefined && contender.closed.length > 0) problems.push(`${contender.key} failed: ${contender.failure}`);
  const verify = contender.verify;
  if (verify && verify.mismatches > 0) problems.push(`${contender.key}: ${verify.mismatches} answers not allowed by their scenario (${verify.examples.join('; ')})`);
  if (verify && verify.failedClosed > 0.05 * verify.requests) problems.push(`${contender.key}: ${verify.failedClosed} of ${verify.requests} verification answers failed closed (503)`);
  const samples = [...contender.closed, ...contender.fresh, ...[...contender.open.values()].flat()];
  const unexpected = samples.reduce((total, sample) => total + sample.mismatches, 0);
  if (unexpected > 0) problems.push(`${contender.key}: ${unexpected} timed answers with an unexpected status`);
  // 503s under load are the gate failing closed on its deadlines, as designed (and reported);
  // the verification pass, at low concurrency, is where many of them mean a broken gate.
}
if (run.contenders.find((c) => c.key === 'memory')?.closed.length === 0) problems.push('the memory gate was not measured');
// The regression check compares capacity per CPU-second, not raw throughput: on a shared CI
// machine how much CPU each server happens to get varies far more than what it does with it.
const perCpu = (key: string): number => {
  const samples = run.contenders.find((c) => c.key === key)?.closed ?? [];
  return spread(samples.map((sample) => sample.perCpuSecond)).median;
};
const memoryVsFloor = perCpu('memory') / perCpu('floor');
if (options.minMemoryVsFloor > 0 && !(memoryVsFloor >= options.minMemoryVsFloor)) {
  problems.push(`memory gate capacity per CPU-second is ${memoryVsFloor.toFixed(2)} × the floor's, below the regression floor ${options.minMemoryVsFloor}`);
}
const redisVsMemory = perCpu('redis') / perCpu('memory');
if (options.minRedisVsMemory > 0 && Number.isFinite(redisVsMemory) && redisVsMemory < options.minRedisVsMemory) {
  problems.push(`Redis gate capacity per CPU-second is ${redisVsMemory.toFixed(2)} × the memory gate's, below the regression floor ${options.minRedisVsMemory}`);
}
for (const problem of problems) progress(`PROBLEM: ${problem}`);
progress(`done in ${Math.round(run.elapsedMs / 1000)} s; results in ${join(outDir, `${base}.json`)}`);
process.exitCode = problems.length > 0 ? 1 : 0;
