/**
 * `npm run campaign` — the seeded hostile-input campaign (issue 13) over real gRPC with Envoy's
 * protos. `--short` is CI's run (≥ 10 000 cases, well under two minutes); the default is the
 * long local run. `--seed N` reproduces a run; `--only a,b` runs some categories. Categories are
 * the files of `campaign/categories/` (each exports `category`). Prints a table per category and
 * `N passed, M failed` as the last line; exits 1 on any failure.
 */
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Category } from './category.js';
import { createEnvironment } from './environment.js';
import { renderReport } from './report.js';
import { runCategory, type CategoryTally } from './runner.js';

const { values } = parseArgs({
  options: { short: { type: 'boolean', default: false }, seed: { type: 'string' }, only: { type: 'string' } },
});
const mode = values.short ? 'short' : 'long';
const seed = values.seed === undefined ? 1313 : Number.parseInt(values.seed, 10);
if (!Number.isInteger(seed)) throw new Error('--seed takes an integer');
const only = values.only?.split(',').map((name) => name.trim());

const dir = join(dirname(fileURLToPath(import.meta.url)), 'categories');
const categories: Category[] = [];
for (const file of readdirSync(dir).filter((name) => /\.(js|ts)$/.test(name) && !name.endsWith('.d.ts')).sort()) {
  const module = (await import(pathToFileURL(join(dir, file)).href)) as { category?: Category };
  if (!module.category) throw new Error(`campaign/categories/${file} exports no category`);
  if (only === undefined || only.includes(module.category.name)) categories.push(module.category);
}

const env = await createEnvironment(mode, seed);
const started = performance.now();
const tallies: CategoryTally[] = [];
for (const category of categories) {
  const cases = category.cases[mode];
  env.log(`${category.name}: ${cases} cases`);
  const t0 = performance.now();
  const tally = await runCategory(category, env, cases);
  env.log(`${category.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  tallies.push(tally);
}
await env.close();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const header = `dutygate campaign (${mode}, seed ${seed}): ${tallies.reduce((n, t) => n + t.tried, 0)} cases in ${seconds} s, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
const report = renderReport(tallies, header);
// Exit explicitly once the report is written: a category's leftover socket must not hold the run.
process.stdout.write(`${report}\n`, () => process.exit(tallies.some((t) => t.failedCases > 0) ? 1 : 0));
