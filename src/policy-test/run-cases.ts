import type { CheckOutcome } from '../check/outcome.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { CaseGate } from './case-gate.js';
import { outcomeOfJudgement } from './case-engine.js';
import { compareEngineDetails, compareOutcome, namesEngineDetails } from './compare-outcome.js';
import type { CaseFile, PolicyCase } from './policy-case.js';

/** The result of one case. */
export interface CaseResult {
  readonly testCase: PolicyCase;
  /** Absent when the case could not run (`error`). */
  readonly outcome?: CheckOutcome;
  /** Mismatches between outcome and expectation; empty when it passed. */
  readonly problems: readonly string[];
  /** Why the case could not run at all. */
  readonly error?: string;
  readonly durationMs: number;
}

/** The results of one cases file against one policy. */
export interface SuiteResult {
  readonly casesFile: string;
  readonly policyFile: string;
  readonly policyVersion: string;
  readonly results: readonly CaseResult[];
  readonly durationMs: number;
}

/** Whether a case passed. */
export function passed(result: CaseResult): boolean {
  return result.error === undefined && result.problems.length === 0;
}

/** Runs every case of `cases` through `gate` against `policy`, one after the other (each on fresh state). */
export async function runCaseFile(gate: CaseGate, policy: CompiledPolicy, cases: CaseFile): Promise<SuiteResult> {
  const started = performance.now();
  const results: CaseResult[] = [];
  for (const testCase of cases.cases) results.push(await runCase(gate, policy, testCase));
  return { casesFile: cases.file, policyFile: policy.file, policyVersion: policy.policyVersion, results, durationMs: performance.now() - started };
}

/**
 * One case: through the gate (its answer compared), and — when it names engine details or is
 * `engine_only` — judged by the policy engine too (case-engine.ts), whose matched rules, duty
 * steps and approval rules the gate's answer does not show.
 */
async function runCase(gate: CaseGate, policy: CompiledPolicy, testCase: PolicyCase): Promise<CaseResult> {
  const started = performance.now();
  try {
    const want = testCase.expect;
    const judgement = testCase.engineOnly !== undefined || namesEngineDetails(want) ? gate.judge(policy, testCase) : undefined;
    const outcome = testCase.engineOnly !== undefined && judgement ? outcomeOfJudgement(judgement) : await gate.run(policy, testCase);
    const problems = [...compareOutcome(outcome, want), ...(judgement ? compareEngineDetails(judgement, want) : [])];
    return { testCase, outcome, problems, durationMs: performance.now() - started };
  } catch (error) {
    return { testCase, problems: [], error: error instanceof Error ? error.message : String(error), durationMs: performance.now() - started };
  }
}
