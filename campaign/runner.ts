/**
 * Runs one category: its cases with bounded concurrency (or one at a time), each exchange judged
 * by the oracle, tallied into one table row.
 */
import type { Category } from './category.js';
import type { CampaignEnv } from './environment.js';
import { judge, type FailureKind } from './oracle.js';
import { caseSeed, createRng } from './rng.js';

/** One row of the report. */
export interface CategoryTally {
  readonly name: string;
  tried: number;
  crashes: number;
  failures: Record<FailureKind, number>;
  slowestMs: number;
  /** The first few failures, for the report (case index, label, why). */
  readonly examples: string[];
  /** Cases with at least one failed exchange (or a crash). */
  failedCases: number;
}

const CONCURRENCY = 8;
const MAX_EXAMPLES = 5;

/** Runs `category` in `env` and returns its tally; never throws. */
export async function runCategory(category: Category, env: CampaignEnv, cases: number): Promise<CategoryTally> {
  const tally: CategoryTally = {
    name: category.name,
    tried: 0,
    crashes: 0,
    failures: { rpc: 0, slow: 0, wrong_allow: 0, wrong_deny: 0, no_code: 0, wrong_code: 0 },
    slowestMs: 0,
    examples: [],
    failedCases: 0,
  };
  const note = (line: string) => {
    if (tally.examples.length < MAX_EXAMPLES) tally.examples.push(line);
  };
  let run;
  try {
    run = await category.start(env);
  } catch (error) {
    tally.crashes++;
    tally.failedCases++;
    note(`start: ${describe(error)}`);
    return tally;
  }
  let nextIndex = 0;
  const worker = async () => {
    for (;;) {
      const index = nextIndex++;
      if (index >= cases) return;
      tally.tried++;
      try {
        const result = await run.runCase(createRng(caseSeed(env.seed, category.name, index)), index);
        let failed = false;
        for (const exchange of result.exchanges) {
          tally.slowestMs = Math.max(tally.slowestMs, 'verdict' in exchange ? exchange.verdict.ms : exchange.answer.ms);
          const verdict = judge(exchange);
          if (!verdict) continue;
          tally.failures[verdict.kind]++;
          failed = true;
          note(`#${index} ${result.label}: ${verdict.kind} (${verdict.detail})`);
        }
        if (failed) tally.failedCases++;
      } catch (error) {
        tally.crashes++;
        tally.failedCases++;
        note(`#${index}: crash ${describe(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: category.sequential ? 1 : CONCURRENCY }, worker));
  try {
    await run.stop?.();
  } catch (error) {
    tally.crashes++;
    note(`stop: ${describe(error)}`);
  }
  return tally;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
}
