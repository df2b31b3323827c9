import { describeOutcome } from './compare-outcome.js';
import { passed, type SuiteResult } from './run-cases.js';

/**
 * The terminal report of `dutygate policy test`: every failing case with its file:line, what
 * differed and what the gate decided; passing cases only with `verbose`; then one summary line.
 */
export function formatTestReport(suites: readonly SuiteResult[], verbose: boolean): string[] {
  const lines: string[] = [];
  let ok = 0;
  let failed = 0;
  for (const suite of suites) {
    for (const result of suite.results) {
      const where = `${suite.casesFile}:${result.testCase.line}`;
      if (passed(result)) {
        ok++;
        if (verbose) lines.push(`PASS  ${where}  ${result.testCase.name}`);
        continue;
      }
      failed++;
      lines.push(`FAIL  ${where}  ${result.testCase.name}`);
      if (result.error !== undefined) lines.push(`      error: ${result.error}`);
      for (const problem of result.problems) lines.push(`      ${problem}`);
      if (result.outcome) lines.push(`      got: ${describeOutcome(result.outcome)}`);
    }
  }
  const versions = [...new Set(suites.map((s) => s.policyVersion))].join(', ');
  lines.push(`${failed === 0 ? 'ok' : 'FAILED'}: ${ok} passed, ${failed} failed, ${ok + failed} cases in ${suites.length} file(s) (policy_version ${versions})`);
  return lines;
}
